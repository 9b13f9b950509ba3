/**
 * Query and path integers, parsed strictly (digits only: no `1e3`, `0x10`, ` 5` or `-1`) and
 * published as what they are, `integer` with the same bounds, so the document and the
 * validation agree (R-HTTP-9).
 */
import { z } from "@hono/zod-openapi";

/** PostgreSQL `integer` upper bound: user ids above it cannot exist. */
export const MAX_INT4 = 2_147_483_647;

/** An integer query or path parameter within [min, max]; a 422 names the field otherwise. */
export function intParam(name: string, min: number, max: number) {
  return z.string()
    .regex(/^\d+$/, `${name} must be an integer`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `${name} must be ≥ ${min}`).max(max, `${name} must be ≤ ${max}`),
    )
    .openapi({ type: "integer", minimum: min, maximum: max });
}

/**
 * A row id in the path: any positive integer is valid, and one beyond PostgreSQL's `integer`
 * simply names no row (the route answers 404, R-ADMIN-*), however many digits it has.
 */
export function idParam(name: string) {
  return z.string()
    .regex(/^\d+$/, `${name} must be an integer`)
    .transform((digits) => {
      const significant = digits.replace(/^0+(?=\d)/, "");
      return significant.length > 10 ? MAX_INT4 + 1 : Number(significant);
    })
    .pipe(z.number().int().min(1, `${name} must be ≥ 1`))
    .openapi({ type: "integer", minimum: 1 });
}
