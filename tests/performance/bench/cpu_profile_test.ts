/**
 * The profile summary: self time per area and function from a V8 `.cpuprofile`, idle apart.
 */
import assert from "node:assert/strict";
import { areaOf, type CpuProfile, summarizeDir, summarizeProfile } from "./cpu_profile.ts";

const frame = (functionName: string, url = "", lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

Deno.test("bench profile: frames are put in areas by their script", () => {
  assert.equal(areaOf(frame("(garbage collector)")), "garbage collector");
  assert.equal(areaOf(frame("(idle)")), "idle");
  assert.equal(
    areaOf(frame("f", "file:///work/main/zapa/pipeline/intake.ts")),
    "zapa/pipeline/intake.ts",
  );
  assert.equal(
    areaOf(
      frame(
        "write",
        "file:///root/.cache/deno/npm/registry.npmjs.org/postgres/3.4.7/src/connection.js",
      ),
    ),
    "npm:postgres",
  );
  assert.equal(
    areaOf(frame("x", "file:///c/npm/registry.npmjs.org/@hono/zod-openapi/1.0.0/dist/index.js")),
    "npm:@hono/zod-openapi",
  );
  assert.equal(areaOf(frame("op", "ext:deno_http/00_serve.ts")), "deno runtime");
});

Deno.test("bench profile: self time adds up per function and area, idle kept apart", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)") },
      { id: 2, callFrame: frame("(idle)") },
      { id: 3, callFrame: frame("handle", "file:///w/zapa/webhook.ts", 9) },
      { id: 4, callFrame: frame("(garbage collector)") },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [2, 3, 3, 4, 2],
    timeDeltas: [1000, 3000, 3000, 2000, 1000],
  };
  const s = summarizeProfile(profile);
  assert.equal(s.sampled_ms, 10);
  assert.equal(s.busy_ms, 8);
  assert.equal(s.idle_pct, 20);
  assert.deepEqual(s.areas, [
    { name: "zapa/webhook.ts", ms: 6, pct: 75 },
    { name: "garbage collector", ms: 2, pct: 25 },
  ]);
  assert.deepEqual(s.functions[0], { name: "handle zapa/webhook.ts:10", ms: 6, pct: 75 });
});

Deno.test("bench profile: a profile cut short is skipped and named, the others still summarized", async () => {
  // The suites may write under reports/ only.
  await Deno.mkdir("reports", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "reports", prefix: "cpuprofile-test-" });
  try {
    const whole: CpuProfile = {
      nodes: [{ id: 1, callFrame: frame("work", "file:///w/zapa/a.ts") }],
      startTime: 0,
      endTime: 1000,
      samples: [1],
      timeDeltas: [1000],
    };
    await Deno.writeTextFile(`${dir}/whole.cpuprofile`, JSON.stringify(whole));
    // A process killed while writing its profile leaves the file's beginning only.
    await Deno.writeTextFile(`${dir}/cut.cpuprofile`, JSON.stringify(whole).slice(0, 40));
    const skipped: string[] = [];
    const summaries = await summarizeDir(dir, 20, (file) => skipped.push(file));
    assert.equal(summaries.length, 1);
    assert.equal(summaries[0]!.busy_ms, 1);
    assert.deepEqual(skipped, ["cut.cpuprofile"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
