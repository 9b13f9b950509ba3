/** Test tiers at run time: the `// tier: internal` comment decides, on a foreign Zapa, whether a test runs. */
import assert from "node:assert/strict";
import { checksInternals, declarationAt, internalIgnoreReason, testFrame } from "./tier.ts";

const env = (vars: Record<string, string>) => ({ get: (n: string) => vars[n] });

// rules: R-HARNESS-4
Deno.test("tier: internal checks run on our stacks, and on external only with ZAPA_CHECK_INTERNALS=1", () => {
  assert.equal(checksInternals("native", env({})), true);
  assert.equal(checksInternals("compose", env({})), true);
  assert.equal(checksInternals("external", env({})), false);
  assert.equal(checksInternals("external", env({ ZAPA_CHECK_INTERNALS: "1" })), true);
  assert.equal(internalIgnoreReason({ tier: "public" }, "external", env({})), null);
  assert.match(
    internalIgnoreReason({ tier: "internal", tierReason: "our keys" }, "external", env({}))!,
    /^implementation check \(tier: internal — our keys\) does not apply to a foreign Zapa/,
  );
});

// rules: R-HARNESS-4
Deno.test("tier: the declaration is found from the registering call's stack frame in the test file", () => {
  const R = "//" + " rules: R-HARNESS-3";
  const T = "//" + " tier: internal — our table names";
  const text =
    `${R}\n${T}\nsuiteTest("x: one", () => {});\n\n${R}\nsuiteTest("x: two", () => {});\n`;
  const stack = "Error\n    at suiteTest (file:///r/lib/target.ts:60:20)\n" +
    "    at journey (file:///r/tests/e2e/_journey.ts:9:3)\n" +
    "    at file:///r/tests/e2e/a_test.ts:3:1\n";
  assert.deepEqual(testFrame(stack), { url: "file:///r/tests/e2e/a_test.ts", line: 3 });
  const one = declarationAt(stack, () => text);
  assert.equal(one?.name, "x: one");
  assert.equal(one?.tier, "internal");
  assert.equal(one?.tierReason, "our table names");
  const two = declarationAt(stack.replace("a_test.ts:3:1", "a_test.ts:6:1"), () => text);
  assert.equal(two?.tier, "public");
  assert.equal(declarationAt("Error\n    at file:///r/lib/x.ts:1:1", () => text), null);
  assert.throws(
    () =>
      declarationAt(stack.replace("a_test", "b_test"), () => {
        throw new Deno.errors.PermissionDenied("no read");
      }),
    /cannot read file:\/\/\/r\/tests\/e2e\/b_test\.ts .*needs --allow-read/,
  );
});

async function runFixture(extra: Record<string, string>) {
  // Through setpriv, as lib/target_test.ts does: the unit permission set runs setpriv, not deno.
  const output = await new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGKILL",
      Deno.execPath(),
      "test",
      "--allow-env",
      "--allow-read",
      "lib/stack/testdata/tier_fixture_test.ts",
    ],
    env: {
      NO_COLOR: "1",
      ZAPA_STACK: "external",
      ZAPA_PUBLIC_URL: "http://127.0.0.1:9",
      ZAPA_PRIVATE_URL: "http://127.0.0.1:9",
      ZAPA_BRIDGE_URL: "http://127.0.0.1:9",
      ZAPA_LLM_URL: "http://127.0.0.1:9",
      ...extra,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { success: output.success, text: d.decode(output.stdout) + d.decode(output.stderr) };
}

// rules: R-HARNESS-4
Deno.test("tier: on external an internal-tier test is IGNORED with its reason; ZAPA_CHECK_INTERNALS=1 runs it", async () => {
  const off = await runFixture({});
  assert.ok(off.success, off.text);
  assert.match(off.text, /ok \| 1 passed \| 0 failed \| 1 ignored/);
  assert.match(
    off.text,
    /IGNORED "fixture: an internal check": implementation check \(tier: internal — pretends to read our tables\)/,
  );
  const on = await runFixture({ ZAPA_CHECK_INTERNALS: "1" });
  assert.ok(on.success, on.text);
  assert.match(on.text, /ok \| 2 passed \| 0 failed/);
});
