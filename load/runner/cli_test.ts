import assert from "node:assert/strict";
import { outputPaths, parseArgs, resolveEnv } from "./cli.ts";

Deno.test("load cli: arguments parse as deno task load documents them", () => {
  const a = parseArgs([
    "load/x.ts",
    "--profile",
    "full",
    "--out=reports/y",
    "-e",
    "A=1",
    "-e",
    "B=x=y",
    "--engine",
    "deno",
  ]);
  assert.deepEqual(a, {
    script: "load/x.ts",
    profile: "full",
    outDir: "reports/y",
    env: { A: "1", B: "x=y" },
    engine: "deno",
  });
  assert.throws(() => parseArgs([]), /a script is required/);
  assert.throws(() => parseArgs(["a.ts", "-e", "NOEQUALS"]), /KEY=VALUE/);
  assert.throws(() => parseArgs(["a.ts", "--bogus"]), /unknown option/);
  assert.throws(() => parseArgs(["a.ts", "--engine", "jmeter"]), /auto, k6 or deno/);
});

Deno.test("load cli: k6's segment flags and --out json=<file> parse as k6 spells them", () => {
  const a = parseArgs([
    "load/x.ts",
    "--execution-segment",
    "1/3:2/3",
    "--execution-segment-sequence=0,1/3,2/3,1",
    "--out",
    "json=reports/load/run-2/metrics.json",
  ]);
  assert.equal(a.segment, "1/3:2/3");
  assert.equal(a.segmentSequence, "0,1/3,2/3,1");
  assert.equal(a.jsonOut, "reports/load/run-2/metrics.json");
  // One folder per runner: the reports go beside the raw samples unless --out <dir> says else.
  assert.equal(a.outDir, "reports/load/run-2");
  const b = parseArgs(["load/x.ts", "-o", "json=m.json", "--out", "reports/z"]);
  assert.deepEqual([b.jsonOut, b.outDir], ["m.json", "reports/z"]);
  assert.throws(() => parseArgs(["a.ts", "--out", "influxdb=http://x"]), /not supported/);
  assert.throws(() => parseArgs(["a.ts", "--out", "json="]), /needs a file name/);
});

Deno.test("load cli: output files are named after the script", () => {
  assert.deepEqual(outputPaths("load/user_journey.ts", "reports/load/"), {
    json: "reports/load/user_journey.json",
    html: "reports/load/user_journey.html",
    txt: "reports/load/user_journey.txt",
  });
});

Deno.test("load cli: __ENV layers the stack file, process env, --profile and -e", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zapa-load-cli-" });
  try {
    const stack = `${dir}/stack.json`;
    await Deno.writeTextFile(
      stack,
      JSON.stringify({
        urls: {
          public: "http://127.0.0.1:1",
          private: "http://127.0.0.1:2",
          bridge: "http://127.0.0.1:3",
          llm: "http://127.0.0.1:4",
        },
        system_number: "+1999",
      }),
    );
    const env = await resolveEnv(
      parseArgs(["x.ts", "--profile", "ci", "-e", "BRIDGE_URL=http://override"]),
      {
        ZAPA_STACK_FILE: stack,
        PRIVATE_URL: "http://from-process",
      },
    );
    assert.equal(env.PUBLIC_URL, "http://127.0.0.1:1");
    assert.equal(env.PRIVATE_URL, "http://from-process");
    assert.equal(env.BRIDGE_URL, "http://override");
    assert.equal(env.LLM_URL, "http://127.0.0.1:4");
    assert.equal(env.SYSTEM_NUMBER, "+1999");
    assert.equal(env.PROFILE, "ci");

    const external = await resolveEnv(parseArgs(["x.ts"]), {
      ZAPA_STACK: "external",
      ZAPA_STACK_FILE: stack,
      ZAPA_PUBLIC_URL: "http://ext-public",
      ZAPA_BRIDGE_URL: "http://ext-bridge",
    });
    assert.equal(external.PUBLIC_URL, "http://ext-public");
    assert.equal(external.BRIDGE_URL, "http://ext-bridge");
    assert.equal(external.LLM_URL, undefined, "the stack file is ignored for an external target");

    const none = await resolveEnv(parseArgs(["x.ts"]), { ZAPA_STACK_FILE: `${dir}/missing.json` });
    assert.equal(none.PUBLIC_URL, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
