/**
 * Split runs and `deno task load:merge` end to end against local targets (no stack): runners
 * with complementary segments do exactly one runner's work, their raw samples merge into one
 * verdict (exit 99 on a crossed threshold), and a split run refuses what would make runners
 * collide or lose records.
 */
import assert from "node:assert/strict";
import { startTarget } from "./runner/testdata/target.ts";
import { type FakeZapa, startFakeZapa } from "./runner/testdata/fake_zapa.ts";
import { runnerArgs } from "./runner/testdata/runner_args.ts";

let target: Deno.HttpServer<Deno.NetAddr>;
let small: FakeZapa;
let flooded: FakeZapa;
let fake: FakeZapa;
let base = "";
let out = "";

Deno.test.beforeAll(async () => {
  target = startTarget();
  base = `http://127.0.0.1:${target.addr.port}`;
  small = startFakeZapa({ replyDelayMs: 10, journalLimit: 20 });
  fake = startFakeZapa({ replyDelayMs: 10 });
  flooded = startFakeZapa({ replyDelayMs: 10, journalLimit: 1000, webhookEntriesPerInbound: 500 });
  out = await Deno.makeTempDir({ prefix: "zapa-merge-" });
});

Deno.test.afterAll(async () => {
  await target?.shutdown();
  await small?.shutdown();
  await flooded?.shutdown();
  await fake?.shutdown();
  if (out) await Deno.remove(out, { recursive: true }).catch(() => {});
});

const dec = new TextDecoder();

async function deno(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const res = await new Deno.Command("setpriv", {
    args: ["--pdeathsig", "SIGKILL", Deno.execPath(), ...args],
    env: { NO_COLOR: "1", ZAPA_STACK_FILE: ".zapa/no-such-stack-for-load-tests.json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
}

/** `deno task load` for one runner; its reports go beside its `--out json=` file. */
function runner(args: string[]) {
  const argv = runnerArgs(out, args);
  const i = argv.indexOf("--out");
  return deno([...argv.slice(0, i), ...argv.slice(i + 2)]);
}

function merge(args: string[]) {
  return deno([
    "run",
    "--no-config",
    "--import-map=load/runner/import_map.json",
    `--allow-read=load,${out}`,
    `--allow-write=${out}`,
    "--allow-env",
    "load/merge.ts",
    ...args,
  ]);
}

const THIRDS = ["0:1/3", "1/3:2/3", "2/3:1"];
const SEQUENCE = "0,1/3,2/3,1";

async function summary(path: string) {
  return JSON.parse(await Deno.readTextFile(path)).metrics;
}

Deno.test("load merge: three runners with complementary segments do one runner's arrivals, merged into one verdict", async () => {
  const common = ["load/runner/testdata/basic.ts", "-e", `TARGET=${base}`, "-e", "MODE=arrival"];
  const opts = ["-e", "RATE=30", "-e", "DURATION=1s", "-e", "PRE=3", "-e", "MAX=6"];
  const whole = await runner([...common, ...opts, "--out", `json=${out}/one/metrics.json`]);
  assert.equal(whole.code, 0, whole.stderr);
  const parts = await Promise.all(THIRDS.map((seg, i) =>
    runner([
      ...common,
      ...opts,
      "--execution-segment",
      seg,
      "--execution-segment-sequence",
      SEQUENCE,
      "--out",
      `json=${out}/run-${i}/metrics.json`,
    ])
  ));
  for (const p of parts) assert.equal(p.code, 0, p.stderr);
  assert.match(parts[2]?.stdout ?? "", /scenarios: \(33\.33%\).*2 max VUs/);

  const merged = await merge([
    `${out}/run-0/`,
    `${out}/run-1`,
    `${out}/run-2`,
    "--out",
    `${out}/m`,
  ]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /merged 3 runners/);
  const one = await summary(`${out}/one/basic.json`);
  const all = await summary(`${out}/m/basic.json`);
  // 30 arrivals in 1 s: the same 30 slots, split 10/10/10, none twice.
  assert.equal(one.iterations.count + (one.dropped_iterations?.count ?? 0), 30);
  assert.equal(all.iterations.count + (all.dropped_iterations?.count ?? 0), 30);
  assert.equal(all.http_reqs.count, all.iterations.count);
  // vus_max is the VUs a runner initialised: its preallocated one plus any it needed on the way
  // up to its share of maxVUs (2 of 6). How many it needed depends on the box's timing (seen
  // 4 in CI), so the merge is checked for summing the runners' own values, within 3 … 6.
  const runnerMax = await Promise.all(
    [0, 1, 2].map(async (i) => (await summary(`${out}/run-${i}/basic.json`)).vus_max.value),
  );
  assert.equal(
    all.vus_max.value,
    runnerMax.reduce((a: number, b: number) => a + b, 0),
    `merged vus_max is the runners' sum (${runnerMax.join(" + ")})`,
  );
  assert.ok(all.vus_max.value >= 3 && all.vus_max.value <= 6, `vus_max ${all.vus_max.value}`);
  assert.deepEqual(all.http_req_failed.thresholds, one.http_req_failed.thresholds);
  assert.ok(await Deno.stat(`${out}/m/basic.html`));
});

Deno.test("load merge: a threshold crossed on the merged data exits 99", async () => {
  const args = ["load/runner/testdata/basic.ts", "-e", `TARGET=${base}`, "-e", "DURATION=500ms"];
  const parts = await Promise.all(["0:1/2", "1/2:1"].map((seg, i) =>
    runner([
      ...args,
      "-e",
      "IMPOSSIBLE=1",
      "--execution-segment",
      seg,
      "--out",
      `json=${out}/bad-${i}/metrics.json`,
    ])
  ));
  for (const p of parts) assert.equal(p.code, 99, p.stderr);
  const merged = await merge([`${out}/bad-0`, `${out}/bad-1`, "--out", `${out}/bad`]);
  assert.equal(merged.code, 99, merged.stderr);
  assert.match(merged.stderr, /thresholds on metrics 'http_req_duration\{kind:steady\}'/);
});

Deno.test("load merge: merging folders without runner output is refused with 104", async () => {
  await Deno.mkdir(`${out}/empty`, { recursive: true });
  const r = await merge([`${out}/empty`]);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /no k6 JSON output/);
});

Deno.test("load merge: a split run without RUN_ID still runs, and warns that it should have one", async () => {
  const r = await runner([
    "load/user_journey.ts",
    "--profile",
    "smoke",
    "-e",
    "ITERATIONS=1",
    "-e",
    `PUBLIC_URL=${fake.url}`,
    "-e",
    `BRIDGE_URL=${fake.url}`,
    "--execution-segment",
    "0:1/3",
    "--out",
    `json=${out}/no-run-id/metrics.json`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /segment 0:1\/3 without -e RUN_ID: this runner drew r\d{4}/);
  assert.match(r.stdout, /segment: 0:1\/3/);
});

Deno.test("load merge: a bridge journal smaller than the run fails setup() naming MOCK_JOURNAL_LIMIT", async () => {
  const r = await runner([
    "load/inbound_throughput.ts",
    "--profile",
    "smoke",
    "-e",
    `PUBLIC_URL=${small.url}`,
    "-e",
    `BRIDGE_URL=${small.url}`,
  ]);
  assert.equal(r.code, 107, r.stderr);
  assert.match(r.stderr, /keeps 20 entries per journal.*MOCK_JOURNAL_LIMIT=120/);
});

Deno.test("load merge: a segment that gets no VU at all is refused with 104", async () => {
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "--execution-segment",
    "3/4:1",
    "--execution-segment-sequence",
    "0,1/4,2/4,3/4,1",
  ]);
  assert.equal(r.code, 104, r.stderr);
  assert.match(r.stderr, /gets 0 VUs of every scenario: each runner needs at least 1 VU/);
});

Deno.test("load merge: a bridge journal that wrapped during the run fails it loudly with 99", async () => {
  const r = await runner([
    "load/soak.ts",
    "--profile",
    "smoke",
    "-e",
    `PUBLIC_URL=${flooded.url}`,
    "-e",
    `BRIDGE_URL=${flooded.url}`,
    "--out",
    `json=${out}/wrapped/metrics.json`,
  ]);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stderr, /bridge journal wrapped during the run \(webhooks\)/);
  assert.match(r.stderr, /thresholds on metrics 'bridge_journal_wrapped'/);
  // The merged verdict of a split test sees it too.
  const merged = await merge([`${out}/wrapped`, "--out", `${out}/wrapped-merged`]);
  assert.equal(merged.code, 99, merged.stderr);
});
