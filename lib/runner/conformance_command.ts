/**
 * `deno task conformance [--deep] [--seed N] [deno test args…]`: the conformance group on a
 * stack of its own (the test command's `--group=conformance`), with its profile and seed
 * passed to the tests as ZAPA_CONFORMANCE_DEEP / ZAPA_CONFORMANCE_SEED.
 */

export interface ConformanceArgs {
  env: Record<string, string>;
  passthrough: string[];
}

export function parseConformanceArgs(args: readonly string[]): ConformanceArgs {
  const env: Record<string, string> = {};
  const passthrough: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--deep") env.ZAPA_CONFORMANCE_DEEP = "1";
    else if (arg === "--seed" || arg.startsWith("--seed=")) {
      const value = arg === "--seed" ? args[++i] : arg.slice("--seed=".length);
      if (!value || !/^\d+$/.test(value)) {
        throw new Error(`--seed needs a whole number, got ${value}`);
      }
      env.ZAPA_CONFORMANCE_SEED = value;
    } else passthrough.push(arg);
  }
  return { env, passthrough };
}

if (import.meta.main) {
  let parsed: ConformanceArgs;
  try {
    parsed = parseConformanceArgs(Deno.args);
  } catch (error) {
    console.error(`conformance: ${(error as Error).message}`);
    Deno.exit(2);
  }
  for (const [name, value] of Object.entries(parsed.env)) Deno.env.set(name, value);
  // The test command's `deno test` children inherit this environment.
  const { main } = await import("./test_command.ts");
  try {
    Deno.exit(await main(["--group=conformance", ...parsed.passthrough]));
  } catch (error) {
    console.error(`conformance: ${(error as Error).message}`);
    console.log("0 passed, 1 failed");
    Deno.exit(1);
  }
}
