/**
 * The system under test, for every suite: URLs, optional direct database and Redis access,
 * service control, per-run secrets, resolved once from `ZAPA_STACK_FILE` (default
 * `.zapa/stack.json`) or from `ZAPA_STACK=external` variables. Tests declare what they need;
 * on a target that lacks it they are reported IGNORED with the reason, never silently passed.
 *
 * ```ts
 * import { logTail, suiteTest, target } from "../../lib/target.ts";
 * suiteTest("failure: a 30 s PostgreSQL outage loses no message", { needs: ["control"] }, async () => {
 *   await target.control!.stop("postgres");
 *   await eventually(check, { onTimeout: () => logTail(["private", "postgres"]) });
 * });
 * ```
 */

import {
  type ControlledService,
  missingNeeds,
  type Need,
  resolveTarget,
  type Target,
} from "./stack/mod.ts";
import { declarationAt, internalIgnoreReason } from "./tier.ts";
import { withEvidence } from "./evidence.ts";
import { traceTargetOf } from "./trace/target.ts";

export type { Need, Target } from "./stack/mod.ts";
export { ControlError, ServiceControl } from "./stack/mod.ts";

function readTextOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

export const target: Target = resolveTarget(Deno.env, readTextOrNull);

export interface SuiteTestOptions extends Omit<Deno.TestDefinition, "name" | "fn" | "ignore"> {
  /** What the test requires beyond the HTTP URLs. */
  needs?: readonly Need[];
  ignore?: boolean;
}

/**
 * `Deno.test` that is IGNORED, with the reason printed, when the target lacks what the test
 * needs (`needs: ["database", "control"]`).
 */
export function suiteTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void;
export function suiteTest(
  name: string,
  options: SuiteTestOptions,
  fn: (t: Deno.TestContext) => void | Promise<void>,
): void;
export function suiteTest(
  name: string,
  optionsOrFn: SuiteTestOptions | ((t: Deno.TestContext) => void | Promise<void>),
  maybeFn?: (t: Deno.TestContext) => void | Promise<void>,
): void {
  const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
  const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn!;
  const { needs = [], ...rest } = options;
  // The tier comment is only read where it matters: a foreign Zapa without ZAPA_CHECK_INTERNALS.
  const tierReason = target.kind === "external"
    ? internalIgnoreReason(declarationAt(new Error().stack ?? ""), target.kind, Deno.env)
    : null;
  const reasons = missingNeeds(target, needs);
  if (tierReason) console.log(`IGNORED "${name}": ${tierReason}`);
  else if (reasons.length > 0) {
    console.log(`IGNORED "${name}": the ${target.kind} target lacks ${reasons.join("; ")}`);
  }
  // On failure, the traces of the messages the test used and the log tails (lib/evidence.ts).
  const traced = (t: Deno.TestContext) =>
    withEvidence(t, () => fn(t), { target: () => traceTargetOf(target) });
  Deno.test({
    ...rest,
    name,
    ignore: (rest.ignore ?? false) || reasons.length > 0 || tierReason !== null,
    fn: traced,
  });
}

/** The last `lines` log lines of each named service, for a failing test's error message. */
export async function logTail(
  services: readonly ControlledService[],
  lines = 40,
): Promise<string> {
  if (!target.control) return `(service logs are not available on the ${target.kind} target)`;
  const parts = await Promise.all(services.map(async (name) => {
    try {
      return `--- last ${lines} lines of ${name} ---\n${await target.control!.logs(name, lines)}`;
    } catch (error) {
      return `--- ${name}: logs unavailable (${(error as Error).message}) ---`;
    }
  }));
  return parts.join("\n");
}
