/**
 * The test command (`deno task test`, `./run test`): boots a stack on free ports, runs each
 * suite group as its own `deno test` with the narrowest permissions, the failure group on a
 * fresh stack of its own, publishes each group's results in `reports/groups/<group>/` (and its
 * JUnit XML as `reports/junit-<group>.xml`), rebuilds `reports/index.html` from every group's
 * latest results (a partial run keeps the others), adds the run to `reports/history/`, tears
 * every stack down and prints `N passed, N failed` as its last line (non-zero exit on any
 * failure).
 *
 *   deno task test                      every group
 *   deno task test --filter security    only matching tests, in every group
 *   deno task test:security             one group (`--group=security`, repeatable)
 */

import {
  failedGroup,
  filterArg,
  findLoadScripts,
  matchesFilter,
  mergeShards,
  runDenoGroup,
  runLoadGroup,
  skippedGroup,
  stopChildren,
  typeCheck,
} from "./group_runner.ts";
import {
  controlAnswers,
  FAILURE_REPLICAS,
  failureSpecs,
  launch,
  readSettings,
  readStackFile,
  type RunningStack,
  watchParent,
} from "../stack/mod.ts";
import { renderTable, targetReportArg, writeRunMap } from "./conformance_map.ts";
import type { Echo, GroupResult } from "./group_runner.ts";
import {
  groupDir,
  type GroupRecord,
  pruneStaging,
  publishGroup,
  rebuildReport,
  recordRun,
  runId as reportRunId,
  stagingDir,
} from "./report/mod.ts";
import { isLiveTestFile, liveHosts, livePlan, liveProviders, liveSpecs } from "./live.ts";
import {
  externalHosts,
  findTestFiles,
  groupByName,
  GROUPS,
  type GroupSpec,
  isTestFile,
  laneOf,
  permissionFlags,
  type PermissionSet,
  shardFiles,
  startOrder,
  TIMED_LANE,
} from "./test_groups.ts";

interface Plan {
  group: GroupSpec;
  files: string[];
}

export function parseArgs(
  args: readonly string[],
): { groups: GroupSpec[]; passthrough: string[]; serial: boolean } {
  const names: string[] = [];
  const passthrough: string[] = [];
  let serial = false;
  for (const arg of args) {
    if (arg.startsWith("--group=")) names.push(...arg.slice(8).split(","));
    else if (arg === "--serial") serial = true;
    else passthrough.push(arg);
  }
  const groups = names.length === 0 ? [...GROUPS] : names.map((name) => {
    const group = groupByName(name);
    if (!group) {
      throw new Error(`unknown group ${name}; groups: ${GROUPS.map((g) => g.name).join(", ")}`);
    }
    return group;
  });
  return { groups, passthrough, serial };
}

async function plan(group: GroupSpec): Promise<Plan> {
  if (group.kind === "load") {
    // The scripts' CI runs, then the load group's own tests (tests/load/) on the same stack.
    return { group, files: [...await findLoadScripts(), ...await findTestFiles("tests/load")] };
  }
  const files = (await Promise.all(group.dirs.map(findTestFiles))).flat();
  // live_*_test.ts files run in the live group only (lib/runner/live.ts).
  return { group, files: startOrder(files.filter((f) => !isLiveTestFile(f)), group.slowFirst) };
}

/**
 * Removes the log folders of earlier runs, keeping those of runs still going (several test
 * commands may share a checkout): a folder `<label>-<pid>` is live while the stack file
 * `.zapa/stacks/test-<pid>-<label>.json` (a sharded group: `…-<label>-<n>.json`, one per shard)
 * answers, and those a group's latest results point to (a partial run must not take the logs
 * of the last full one).
 */
async function pruneRunLogs(reportsDir: string, keep: ReadonlySet<string>): Promise<void> {
  for await (const entry of Deno.readDir(`${reportsDir}/logs`)) {
    if (keep.has(entry.name)) continue;
    const match = /^(.+)-(\d+)$/.exec(entry.name);
    if (match && await stackAnswers(`test-${match[2]}-${match[1]}`)) continue;
    await Deno.remove(`${reportsDir}/logs/${entry.name}`, { recursive: true }).catch(() => {});
  }
}

/** Whether a stack file `.zapa/stacks/<name>.json` or `<name>-<n>.json` belongs to a live stack. */
async function stackAnswers(name: string): Promise<boolean> {
  const files = await Array.fromAsync(Deno.readDir(".zapa/stacks")).catch(() => []);
  for (const file of files) {
    if (file.name !== `${name}.json` && !new RegExp(`^${name}-\\d+\\.json$`).test(file.name)) {
      continue;
    }
    try {
      const info = await readStackFile(`.zapa/stacks/${file.name}`);
      if (await controlAnswers(info.control.url)) return true;
    } catch {
      // a stack file of a run that is over
    }
  }
  return false;
}

/** Log folders that a group's latest results point to. */
async function referencedLogs(reportsDir: string): Promise<Set<string>> {
  const keep = new Set<string>();
  try {
    for await (const entry of Deno.readDir(`${reportsDir}/groups`)) {
      try {
        const record = JSON.parse(
          await Deno.readTextFile(`${reportsDir}/groups/${entry.name}/results.json`),
        ) as GroupRecord;
        if (record.logs) keep.add(record.logs);
      } catch {
        // not a published group
      }
    }
  } catch {
    // no groups yet
  }
  return keep;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the prerequisite records of runs that ended long ago (each run writes its own folder
 * and a run still going elsewhere must keep its own); folders under a day old stay.
 */
async function pruneOldRuns(dir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      const stat = await Deno.stat(path).catch(() => null);
      if (stat && Date.now() - (stat.mtime?.getTime() ?? 0) > 24 * 3600_000) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function line(text = ""): void {
  console.log(text);
}

export async function main(args: string[]): Promise<number> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const settings = readSettings();
  const reportsDir = settings.reports_dir;
  const targetReport = targetReportArg(args);
  if (targetReport.mode === "last") {
    const path = `${reportsDir}/conformance-map.json`;
    try {
      line(renderTable(JSON.parse(await Deno.readTextFile(path))));
      return 0;
    } catch (error) {
      console.error(`no conformance map of a last run (${path}): ${(error as Error).message}`);
      return 1;
    }
  }
  const parsed = parseArgs(targetReport.rest);
  const { groups, passthrough } = parsed;
  // Test processes record a failed prerequisite once per run under this id (lib/prerequisites.ts);
  // they inherit it from our environment.
  const runId = `${Deno.pid}-${Date.now()}`;
  Deno.env.set("ZAPA_RUN_ID", runId);
  await pruneOldRuns(`${reportsDir}/prerequisites`);
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const suitePermissions: PermissionSet = config.test?.permissions ?? {};
  const unitPermissions: PermissionSet = config.permissions?.unit ?? {};
  const filter = filterArg(passthrough);
  await Deno.mkdir(`${reportsDir}/logs`, { recursive: true });
  // A stale map must not be shown as this run's; other groups' files stay (see the report).
  await Deno.remove(`${reportsDir}/conformance-map.json`).catch(() => {});
  await pruneRunLogs(reportsDir, await referencedLogs(reportsDir));
  await pruneStaging(reportsDir);
  const run = { run_id: reportRunId(startedAt), started_at: startedAt, target: settings.target };
  let reportMs = 0;

  const results: GroupResult[] = [];
  const records: GroupRecord[] = [];
  /** Groups ending together publish one after another (they rebuild the same landing page). */
  let publishing: Promise<void> = Promise.resolve();
  function publish(
    result: GroupResult,
    options: { staging: string; started: string; logsDir?: string },
  ): Promise<void> {
    publishing = publishing.then(() => publishNow(result, options));
    return publishing;
  }

  /** Publishes a group's results and rebuilds the landing page (timed: the report's cost). */
  async function publishNow(
    result: GroupResult,
    options: { staging: string; started: string; logsDir?: string },
  ): Promise<void> {
    const t0 = performance.now();
    try {
      records.push(
        await publishGroup(reportsDir, {
          ...run,
          name: result.name,
          status: result.status,
          note: result.note,
          started_at: options.started,
          seconds: result.seconds,
          filter,
          staging: options.staging,
          output: result.output,
          logsDir: options.logsDir,
        }),
      );
      await rebuildReport(reportsDir);
    } catch (error) {
      console.error(`report: could not publish ${result.name}: ${(error as Error).message}`);
    } finally {
      reportMs += performance.now() - t0;
    }
  }

  const stacks = new Set<RunningStack>();
  let interrupted = false;
  const onSignal = async () => {
    if (interrupted) return;
    interrupted = true;
    line("\ninterrupted: stopping the tests and the stack");
    stopChildren();
    await Promise.all([...stacks].map((s) => s.shutdown()));
    const passed = records.reduce((sum, r) => sum + r.counts.passed, 0);
    const failed = records.reduce((sum, r) => sum + r.counts.failed, 0) + 1;
    line(`${passed} passed, ${failed} failed`);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  watchParent(onSignal);

  const external = settings.target === "external";
  // Side by side only on our own native stacks: an external deployment or a compose project
  // is one stack that every group would share.
  const serial = parsed.serial || settings.target !== "native";
  const extraNet = external ? externalHosts(settings.external_urls) : [];
  /**
   * Resolves true once one `deno check` has passed over the test files of the groups in
   * `checkedGroups` (set below: every group that does not run first); those then run
   * `--no-check`. When it fails each group checks its own files, so a type error fails the
   * group that has it.
   */
  let typeChecked: Promise<boolean> = Promise.resolve(false);
  const checkedGroups = new Set<string>();
  const noCheck = async (group: GroupSpec) =>
    checkedGroups.has(group.name) && await typeChecked ? ["--no-check"] : [];
  const flagsFor = (group: GroupSpec) =>
    group.permissions === "all" ? ["-A"] : permissionFlags(
      group.permissions === "unit" ? unitPermissions : suitePermissions,
      group.name === "live" ? [...extraNet, ...liveHosts()] : extraNet,
    );

  const plans = await Promise.all(groups.map(plan));
  const live = await livePlan(groups, { native: settings.target === "native" });
  if (live) plans.push(live);
  const loadTask = !!config.tasks?.load;

  /**
   * Stacks boot one at a time, in the order asked. Not for their ports (freePort never hands
   * out one twice): booted all at once, five stacks started the lanes' tests on a box already
   * saturated by the boots, and the run was slower (one run each: 355 s against 339 s,
   * 2026-12-03).
   */
  let bootTurn: Promise<unknown> = Promise.resolve();

  async function boot(
    label: string,
    specs?: ReturnType<typeof liveSpecs>,
    replicas?: { private: number; public: number },
    logsDir = `${reportsDir}/logs/${label}-${Deno.pid}`,
  ): Promise<
    { env: Record<string, string>; logsDir?: string; stack?: RunningStack } | { failed: string }
  > {
    if (external) return { env: { NO_COLOR: "1" } };
    const stackFile = `.zapa/stacks/test-${Deno.pid}-${label}.json`;
    line(`booting the ${label} stack (${settings.target}; logs: ${logsDir}) …`);
    try {
      const stack = await launch({
        ports: "free",
        stackFile,
        logsDir,
        settings,
        waitReady: true,
        specs,
        replicas,
        onEvent: (text) => console.error(`[stack ${label}] ${text}`),
      });
      stacks.add(stack);
      line(`${label} stack up in ${((stack.info.boot_ms ?? 0) / 1000).toFixed(2)} s`);
      return { env: { NO_COLOR: "1", ZAPA_STACK_FILE: stackFile }, logsDir, stack };
    } catch (error) {
      const message = (error as Error).message;
      console.error(`the ${label} stack failed to boot: ${message}`);
      return { failed: message };
    }
  }

  /** Groups running now (the progress line) and the order their results are listed in. */
  const runningGroups = new Map<string, number>();
  const order = new Map<string, number>(plans.map((p, i) => [p.group.name, i]));

  /**
   * Runs one group. Beside other lanes its output is kept and printed whole when it ends, so
   * the console reads group by group; alone it streams.
   */
  async function runGroup(
    { group, files }: Plan,
    env: Record<string, string>,
    logsDir?: string,
  ): Promise<void> {
    const staging = stagingDir(reportsDir, group.name);
    const groupStarted = new Date().toISOString();
    const tests = files.filter((f) => f.endsWith("_test.ts"));
    const heading = `=== ${group.name} (${
      group.kind === "load"
        ? `${files.length - tests.length} scripts, ${tests.length} test files`
        : `${files.length} files`
    }) ===`;
    let kept = "";
    const echo: Echo = serial ? "console" : (text) => kept += text;
    if (serial) line(`\n${heading}`);
    else line(`started ${group.name} (${files.length} files)`);
    runningGroups.set(group.name, performance.now());
    let result: GroupResult;
    try {
      if (group.kind === "load") {
        const wanted = files.filter((f) =>
          !tests.includes(f) && matchesFilter(`load: ${f} (ci profile)`, filter)
        );
        if (wanted.length === 0 && tests.length === 0) {
          await skip(skippedGroup("load", "no load script matches the filter"));
          return;
        }
        result = await runLoadGroup(wanted, {
          env,
          dir: staging,
          tests,
          passthrough: [...passthrough, ...await noCheck(group)],
          echo,
        });
      } else {
        result = await runDenoGroup(group, {
          files,
          flags: [...flagsFor(group), ...await noCheck(group)],
          passthrough,
          env,
          dir: staging,
          echo,
        });
      }
    } finally {
      runningGroups.delete(group.name);
    }
    if (!serial) {
      line(`\n${heading}\n${kept.trimEnd()}`);
      line(`=== ${group.name}: ${result.status} in ${result.seconds.toFixed(1)} s ===`);
    }
    results.push(result);
    await publish(result, { staging, started: groupStarted, logsDir });
  }

  /** A skipped group replaces nothing: its last real results stay on the landing page. */
  async function skip(result: GroupResult): Promise<void> {
    results.push(result);
    if (await exists(`${groupDir(reportsDir, result.name)}/results.json`)) return;
    await publish(result, {
      staging: stagingDir(reportsDir, result.name),
      started: new Date().toISOString(),
    });
  }

  const runnable: Plan[] = [];
  for (const p of plans) {
    if (p.group.kind === "load" && !loadTask) {
      await skip(skippedGroup("load", "skipped: deno.json has no `load` task (load runner) yet"));
    } else if (p.files.length === 0) {
      await skip(
        skippedGroup(p.group.name, `skipped: no test files in ${p.group.dirs.join(", ")}`),
      );
    } else runnable.push(p);
  }

  /** Stops a booted stack (none on an external target) and forgets it. */
  async function stopStack(stack: RunningStack | undefined): Promise<void> {
    if (!stack) return;
    await stack.shutdown();
    stacks.delete(stack);
  }

  /** Boots a stack after the boots asked for before it (see bootTurn). */
  function bootInTurn(...args: Parameters<typeof boot>): ReturnType<typeof boot> {
    const turn = bootTurn.then(() => interrupted ? { failed: "interrupted" } : boot(...args));
    bootTurn = turn;
    return turn;
  }

  /**
   * A sharded group (GroupSpec.shards): each shard boots a fresh stack of its own (logs in
   * `<group>-<pid>/<n>/`) and runs its files as its own `deno test`, the shards side by side;
   * their results are published as the one group.
   */
  async function runShards(
    { group, files }: Plan,
    byName: NonNullable<GroupSpec["shards"]>,
  ): Promise<void> {
    const shards = shardFiles(files, byName);
    const staging = stagingDir(reportsDir, group.name);
    const logsDir = `${reportsDir}/logs/${group.name}-${Deno.pid}`;
    const groupStarted = new Date().toISOString();
    line(`started ${group.name} (${files.length} files in ${shards.length} shards, a stack each)`);
    runningGroups.set(group.name, performance.now());
    // Every shard asks for its boot now, before this function waits on anything: boots take
    // turns in the order asked (see bootTurn).
    const boots = shards.map((_, i) =>
      bootInTurn(
        `${group.name}-${i + 1}`,
        failureSpecs(),
        { ...FAILURE_REPLICAS },
        `${logsDir}/${i + 1}`,
      )
    );
    const flags = [...flagsFor(group), ...await noCheck(group)];
    let parts;
    try {
      parts = await Promise.all(shards.map(async (shard, i) => {
        const n = i + 1;
        const label = `shard ${n}/${shards.length} (${
          shard.map((f) => f.slice(f.lastIndexOf("/") + 1)).join(", ")
        })`;
        const junitName = `junit-shard-${n}.xml`;
        const booted = await boots[i]!;
        if ("failed" in booted) {
          return {
            label,
            result: failedGroup(group.name, `${label} not run: its stack failed to boot`),
          };
        }
        let kept = "";
        try {
          const result = await runDenoGroup(group, {
            files: shard,
            flags,
            passthrough,
            env: booted.env,
            dir: staging,
            junitName,
            echo: (text) => kept += text,
          });
          return { label, junitName, result: { ...result, output: kept } };
        } finally {
          await stopStack(booted.stack);
        }
      }));
    } finally {
      runningGroups.delete(group.name);
    }
    const result = await mergeShards(group.name, parts, staging);
    line(`\n=== ${group.name} (${files.length} files, ${shards.length} shards) ===`);
    line(result.output?.trimEnd());
    line(`=== ${group.name}: ${result.status} in ${result.seconds.toFixed(1)} s ===`);
    results.push(result);
    await publish(result, { staging, started: groupStarted, logsDir });
  }

  /** One lane: boot its stack (after the lanes before it booted), run its groups, stop it. */
  async function runLane(lane: string, list: Plan[]): Promise<void> {
    const mode = list[0]!.group.stack;
    if (mode === "none") {
      for (const p of list) if (!interrupted) await runGroup(p, { NO_COLOR: "1" });
      return;
    }
    const shards = list[0]!.group.shards;
    if (mode === "fresh" && !serial && list.length === 1 && shards) {
      if (!interrupted) await runShards(list[0]!, shards);
      return;
    }
    const label = mode === "fresh" ? "failure" : lane;
    const booted =
      await (mode === "live"
        ? bootInTurn(label, liveSpecs(liveProviders()))
        : mode === "fresh"
        ? bootInTurn(label, failureSpecs(), { ...FAILURE_REPLICAS })
        : bootInTurn(label));
    if ("failed" in booted) {
      // Each group of that stack fails with the boot error: its last results are not current.
      for (const p of list) {
        const result: GroupResult = {
          name: p.group.name,
          status: "failed",
          note: "not run: its stack failed to boot",
          counts: { passed: 0, failed: 1, ignored: 0, filtered: 0 },
          seconds: 0,
          output: booted.failed,
        };
        results.push(result);
        await publish(result, {
          staging: stagingDir(reportsDir, p.group.name),
          started: new Date().toISOString(),
        });
      }
      return;
    }
    try {
      for (const p of list) if (!interrupted) await runGroup(p, booted.env, booted.logsDir);
    } finally {
      await stopStack(booted.stack);
    }
  }

  // Lanes in the order of their first group; the live lane last when run one after another.
  const lanes = new Map<string, Plan[]>();
  for (const p of runnable) lanes.set(laneOf(p.group), [...lanes.get(laneOf(p.group)) ?? [], p]);
  const timed = lanes.get(TIMED_LANE);
  lanes.delete(TIMED_LANE);
  // The groups without a stack (unit: 118 files, most with a PostgreSQL and a Redis of their
  // own, three at a time) run first, alone: beside the stacks' lanes they starved those stacks'
  // processes for over a second, and Zapa answered 503 where Redis did not reply in time (an
  // admin requeue, an admin user, a code request: three fresh-clone runs of 2026-12-03).
  const first = serial ? [] : [...lanes].filter(([, list]) => list[0]!.group.stack === "none");
  for (const [lane] of first) lanes.delete(lane);
  // Every later group's test files are type-checked once, while the first lanes run (those
  // check their own, beside it): each `deno test` checked the graph the groups share (lib/,
  // zapa/, the doubles) again, 6–14 CPU-s a group on a fresh clone (2026-12-03).
  const firstNames = new Set(first.flatMap(([, list]) => list.map((p) => p.group.name)));
  const later = runnable.filter((p) => !firstNames.has(p.group.name));
  const checkFiles = later.flatMap((p) => p.files.filter(isTestFile));
  if (checkFiles.length > 0) {
    for (const p of later) checkedGroups.add(p.group.name);
    typeChecked = typeCheck(checkFiles).then((check) => {
      if (check.ok) {
        line(
          `type-checked ${checkFiles.length} test files of ${later.length} groups once in ${
            check.seconds.toFixed(1)
          } s; those groups run with --no-check`,
        );
      } else {
        line(
          `the type check of ${checkFiles.length} test files failed; each group checks its own:\n${
            check.output.split("\n").slice(-30).join("\n")
          }`,
        );
      }
      return check.ok;
    });
  }
  if (serial) {
    for (const [lane, list] of lanes) if (!interrupted) await runLane(lane, list);
  } else if (lanes.size + first.length > 0) {
    const progress = setInterval(() => {
      if (runningGroups.size === 0) return;
      const now = performance.now();
      line(
        `… running: ${
          [...runningGroups].map(([name, t0]) => `${name} ${Math.round((now - t0) / 1000)} s`)
            .join(", ")
        }`,
      );
    }, 30_000);
    try {
      for (const [lane, list] of first) {
        if (interrupted) break;
        line(`\nrunning ${list.map((p) => p.group.name).join(" → ")} first, alone (no stack)`);
        await runLane(lane, list);
      }
      if (lanes.size > 0 && !interrupted) {
        line(
          `\nrunning ${lanes.size} lanes side by side (${
            [...lanes.values()].map((list) => list.map((p) => p.group.name).join(" → "))
              .join(" | ")
          }); each group's output is printed when it ends (--serial: one at a time, streamed)`,
        );
        // The fresh-stack lane asks for its boots first: booted on a box the other lanes do
        // not load yet, its stacks were up in 8 s instead of 17–36 s (2026-12-03).
        const ordered = [...lanes].sort(([, a], [, b]) =>
          Number(b[0]!.group.stack === "fresh") - Number(a[0]!.group.stack === "fresh")
        );
        await Promise.all(ordered.map(([lane, list]) => runLane(lane, list)));
      }
    } finally {
      clearInterval(progress);
    }
  }
  if (timed && !interrupted) {
    line(`\nrunning the timed groups alone (${timed.map((p) => p.group.name).join(" → ")})`);
    await runLane(TIMED_LANE, timed);
  }
  results.sort((a, b) => (order.get(a.name) ?? 99) - (order.get(b.name) ?? 99));

  const seconds = (performance.now() - started) / 1000;
  // Before the report, so the report can render it.
  let mapLine: string;
  try {
    const map = await writeRunMap({
      reportsDir,
      runId,
      target: settings.target_name,
      checksInternals: settings.checks_internals,
    });
    if (targetReport.mode === "run") line(`\n${renderTable(map)}`);
    const c = map.counts;
    mapLine =
      `conformance map: ${reportsDir}/conformance-map.json — ${c.pass} pass, ${c.fail} fail, ` +
      `${c.blocked} blocked, ${c["not-applicable"]} not applicable, ${c.untested} untested`;
  } catch (error) {
    mapLine = `conformance map: not written (${(error as Error).message})`;
  }
  const t0 = performance.now();
  try {
    await recordRun(reportsDir, { ...run, seconds }, records);
    await rebuildReport(reportsDir);
  } catch (error) {
    console.error(`report: ${(error as Error).message}`);
  }
  reportMs += performance.now() - t0;

  // The counts of the report (top-level tests from each group's JUnit), so both agree.
  const passed = records.reduce((sum, r) => sum + r.counts.passed, 0);
  const failed = records.reduce((sum, r) => sum + r.counts.failed, 0);
  line("\n=== summary ===");
  for (const r of results) {
    const record = records.find((x) => x.name === r.name);
    const c = record?.counts ?? r.counts;
    const counts = r.status === "skipped"
      ? r.note ?? ""
      : `${c.passed} passed, ${c.failed} failed, ${c.ignored} ignored` +
        `${r.note ? ` (${r.note})` : ""}`;
    line(
      `${r.name.padEnd(14)} ${r.status.padEnd(8)} ${r.seconds.toFixed(1).padStart(6)} s  ${counts}`,
    );
  }
  line(
    `reports: ${reportsDir}/index.html (groups in ${reportsDir}/groups/, JUnit XML in ${reportsDir}/junit-<group>.xml); ` +
      `report built in ${(reportMs / 1000).toFixed(2)} s; took ${seconds.toFixed(1)} s`,
  );
  line(mapLine);
  line(`${passed} passed, ${failed} failed`);
  return interrupted ? 130 : failed > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`test command: ${(error as Error).message}`);
    console.log("0 passed, 1 failed");
    Deno.exit(1);
  }
}
