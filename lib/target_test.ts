import assert from "node:assert/strict";

async function runFixture(env: Record<string, string>) {
  const output = await new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGKILL",
      Deno.execPath(),
      "test",
      "--allow-env",
      "--allow-read",
      "lib/stack/testdata/suite_fixture.ts",
    ],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

// rules: R-HARNESS-3
Deno.test("target: a test needing what the target lacks is IGNORED with the reason printed", async () => {
  const { success, text } = await runFixture({
    ZAPA_STACK: "external",
    ZAPA_PUBLIC_URL: "http://127.0.0.1:9",
    ZAPA_PRIVATE_URL: "http://127.0.0.1:9",
    ZAPA_BRIDGE_URL: "http://127.0.0.1:9",
    ZAPA_LLM_URL: "http://127.0.0.1:9",
  });
  assert.ok(success, text);
  assert.match(text, /ok \| 1 passed \| 0 failed \| 2 ignored/);
  assert.match(
    text,
    /IGNORED "fixture: needs the database": the external target lacks direct database access/,
  );
  assert.match(
    text,
    /IGNORED "fixture: needs service control": the external target lacks service control/,
  );
});

Deno.test("target: without any stack the suite fails loudly, naming the way to get one", async () => {
  const { success, text } = await runFixture({ ZAPA_STACK_FILE: "/nonexistent/stack.json" });
  assert.ok(!success);
  assert.match(text, /no Zapa stack found: \/nonexistent\/stack\.json does not exist/);
});
