/**
 * The runner end to end, as `deno task load` runs it: a child `deno run` with the runner's
 * import map against local targets, judged by exit code, stdout and the files written.
 */
import assert from "node:assert/strict";
import { startTarget } from "./runner/testdata/target.ts";
import { type FakeZapa, startFakeZapa } from "./runner/testdata/fake_zapa.ts";
import { ENV_NAMES } from "./runner/cli.ts";
import { runnerArgs } from "./runner/testdata/runner_args.ts";

let target: Deno.HttpServer<Deno.NetAddr>;
let fake: FakeZapa;
let base = "";
let out = "";

Deno.test.beforeAll(async () => {
  target = startTarget();
  base = `http://127.0.0.1:${target.addr.port}`;
  fake = startFakeZapa({ replyDelayMs: 30 });
  out = await Deno.makeTempDir({ prefix: "zapa-load-" });
});

Deno.test.afterAll(async () => {
  await target?.shutdown();
  await fake?.shutdown();
  if (out) await Deno.remove(out, { recursive: true }).catch(() => {});
});

/** Runs `load/run.ts` in a child process that dies with this one (setpriv --pdeathsig). */
async function runner(
  args: string[],
  opts: { engine?: string; path?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGKILL",
      Deno.execPath(),
      ...runnerArgs(out, args, opts.engine),
    ],
    env: {
      NO_COLOR: "1",
      ZAPA_STACK_FILE: ".zapa/no-such-stack-for-load-tests.json",
      ...(opts.path ? { PATH: opts.path } : {}),
    },
    stdout: "piped",
    stderr: "piped",
  });
  const res = await child.output();
  const dec = new TextDecoder();
  return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
}

Deno.test("load runner: a passing run exits 0 and writes the summary, JSON and HTML", async () => {
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    "DURATION=1s",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /scenarios: \(100\.00%\) 1 scenario, 3 max VUs/);
  assert.match(r.stdout, /✓ 'p\(95\)<5000'/);
  assert.match(r.stdout, /✓ status is 200/);
  assert.match(
    r.stdout,
    /running \(00m01\.\ds\), 00\/03 VUs, \d+ complete and 0 interrupted iterations/,
  );
  const json = JSON.parse(await Deno.readTextFile(`${out}/basic.json`));
  // One request per iteration: how many fit in the second depends on the box, that they agree
  // does not (a starved run made a fixed "> 10" flaky).
  const requests = json.metrics.http_reqs.count;
  assert.ok(requests > 0, `expected requests, saw ${requests}`);
  assert.equal(requests, json.metrics.iterations.count);
  assert.equal(json.metrics.custom_hits.count, requests);
  assert.deepEqual(json.metrics.http_req_failed.thresholds, { "rate<0.01": false });
  assert.equal(json.root_group.groups.checks.checks["body echoes the VU"].fails, 0);
  const html = await Deno.readTextFile(`${out}/basic.html`);
  assert.match(html, /PASSED/);
  assert.match(html, /custom_wait: percentiles over time/);
  assert.ok((await Deno.readTextFile(`${out}/basic.txt`)).includes("█ TOTAL RESULTS"));
});

Deno.test("load runner: an impossible threshold exits 99", async () => {
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    "DURATION=500ms",
    "-e",
    "IMPOSSIBLE=1",
  ]);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /✗ 'p\(95\)<0\.0001'/);
  assert.match(
    r.stderr,
    /thresholds on metrics 'http_req_duration\{kind:steady\}' have been crossed/,
  );
  const json = JSON.parse(await Deno.readTextFile(`${out}/basic.json`));
  assert.deepEqual(json.metrics["http_req_duration{kind:steady}"].thresholds, {
    "p(95)<0.0001": true,
  });
  assert.match(await Deno.readTextFile(`${out}/basic.html`), /FAILED \(exit 99\)/);
});

Deno.test("load runner: an abortOnFail threshold stops the run early with 99", async () => {
  const started = performance.now();
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    "DURATION=20s",
    "-e",
    "ABORT=1",
  ]);
  assert.equal(r.code, 99, r.stderr);
  assert.ok(performance.now() - started < 10_000, "stopped long before the 20 s duration");
  assert.match(r.stderr, /test aborted: thresholds on metrics 'custom_wait' were crossed/);
});

Deno.test("load runner: handleSummary() output replaces the default summary", async () => {
  const r = await runner([
    "load/runner/testdata/summary_hook.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    `OUT=${out}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /custom summary: 3 iterations/);
  assert.doesNotMatch(r.stdout, /TOTAL RESULTS/);
  const custom = JSON.parse(await Deno.readTextFile(`${out}/custom.json`));
  assert.equal(custom.metrics.http_reqs.values.count, 3);
  assert.equal(custom.root_group.path, "");
});

Deno.test("load runner: a threshold on an unknown metric exits 104 before running", async () => {
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    "BAD_THRESHOLD=1",
  ]);
  assert.equal(r.code, 104);
  assert.match(r.stderr, /no metric name "no_such_metric" found/);
});

Deno.test("load runner: arrival-rate runs report dropped iterations", async () => {
  const r = await runner([
    "load/runner/testdata/basic.ts",
    "-e",
    `TARGET=${base}`,
    "-e",
    "MODE=arrival",
    "-e",
    "RATE=40",
    "-e",
    "DURATION=1s",
    "-e",
    "PRE=1",
    "-e",
    "MAX=1",
    "-e",
    "PAUSE_MS=200",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(await Deno.readTextFile(`${out}/basic.json`));
  assert.ok(
    json.metrics.dropped_iterations.count >= 25,
    JSON.stringify(json.metrics.dropped_iterations),
  );
  assert.ok(json.metrics.iterations.count <= 10);
});

for (const script of ["user_journey", "inbound_throughput", "soak"]) {
  Deno.test(`load runner: ${script}.ts (smoke profile) passes against a fake Zapa`, async () => {
    const before = fake.replies();
    const r = await runner([
      `load/${script}.ts`,
      "--profile",
      "smoke",
      "-e",
      `PUBLIC_URL=${fake.url}`,
      "-e",
      `BRIDGE_URL=${fake.url}`,
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(fake.replies() > before);
    const json = JSON.parse(await Deno.readTextFile(`${out}/${script}.json`));
    assert.ok(json.metrics.reply_round_trip["p(95)"] > 0);
    assert.equal(json.metrics.checks.fails, 0);
  });
}

Deno.test("load runner: scripts without target URLs fail with an explanation", async () => {
  const r = await runner(["load/user_journey.ts", "--profile", "smoke"]);
  // setup() needs the targets already, so it fails there: k6's exit code for a setup error.
  assert.equal(r.code, 107, r.stderr);
  assert.match(r.stderr, /PUBLIC_URL and BRIDGE_URL are required/);
});

Deno.test("load runner: with a k6 binary on PATH the run is handed to k6 run", async () => {
  const bin = await Deno.makeTempDir({ prefix: "zapa-fake-k6-" });
  try {
    // A stand-in k6: reports an old version (so TypeScript needs the enhanced mode),
    // records its arguments and fails thresholds the way k6 does.
    await Deno.writeTextFile(
      `${bin}/k6`,
      `#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v0.52.0 (go1.22, linux/amd64)"; exit 0; fi\n` +
        `echo "$@" > "${bin}/args"; echo "K6_WEB_DASHBOARD_EXPORT=$K6_WEB_DASHBOARD_EXPORT" >> "${bin}/args"; exit 99\n`,
    );
    await Deno.chmod(`${bin}/k6`, 0o755);
    const r = await runner(
      ["load/user_journey.ts", "--profile", "ci", "-e", "PUBLIC_URL=http://x"],
      {
        engine: "auto",
        path: `${bin}:/usr/bin:/bin`,
      },
    );
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /using v0\.52\.0 from PATH/);
    const args = await Deno.readTextFile(`${bin}/args`);
    assert.match(
      args,
      new RegExp(
        `^run --summary-export ${out}/user_journey.json --compatibility-mode=experimental_enhanced`,
      ),
    );
    assert.match(args, /-e PROFILE=ci -e PUBLIC_URL=http:\/\/x load\/user_journey\.ts/);
    assert.match(args, new RegExp(`K6_WEB_DASHBOARD_EXPORT=${out}/user_journey.html`));
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("load runner: deno task load grants the env names the runner reads", async () => {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const task: string = config.tasks.load;
  const granted = /--allow-env=(\S+)/.exec(task)?.[1]?.split(",") ?? [];
  for (const name of ENV_NAMES) {
    assert.ok(granted.includes(name), `${name} missing from deno task load`);
  }
  assert.match(task, /--import-map=load\/runner\/import_map\.json/);
});
