import assert from "node:assert/strict";
import { parseConformanceArgs } from "./conformance_command.ts";

Deno.test("test command: --deep and --seed of the fuzzing task become ZAPA_ variables, the rest passes through", () => {
  assert.deepEqual(parseConformanceArgs(["--deep", "--seed", "42", "--fail-fast"]), {
    env: { ZAPA_CONFORMANCE_DEEP: "1", ZAPA_CONFORMANCE_SEED: "42" },
    passthrough: ["--fail-fast"],
  });
  assert.deepEqual(parseConformanceArgs(["--seed=7"]).env, { ZAPA_CONFORMANCE_SEED: "7" });
  assert.deepEqual(parseConformanceArgs([]), { env: {}, passthrough: [] });
  assert.throws(() => parseConformanceArgs(["--seed"]), /whole number/);
  assert.throws(() => parseConformanceArgs(["--seed", "x1"]), /whole number/);
});
