/**
 * Runs one suite group as a child process (through setpriv --pdeathsig, so a killed test
 * command takes its children along), streams its output to ours, and reads its results.
 */

import { countsOf, junitXml, mergeJunit, type TestCounts } from "./deno_summary.ts";
import { collectOrigins, regroupJunit } from "./junit_origin.ts";
import { denoTestArgs, type GroupSpec } from "./test_groups.ts";

/** A group's run as the runner saw it; its files (JUnit, attachments) are in its folder. */
export interface GroupResult {
  name: string;
  status: "passed" | "failed" | "skipped";
  note?: string;
  /** As `deno test` printed them (the report recounts from the JUnit files). */
  counts: TestCounts;
  seconds: number;
  /** The console output (kept for ignored reasons and unexplained failures). */
  output?: string;
}

/** The children running now (groups run side by side), so a signal handler can stop them. */
const running = new Set<Deno.ChildProcess>();

export function stopChildren(): void {
  for (const child of running) {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
}

/**
 * Where a child's console output goes: "console" mirrors it to ours as it comes, "quiet" drops
 * it (a test that runs a suite of its own must not mix that suite's lines into its own
 * output), a function receives it (the test command buffers a group that runs beside others
 * and prints it whole when the group ends).
 */
export type Echo = "console" | "quiet" | ((text: string) => void);

/** Writes `text` to an echo target (a line the runner itself prints). */
export function say(echo: Echo, text: string): void {
  if (echo === "console") console.log(text);
  else if (typeof echo === "function") echo(`${text}\n`);
}

/** Runs `deno <args>`; returns its success and its stdout (stderr goes only to `echo`). */
export async function runDeno(
  args: readonly string[],
  env: Record<string, string>,
  echo: Echo = "console",
): Promise<{ success: boolean; output: string }> {
  const child = new Deno.Command("setpriv", {
    args: ["--pdeathsig", "SIGKILL", Deno.execPath(), ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: echo === "console" ? "inherit" : echo === "quiet" ? "null" : "piped",
  }).spawn();
  running.add(child);
  const sink = typeof echo === "function" ? echo : null;
  const stderr = sink
    ? child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => sink(text) }),
    )
    : Promise.resolve();
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    if (echo === "console") await Deno.stdout.write(chunk);
    const text = decoder.decode(chunk, { stream: true });
    sink?.(text);
    // Kept whole (up to 32 MB): the summary line and every test's module are read from it.
    output = (output + text).slice(-32 * 1024 * 1024);
  }
  await stderr;
  const status = await child.status;
  running.delete(child);
  return { success: status.success, output };
}

function emptyCounts(): TestCounts {
  return { passed: 0, failed: 0, ignored: 0, filtered: 0 };
}

export function skippedGroup(name: string, note: string): GroupResult {
  return { name, status: "skipped", note, counts: emptyCounts(), seconds: 0 };
}

export function failedGroup(name: string, note: string, seconds = 0): GroupResult {
  return {
    name,
    status: "failed",
    note,
    counts: { ...emptyCounts(), failed: 1 },
    seconds,
  };
}

/**
 * One `deno test` run for a group, into its own folder `dir`: `junit.xml`, and `attachments/`
 * where its tests leave evidence (ZAPA_ATTACHMENTS_DIR, writable whatever the group's
 * permissions).
 */
export async function runDenoGroup(
  group: GroupSpec,
  options: {
    files: readonly string[];
    flags: readonly string[];
    passthrough: readonly string[];
    env: Record<string, string>;
    dir: string;
    echo?: Echo;
    /** The JUnit file's name in `dir` (a shard writes its own). Default: junit.xml. */
    junitName?: string;
  },
): Promise<GroupResult> {
  await Deno.mkdir(`${options.dir}/attachments`, { recursive: true });
  const junit = `${options.dir}/${options.junitName ?? "junit.xml"}`;
  const attachments = `${options.dir}/attachments`;
  const flags = options.flags.map((f) =>
    f.startsWith("--allow-write=") ? `${f},${attachments}` : f
  );
  const started = performance.now();
  const { success, output } = await runDeno(
    denoTestArgs(group, { ...options, flags, junit }),
    {
      ...options.env,
      ZAPA_ATTACHMENTS_DIR: attachments,
      ...(group.jobs ? { DENO_JOBS: String(group.jobs) } : {}),
    },
    options.echo,
  );
  const counts = countsOf(output, success);
  try {
    await Deno.writeTextFile(
      junit,
      regroupJunit(await Deno.readTextFile(junit), collectOrigins(output)),
    );
  } catch {
    // No report (the run died before writing one): nothing to regroup.
  }
  return {
    name: group.name,
    status: counts.failed > 0 ? "failed" : "passed",
    counts,
    seconds: (performance.now() - started) / 1000,
    output,
  };
}

/**
 * One group's result from its shards' (GroupSpec.shards): counts summed, the wall time of the
 * slowest, each shard's output under a heading, and the shards' JUnit files in `dir` merged
 * into its `junit.xml` (so CI tools and the report read one file, as for any group).
 */
export async function mergeShards(
  name: string,
  shards: readonly { label: string; result: GroupResult; junitName?: string }[],
  dir: string,
): Promise<GroupResult> {
  const reports: string[] = [];
  for (const { junitName } of shards) {
    if (!junitName) continue;
    const path = `${dir}/${junitName}`;
    try {
      reports.push(await Deno.readTextFile(path));
      await Deno.remove(path);
    } catch {
      // That shard died before writing a report: its failure is in its counts and output.
    }
  }
  await Deno.writeTextFile(`${dir}/junit.xml`, mergeJunit("deno test", reports));
  const counts = emptyCounts();
  for (const { result } of shards) {
    for (const key of Object.keys(counts) as (keyof TestCounts)[]) {
      counts[key] += result.counts[key];
    }
  }
  const notes = shards.flatMap(({ label, result }) =>
    result.note ? [`${label}: ${result.note}`] : []
  );
  return {
    name,
    status: counts.failed > 0 ? "failed" : "passed",
    ...(notes.length ? { note: notes.join("; ") } : {}),
    counts,
    seconds: Math.max(0, ...shards.map(({ result }) => result.seconds)),
    output: shards.map(({ label, result }) => `--- ${label} ---\n${result.output ?? ""}`).join(
      "\n",
    ),
  };
}

/**
 * Type-checks `files` with one `deno check`, so that the groups can run `--no-check`: each
 * `deno test` would otherwise check its own module graph, and the groups share most of it
 * (lib/, zapa/, the doubles). Returns whether it passed and what it printed.
 */
export async function typeCheck(
  files: readonly string[],
): Promise<{ ok: boolean; seconds: number; output: string }> {
  const started = performance.now();
  // Its stdout and stderr both go to the echo function, in the order they came.
  let printed = "";
  const { success } = await runDeno(["check", ...files], { NO_COLOR: "1" }, (text) => {
    printed += text;
  });
  return { ok: success, seconds: (performance.now() - started) / 1000, output: printed.trim() };
}

/**
 * The CI profile of each load script, one test per script judged by its exit code, the
 * scripts side by side (each has its own run id and phones, and waits on the clock more than
 * on the CPU); then the load group's own test files (`tests/load/`, e.g. the
 * execution-segment proof) as one `deno test -A` run against the same stack.
 */
export async function runLoadGroup(
  scripts: readonly string[],
  options: {
    env: Record<string, string>;
    /** The group's folder: `junit.xml` for the scripts, `junit-tests.xml` for the tests. */
    dir: string;
    tests?: readonly string[];
    passthrough?: readonly string[];
    echo?: Echo;
  },
): Promise<GroupResult> {
  const echo = options.echo ?? "console";
  await Deno.mkdir(`${options.dir}/attachments`, { recursive: true });
  const started = performance.now();
  let output = "";
  const cases = await Promise.all(scripts.map(async (script) => {
    const name = `load: ${script} (ci profile)`;
    say(echo, `${name} … started`);
    const t0 = performance.now();
    // Each script's lines are kept together: printed whole when it ends.
    let lines = "";
    const { success } = await runDeno(
      ["task", "load", script, "--profile", "ci"],
      options.env,
      echo === "quiet" ? "quiet" : (text) => lines += text,
    );
    const seconds = (performance.now() - t0) / 1000;
    say(
      echo,
      `\n${name}\n${lines.trimEnd()}\n${name} ... ${success ? "ok" : "FAILED"} (${
        seconds.toFixed(1)
      }s)`,
    );
    return success ? { name, seconds } : { name, seconds, failure: "non-zero exit code" };
  }));
  await Deno.writeTextFile(`${options.dir}/junit.xml`, junitXml("load", cases));
  const failed = cases.filter((c) => c.failure !== undefined).length;
  const counts = { passed: cases.length - failed, failed, ignored: 0, filtered: 0 };
  if (options.tests?.length) {
    const testsJunit = `${options.dir}/junit-tests.xml`;
    const run = await runDeno(
      [
        "test",
        "-A",
        `--junit-path=${testsJunit}`,
        ...(options.passthrough ?? []),
        ...options.tests,
      ],
      { ...options.env, ZAPA_ATTACHMENTS_DIR: `${options.dir}/attachments` },
      echo,
    );
    output = run.output;
    const c = countsOf(run.output, run.success);
    counts.passed += c.passed;
    counts.failed += c.failed;
    counts.ignored += c.ignored;
    counts.filtered += c.filtered;
  }
  return {
    name: "load",
    status: counts.failed > 0 ? "failed" : "passed",
    counts,
    seconds: (performance.now() - started) / 1000,
    output,
  };
}

/** k6-style scripts in load/: they export `options` and a default function. */
export async function findLoadScripts(dir = "load"): Promise<string[]> {
  const scripts: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !/\.(ts|js)$/.test(entry.name) || /(^_|[_.]test\.)/.test(entry.name)) {
        continue;
      }
      const text = await Deno.readTextFile(`${dir}/${entry.name}`);
      if (/export\s+const\s+options\b/.test(text) && /export\s+default\b/.test(text)) {
        scripts.push(`${dir}/${entry.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return scripts.sort();
}

/** Whether a test name passes `--filter` the way `deno test` matches it. */
export function matchesFilter(name: string, filter: string | undefined): boolean {
  if (!filter) return true;
  if (filter.length > 1 && filter.startsWith("/") && filter.endsWith("/")) {
    try {
      return new RegExp(filter.slice(1, -1)).test(name);
    } catch {
      return false;
    }
  }
  return name.includes(filter);
}

/** The value of `--filter` among pass-through arguments. */
export function filterArg(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--filter") return args[i + 1];
    if (arg.startsWith("--filter=")) return arg.slice("--filter=".length);
  }
  return undefined;
}
