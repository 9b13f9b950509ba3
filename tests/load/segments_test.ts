/**
 * Load: one k6 script run as 1 runner and as 3 runner processes with complementary execution
 * segments against the same stack, as k6-operator would run it with `parallelism: 3`. The
 * split run must do the same work (iterations, Zapa API requests, messages, replies), no phone
 * or run id may be shared between runners (read back from the bridge journal), and the
 * thresholds decided on the merged raw samples must match the single runner's.
 */
import assert from "node:assert/strict";
import { target } from "../../lib/target.ts";

const SCRIPT = "load/user_journey.ts";
/** Fixed work (6 users × 2 messages), so the two runs can be compared message for message. */
const WORK = ["--profile", "smoke", "-e", "USERS=6", "-e", "ITERATIONS=2"];
const THIRDS = ["0:1/3", "1/3:2/3", "2/3:1"];
const SEQUENCE = "0,1/3,2/3,1";
/** Per process, so repeated runs (deno task flaky) never share files; removed when green. */
const OUT = `reports/load/segments-${Deno.pid}`;

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
if (!canRun) console.log("IGNORED load segments: needs --allow-run to start runner processes");

const dec = new TextDecoder();

/** `deno task <args>` as a child that dies with this test process. */
async function task(args: string[]): Promise<{ code: number; output: string }> {
  const res = await new Deno.Command("setpriv", {
    args: ["--pdeathsig", "SIGKILL", Deno.execPath(), "task", ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: res.code, output: `${dec.decode(res.stdout)}\n${dec.decode(res.stderr)}` };
}

function runner(runId: string, dir: string, segment?: string) {
  return task([
    "load",
    SCRIPT,
    ...WORK,
    "-e",
    `RUN_ID=${runId}`,
    "-e",
    `PUBLIC_URL=${target.urls.public}`,
    "-e",
    `BRIDGE_URL=${target.urls.bridge}`,
    ...(segment ? ["--execution-segment", segment, "--execution-segment-sequence", SEQUENCE] : []),
    "--out",
    `json=${dir}/metrics.json`,
  ]);
}

interface Point {
  metric: string;
  value: number;
  tags: Record<string, string>;
}

/** The raw samples (k6 JSON lines) of one or more runners. */
async function points(dirs: string[]): Promise<Point[]> {
  const out: Point[] = [];
  for (const dir of dirs) {
    for (const line of (await Deno.readTextFile(`${dir}/metrics.json`)).split("\n")) {
      if (!line) continue;
      const l = JSON.parse(line);
      if (l.type === "Point") {
        out.push({ metric: l.metric, value: l.data.value, tags: l.data.tags ?? {} });
      }
    }
  }
  return out;
}

/** The work done, counted straight from the raw samples. */
function totals(ps: Point[]) {
  const sum = (f: (p: Point) => boolean) => ps.filter(f).reduce((n, p) => n + p.value, 0);
  return {
    iterations: sum((p) => p.metric === "iterations"),
    apiRequests: sum((p) => p.metric === "http_reqs" && p.tags.kind === "api"),
    inbound: sum((p) => p.metric === "http_reqs" && p.tags.name === "mock_inbound"),
    replies: sum((p) => p.metric === "replies_received"),
    // Checks evaluated (passed or not): fixed by the work, whatever the answers were.
    checks: ps.filter((p) => p.metric === "checks").length,
  };
}

/**
 * A threshold judged directly on pooled samples (test oracle, independent of the runner's
 * registry): `metric{tag:value}` and the aggregations the scripts use.
 */
function judge(ps: Point[], key: string, source: string): boolean {
  const [, name, filter] = /^([\w]+)(?:\{(.*)\})?$/.exec(key) ?? [];
  const tags = (filter ?? "").split(",").filter(Boolean).map((kv) => kv.split(":"));
  const values = ps.filter((p) => p.metric === name && tags.every(([k, v]) => p.tags[k!] === v))
    .map((p) => p.value).sort((a, b) => a - b);
  const [, agg, op, limit] = /^(p\(\d+\)|avg|rate|count)([<>])(.+)$/.exec(source) ?? [];
  let observed: number;
  if (agg === "avg") observed = values.reduce((a, b) => a + b, 0) / values.length;
  else if (agg === "count") observed = values.reduce((a, b) => a + b, 0);
  else if (agg === "rate") observed = values.filter((v) => v !== 0).length / values.length;
  else {
    const i = (Number(/\d+/.exec(agg ?? "")?.[0]) / 100) * (values.length - 1);
    const lo = Math.floor(i);
    observed = values[lo]! +
      ((values[Math.min(lo + 1, values.length - 1)]! - values[lo]!) * (i - lo));
  }
  return op === "<" ? observed < Number(limit) : observed > Number(limit);
}

/** `{metric: {source: crossed}}` from a `--summary-export` file. */
async function verdicts(path: string): Promise<Record<string, Record<string, boolean>>> {
  const metrics = JSON.parse(await Deno.readTextFile(path)).metrics as Record<
    string,
    { thresholds?: Record<string, boolean> }
  >;
  return Object.fromEntries(
    Object.entries(metrics).filter(([, m]) => m.thresholds).map(([k, m]) => [k, m.thresholds!]),
  );
}

/**
 * Thresholds whose verdict the work alone fixes: the same work must give the same verdict.
 * (Latency, error and check rates depend on how busy the box was during each run.)
 */
const LOAD_INDEPENDENT = ["bridge_journal_wrapped"];

async function bridgeJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${target.urls.bridge_control}/__mock/${path}`);
  assert.equal(res.status, 200, `GET /__mock/${path}`);
  return await res.json();
}

/** A phone's digits, from `+1555…` or a JID `1555…@s.whatsapp.net`. */
function digits(phone: string): string {
  return (phone.split("@")[0] ?? "").replace(/\D/g, "");
}

const MESSAGE = /^load (\S+)@(\S+) vu (\d+) message (\d+):/;

Deno.test({
  name: "load: user_journey as 3 runners with complementary segments does 1 runner's work, " +
    "with no shared phone or run id and the same merged verdict",
  ignore: !canRun,
  fn: async () => {
    const started = performance.now();
    await Deno.remove(OUT, { recursive: true }).catch(() => {});
    const state = await bridgeJson("state") as { seqs: { inbound: number; sent: number } };
    // Numeric run ids map to their last four digits: two different tests, two digit sets.
    const base = 1000 + Math.floor(Math.random() * 8000);
    const single = String(base);
    const split = String(base + 1);

    const one = await runner(single, `${OUT}/one`);
    const parts = await Promise.all(
      THIRDS.map((segment, i) => runner(split, `${OUT}/run-${i + 1}`, segment)),
    );
    const dirs = THIRDS.map((_, i) => `${OUT}/run-${i + 1}`);
    const merged = await task([
      "load:merge",
      ...dirs.map((d) => `${d}/`),
      "--out",
      `${OUT}/merged`,
    ]);
    console.log(
      `1 runner + 3 runners + merge: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // Every runner ran to the end (0, or 99 when a latency threshold was crossed on a busy box).
    for (const r of [one, ...parts]) assert.ok([0, 99].includes(r.code), r.output);

    // Same work: per-VU iterations split exactly (VUs 2/2/2, ids striped over the runners).
    const pooled = await points(dirs);
    const a = totals(await points([`${OUT}/one`]));
    const b = totals(pooled);
    assert.deepEqual(b, a, `split ${JSON.stringify(b)} vs single ${JSON.stringify(a)}`);
    assert.equal(a.iterations, 12);

    // Same verdict: the merge decides every threshold as the pooled samples do, the exit code
    // follows it, and thresholds the work alone decides agree with the single runner's.
    const mergedVerdicts = await verdicts(`${OUT}/merged/user_journey.json`);
    const singleVerdicts = await verdicts(`${OUT}/one/user_journey.json`);
    assert.deepEqual(Object.keys(mergedVerdicts).sort(), Object.keys(singleVerdicts).sort());
    let crossed = false;
    for (const [key, sources] of Object.entries(mergedVerdicts)) {
      for (const [source, failed] of Object.entries(sources)) {
        assert.equal(failed, !judge(pooled, key, source), `merged ${key} ${source}`);
        crossed ||= failed;
        if (LOAD_INDEPENDENT.includes(key)) {
          assert.equal(failed, singleVerdicts[key]?.[source], `${key} ${source}: split vs single`);
        }
      }
    }
    assert.equal(merged.code, crossed ? 99 : 0, merged.output);

    // No collisions, read back from the bridge's inbound journal.
    const inbound = await bridgeJson(`inbound?since=${state.seqs.inbound}`) as {
      items: { from: string; text: string | null }[];
    };
    const runnersOf = new Map<string, Set<string>>();
    const vus = new Map<string, Set<number>>();
    const iterations = new Map<string, number[]>();
    for (const item of inbound.items) {
      const m = MESSAGE.exec(item.text ?? "");
      if (!m || (m[1] !== single && m[1] !== split)) continue;
      const runnerId = `${m[1]}@${m[2]}`;
      const phone = digits(item.from);
      runnersOf.set(phone, (runnersOf.get(phone) ?? new Set()).add(runnerId));
      vus.set(m[1], (vus.get(m[1]) ?? new Set()).add(Number(m[3])));
      iterations.set(m[1], [...(iterations.get(m[1]) ?? []), Number(m[4])]);
    }
    const shared = [...runnersOf].filter(([, ids]) => ids.size > 1);
    assert.deepEqual(shared, [], "a phone used by more than one runner");
    const runnerIds = new Set([...runnersOf.values()].flatMap((ids) => [...ids]));
    assert.deepEqual(
      [...runnerIds].sort(),
      [`${single}@0:1`, ...THIRDS.map((s) => `${split}@${s}`)].sort(),
      "one run id per runner, none shared",
    );
    assert.equal(runnersOf.size, 12, "6 phones per test, none shared between the two tests");
    // exec.vu.idInTest and exec.scenario.iterationInTest cover the same ids, each once.
    assert.deepEqual([...(vus.get(split) ?? [])].sort(), [...(vus.get(single) ?? [])].sort());
    const splitIters = (iterations.get(split) ?? []).sort((x, y) => x - y);
    assert.deepEqual(splitIters, Array.from({ length: 12 }, (_, i) => i));
    assert.deepEqual((iterations.get(single) ?? []).sort((x, y) => x - y), splitIters);

    // Every reply went back to the runner that asked: its text names that runner's run id.
    const sent = await bridgeJson(`sent?since=${state.seqs.sent}`) as {
      items: { to: string; text: string | null }[];
    };
    let replies = 0;
    for (const item of sent.items) {
      const m = /load (\S+@\S+) vu/.exec(item.text ?? "");
      const phone = digits(item.to);
      if (!m || !runnersOf.has(phone)) continue;
      replies++;
      assert.ok(runnersOf.get(phone)?.has(m[1] as string), `reply to ${phone} names ${m[1]}`);
    }
    assert.equal(replies, 24);
    await Deno.remove(OUT, { recursive: true });
  },
});
