/**
 * Failing journeys explain themselves: `withLogTail` runs a test body and, when it throws,
 * appends the tail of the involved services' logs to the error, so a red e2e, security or
 * perf test shows what Zapa did next to what the test expected.
 */
import { logTail } from "../../lib/target.ts";
import type { ControlledService } from "../../lib/stack/mod.ts";

/** Wraps a test body; on failure the error message and stack end with the services' logs. */
export function withLogTail<T extends unknown[]>(
  services: readonly ControlledService[],
  body: (...args: T) => Promise<void>,
): (...args: T) => Promise<void> {
  return async (...args: T) => {
    try {
      await body(...args);
    } catch (error) {
      if (error instanceof Error && !error.message.includes("--- last ")) {
        const tail = await logTail(services, 30).catch((e) => `(no logs: ${e})`);
        error.message += `\n${tail}`;
        if (error.stack) error.stack += `\n${tail}`;
      }
      throw error;
    }
  };
}
