/**
 * The PostgreSQL refusals the error handler maps (R-HTTP-10): a lost race is a 404 or 409,
 * a value the column cannot hold a 422, anything else is left to the 500/503 paths.
 */
import assert from "node:assert/strict";
import { postgresErrorResponse } from "./postgres_errors.ts";

function pgError(code: string): Error {
  return Object.assign(new Error(`pg ${code}`), { name: "PostgresError", code });
}

// rules: R-HTTP-10
Deno.test("postgres errors: FK and unique violations are 404 and 409, bad values 422", () => {
  assert.equal(postgresErrorResponse(pgError("23503"))?.status, 404);
  assert.equal(postgresErrorResponse(pgError("23505"))?.status, 409);
  assert.equal(postgresErrorResponse(pgError("22P05"))?.status, 422);
  assert.equal(postgresErrorResponse(pgError("40P01"))?.status, 503);
  assert.equal(postgresErrorResponse(pgError("XX000")), null);
  assert.equal(postgresErrorResponse(Object.assign(new Error("x"), { code: "23505" })), null);
});
