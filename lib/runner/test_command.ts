/**
 * The test command (`deno task test`, `./run test`): boots a stack on free ports, runs each
 * suite group as its own `deno test` with the narrowest permissions, the failure group on a
 * fresh stack of its own, writes JUnit XML per group and `reports/index.html`, tears every
 * stack down and prints `N passed, N failed` as its last line (non-zero exit on any failure).
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
  runDenoGroup,
  runLoadGroup,
  skippedGroup,
  stopCurrentChild,
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
import { type GroupResult, renderReport } from "./report_html.ts";
import { renderTable, targetReportArg, writeRunMap } from "./conformance_map.ts";
import { isLiveTestFile, liveHosts, livePlan, liveProviders, liveSpecs } from "./live.ts";
import {
  externalHosts,
  findTestFiles,
  groupByName,
  GROUPS,
  type GroupSpec,
  permissionFlags,
  type PermissionSet,
} from "./test_groups.ts";

/** Written by the perf group's tests, always under reports/ whatever ZAPA_REPORTS_DIR says. */
const PERF_FILE = "reports/perf.json";

interface Plan {
  group: GroupSpec;
  files: string[];
}

export function parseArgs(args: readonly string[]): { groups: GroupSpec[]; passthrough: string[] } {
  const names: string[] = [];
  const passthrough: string[] = [];
  for (const arg of args) {
    if (arg.startsWith("--group=")) names.push(...arg.slice(8).split(","));
    else passthrough.push(arg);
  }
  const groups = names.length === 0 ? [...GROUPS] : names.map((name) => {
    const group = groupByName(name);
    if (!group) {
      throw new Error(`unknown group ${name}; groups: ${GROUPS.map((g) => g.name).join(", ")}`);
    }
    return group;
  });
  return { groups, passthrough };
}

async function plan(group: GroupSpec): Promise<Plan> {
  if (group.kind === "load") {
    // The scripts' CI runs, then the load group's own tests (tests/load/) on the same stack.
    return { group, files: [...await findLoadScripts(), ...await findTestFiles("tests/load")] };
  }
  const files = (await Promise.all(group.dirs.map(findTestFiles))).flat();
  // live_*_test.ts files run in the live group only (lib/runner/live.ts).
  return { group, files: files.filter((f) => !isLiveTestFile(f)) };
}

/**
 * Removes the log folders of earlier runs, keeping those of runs still going (several test
 * commands may share a checkout): a folder `<label>-<pid>` is live while the stack file
 * `.zapa/stacks/test-<pid>-<label>.json` answers.
 */
async function pruneRunLogs(reportsDir: string): Promise<void> {
  for await (const entry of Deno.readDir(`${reportsDir}/logs`)) {
    const match = /^(.+)-(\d+)$/.exec(entry.name);
    if (match) {
      try {
        const info = await readStackFile(`.zapa/stacks/test-${match[2]}-${match[1]}.json`);
        if (await controlAnswers(info.control.url)) continue;
      } catch {
        // no stack file: the run is over
      }
    }
    await Deno.remove(`${reportsDir}/logs/${entry.name}`, { recursive: true }).catch(() => {});
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
  const { groups, passthrough } = parseArgs(targetReport.rest);
  // Test processes record a failed prerequisite once per run under this id (lib/prerequisites.ts);
  // they inherit it from our environment.
  const runId = `${Deno.pid}-${Date.now()}`;
  Deno.env.set("ZAPA_RUN_ID", runId);
  await Deno.remove(`${reportsDir}/prerequisites`, { recursive: true }).catch(() => {});
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const suitePermissions: PermissionSet = config.test?.permissions ?? {};
  const unitPermissions: PermissionSet = config.permissions?.unit ?? {};
  const filter = filterArg(passthrough);
  await Deno.mkdir(`${reportsDir}/logs`, { recursive: true });
  for await (const entry of Deno.readDir(reportsDir)) {
    if (
      /^junit-.*\.xml$/.test(entry.name) || entry.name === "index.html" ||
      entry.name === "conformance-map.json"
    ) {
      await Deno.remove(`${reportsDir}/${entry.name}`);
    }
  }
  await pruneRunLogs(reportsDir);

  const results: GroupResult[] = [];
  let stack: RunningStack | null = null;
  let interrupted = false;
  const onSignal = async () => {
    if (interrupted) return;
    interrupted = true;
    line("\ninterrupted: stopping the tests and the stack");
    stopCurrentChild();
    await stack?.shutdown();
    const passed = results.reduce((sum, r) => sum + r.counts.passed, 0);
    const failed = results.reduce((sum, r) => sum + r.counts.failed, 0) + 1;
    line(`${passed} passed, ${failed} failed`);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  watchParent(onSignal);

  const external = settings.target === "external";
  const extraNet = external ? externalHosts(settings.external_urls) : [];
  const flagsFor = (group: GroupSpec) =>
    group.permissions === "all" ? ["-A"] : permissionFlags(
      group.permissions === "unit" ? unitPermissions : suitePermissions,
      group.name === "live" ? [...extraNet, ...liveHosts()] : extraNet,
    );

  const plans = await Promise.all(groups.map(plan));
  const live = await livePlan(groups, { native: settings.target === "native" });
  if (live) plans.push(live);
  const loadTask = !!config.tasks?.load;

  async function boot(
    label: string,
    specs?: ReturnType<typeof liveSpecs>,
    replicas?: { private: number; public: number },
  ): Promise<{ env: Record<string, string> } | GroupResult> {
    if (external) return { env: { NO_COLOR: "1" } };
    const stackFile = `.zapa/stacks/test-${Deno.pid}-${label}.json`;
    const logsDir = `${reportsDir}/logs/${label}-${Deno.pid}`;
    line(`\nbooting the ${label} stack (${settings.target}; logs: ${logsDir}) …`);
    try {
      stack = await launch({
        ports: "free",
        stackFile,
        logsDir,
        settings,
        waitReady: true,
        specs,
        replicas,
        onEvent: (text) => console.error(`[stack] ${text}`),
      });
      line(`${label} stack up in ${((stack.info.boot_ms ?? 0) / 1000).toFixed(2)} s`);
      return { env: { NO_COLOR: "1", ZAPA_STACK_FILE: stackFile } };
    } catch (error) {
      console.error(`the ${label} stack failed to boot: ${(error as Error).message}`);
      return failedGroup(`${label} stack`, "boot failed");
    }
  }

  async function runPlans(list: Plan[], env: Record<string, string>): Promise<void> {
    for (const { group, files } of list) {
      if (interrupted) return;
      const tests = files.filter((f) => f.endsWith("_test.ts"));
      line(
        `\n=== ${group.name} (${
          group.kind === "load"
            ? `${files.length - tests.length} scripts, ${tests.length} test files`
            : `${files.length} files`
        }) ===`,
      );
      if (group.kind === "load") {
        const wanted = files.filter((f) =>
          !tests.includes(f) && matchesFilter(`load: ${f} (ci profile)`, filter)
        );
        results.push(
          wanted.length === 0 && tests.length === 0
            ? skippedGroup("load", "no load script matches the filter")
            : await runLoadGroup(wanted, { env, reportsDir, tests, passthrough }),
        );
        continue;
      }
      results.push(
        await runDenoGroup(group, {
          files,
          flags: flagsFor(group),
          passthrough,
          env,
          reportsDir: reportsDir,
        }),
      );
    }
  }

  const runnable: Plan[] = [];
  for (const p of plans) {
    if (p.group.kind === "load" && !loadTask) {
      results.push(skippedGroup("load", "skipped: deno.json has no `load` task (load runner) yet"));
    } else if (p.files.length === 0) {
      results.push(
        skippedGroup(p.group.name, `skipped: no test files in ${p.group.dirs.join(", ")}`),
      );
    } else runnable.push(p);
  }

  await runPlans(runnable.filter((p) => p.group.stack === "none"), {
    NO_COLOR: "1",
  });
  for (const mode of ["shared", "fresh", "live"] as const) {
    const list = runnable.filter((p) => p.group.stack === mode);
    if (list.length === 0 || interrupted) continue;
    const booted = mode === "live"
      ? await boot("live", liveSpecs(liveProviders()))
      : mode === "fresh"
      ? await boot("failure", failureSpecs(), { ...FAILURE_REPLICAS })
      : await boot("shared");
    if ("status" in booted) {
      results.push(booted);
      for (const p of list) {
        results.push(skippedGroup(p.group.name, "not run: its stack failed to boot"));
      }
      continue;
    }
    try {
      await runPlans(list, booted.env);
    } finally {
      await (stack as RunningStack | null)?.shutdown();
      stack = null;
    }
  }

  const order = (r: GroupResult) => {
    const index = GROUPS.findIndex((g) => g.name === r.name);
    return index >= 0 ? index : r.name.startsWith("failure") ? GROUPS.length - 1.5 : 0.5;
  };
  results.sort((a, b) => order(a) - order(b));
  const seconds = (performance.now() - started) / 1000;
  let perf: unknown;
  let perfNote: string | undefined;
  try {
    const stat = await Deno.stat(PERF_FILE);
    perf = JSON.parse(await Deno.readTextFile(PERF_FILE));
    if ((stat.mtime?.getTime() ?? 0) < Date.parse(startedAt)) {
      perfNote = `From an earlier run (${stat.mtime?.toISOString()}).`;
    }
  } catch {
    perf = undefined;
  }
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

  await Deno.writeTextFile(
    `${reportsDir}/index.html`,
    renderReport({
      started_at: startedAt,
      seconds,
      target: settings.target,
      groups: results,
      perf,
      perf_note: perfNote,
    }),
  );

  const passed = results.reduce((sum, r) => sum + r.counts.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.counts.failed, 0);
  line("\n=== summary ===");
  for (const r of results) {
    const counts = r.status === "skipped"
      ? r.note ?? ""
      : `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.ignored} ignored` +
        `${r.note ? ` (${r.note})` : ""}`;
    line(
      `${r.name.padEnd(14)} ${r.status.padEnd(8)} ${r.seconds.toFixed(1).padStart(6)} s  ${counts}`,
    );
  }
  line(
    `reports: ${reportsDir}/index.html, JUnit XML in ${reportsDir}/junit-<group>.xml; took ${
      seconds.toFixed(1)
    } s`,
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
