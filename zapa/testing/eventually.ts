/**
 * Wait for a fact instead of sleeping, for Zapa's own tests: poll a probe until it returns
 * something other than `undefined`, `null` or `false`, or fail after a deadline naming what
 * was awaited and the last value or error seen. Zapa's tests use this one so that `zapa/`
 * needs nothing from the harness (`lib/`).
 */

export async function eventually<T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs?: number; message?: string; onTimeout?: () => string } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let pause = 20;
  let last: unknown;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
      last = value;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.message}` : error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out waiting for ${options.message ?? "the condition"}; last seen: ${
          String(JSON.stringify(last) ?? last).slice(0, 500)
        }${options.onTimeout ? `\n${options.onTimeout()}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 250);
  }
}
