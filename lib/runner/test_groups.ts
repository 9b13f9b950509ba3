/**
 * The suite groups of the test command: which folders each covers, which stack it runs
 * against, and the narrowest `deno test` permissions that work for it. Each group is its own
 * `deno test` process, because permissions are per process.
 */

export type GroupName =
  | "unit"
  | "integration"
  | "e2e"
  | "llm"
  | "security"
  | "perf"
  | "frontend"
  | "load"
  | "conformance"
  | "failure"
  /** `live_*_test.ts` files (lib/runner/live.ts); not in GROUPS: the test command adds it. */
  | "live";

export interface GroupSpec {
  name: GroupName;
  /** Folders searched for test files (those that do not exist are ignored). */
  dirs: readonly string[];
  /**
   * none: needs no stack; shared: the stack booted once; fresh: its own stack, after the shared
   * one; live: its own stack calling real LLM providers (lib/runner/live.ts).
   */
  stack: "none" | "shared" | "fresh" | "live";
  /**
   * Groups of one lane run one after another, on one stack; lanes run side by side, each on a
   * stack of its own (`--serial`: one lane after another). Default: the `stack` value.
   */
  lane?: string;
  parallel: boolean;
  /**
   * How many files `--parallel` runs at once (DENO_JOBS); default: one per core. Above that for
   * groups whose files wait on clocks and child processes more than on the CPU.
   */
  jobs?: number;
  /**
   * Its longest files (paths from the repository root), started first: `deno test --parallel`
   * starts files in the order it is given them, and a long file started near the end finishes
   * the group alone while the other workers idle.
   */
  slowFirst?: readonly string[];
  /**
   * A fresh-stack group's files split by name (the file's base name): each shard runs on a
   * stack of its own, as its own `deno test`, the shards side by side and published as one
   * group. A file no shard names joins the shard with the fewest files. Shards boot in this
   * order (one boot at a time), so the longest goes first. Not used when lanes run one after
   * another (`--serial`, an external or compose target: one stack for every group).
   */
  shards?: readonly (readonly string[])[];
  /** "unit" and "suite" are permission sets in deno.json; "all" is -A (the browser only). */
  permissions: "unit" | "suite" | "all";
  kind: "deno" | "load";
}

/**
 * The lane of the groups that judge time (R-PERF budgets, load thresholds): it runs alone, on
 * its own stack, after the other lanes, because beside them it measures our own unit tests and
 * Chromium (seen: a 250 ms ack bound and a 100 ms query bound crossed only with lanes beside).
 */
export const TIMED_LANE = "timed";

export const GROUPS: readonly GroupSpec[] = [
  {
    name: "unit",
    dirs: ["zapa", "mock_bridge", "mock_llm", "lib", "load"],
    stack: "none",
    parallel: true,
    // Alone, two at a time used 59 % of the box (110 CPU-s in 93 s, 2026-12-03): its files
    // wait on the servers they start and on their own timers.
    jobs: 3,
    // Seconds of test time each, fresh clone, 2026-12-03 16:56 UTC (the unit group: 115 s of
    // test time in 61 s); folder order started load/ last, and run_test.ts then ran on alone.
    slowFirst: [
      "zapa/pipeline/send_once_test.ts", // 22.7 s
      "load/run_test.ts", // 16.0 s
      "zapa/pipeline/recovery_test.ts", // 13.3 s
      "zapa/private_service_test.ts", // 9.8 s
      "load/merge_test.ts", // 7.5 s
      "lib/stack/pdeathsig_test.ts", // 6.0 s
      "load/runner/executors_test.ts", // 5.0 s
    ],
    permissions: "unit",
    kind: "deno",
  },
  ...(["integration", "e2e", "llm", "security"] as const).map((name) => ({
    name,
    dirs: [`tests/${name}`],
    stack: "shared" as const,
    parallel: true,
    permissions: "suite" as const,
    kind: "deno" as const,
  })),
  {
    name: "perf",
    dirs: ["tests/performance", "tests/perf"],
    stack: "shared",
    lane: TIMED_LANE,
    parallel: true,
    permissions: "suite",
    kind: "deno",
  },
  {
    name: "frontend",
    dirs: ["tests/frontend"],
    stack: "shared",
    // Chromium and the API groups would otherwise wait for each other.
    lane: "browser",
    parallel: true,
    permissions: "all",
    kind: "deno",
  },
  {
    name: "load",
    // load/: the k6 scripts (their CI profiles); tests/load/: tests that drive them.
    dirs: ["load", "tests/load"],
    stack: "shared",
    lane: TIMED_LANE,
    parallel: false,
    permissions: "all",
    kind: "load",
  },
  {
    // Generated from the published OpenAPI documents (tests/conformance/_openapi.ts).
    name: "conformance",
    dirs: ["tests/conformance"],
    stack: "shared",
    parallel: true,
    permissions: "suite",
    kind: "deno",
  },
  {
    name: "failure",
    dirs: ["tests/failure"],
    stack: "fresh",
    // Alone on one stack the drills took 222 s and used 34 % of the box (152 CPU-s, 2026-12-03):
    // the outages wait on the clock (30 s each), the kill and replica drills drive 100 msg/s
    // and restart processes. Two stacks, each pairing drills that drive load with drills that
    // wait on the clock, about 129 s each (the seconds of a fresh clone beside the other lanes,
    // 2026-12-03 16:42 UTC). Each shard runs its outages first, while the other lanes keep the
    // box busy, and the drills that drive load last, when those lanes are done: the other way
    // round, both shards ended waiting on the clock with the box 6–12 % busy for 25 s. With three
    // or four shards beside the other lanes the box starved Zapa's processes past their store
    // timeouts: a 503 in the security group (three), two stacks that failed to boot (four).
    shards: [
      // 68 s + 2 s + 12 s + 47 s
      ["store_outages_test.ts", "send_once_test.ts", "bridge_faults_test.ts", "replicas_test.ts"],
      ["outages_test.ts", "crashes_test.ts", "replica_queue_test.ts"], // 45 s + 44 s + 40 s
    ],
    parallel: false,
    permissions: "suite",
    kind: "deno",
  },
];

/**
 * Splits a sharded group's files (GroupSpec.shards): each shard runs the files it names in the
 * order it names them (`deno test` keeps the order it is given), then any file no shard names,
 * which joins the shard with the fewest files. Empty shards are dropped.
 */
export function shardFiles(
  files: readonly string[],
  shards: readonly (readonly string[])[],
): string[][] {
  const baseName = (file: string) => file.slice(file.lastIndexOf("/") + 1);
  const split: string[][] = shards.map((names) =>
    names.flatMap((name) => files.filter((file) => baseName(file) === name))
  );
  const named = new Set(shards.flat());
  for (const file of files.filter((f) => !named.has(baseName(f)))) {
    const fewest = split.reduce(
      (best, shard, i) => shard.length < split[best]!.length ? i : best,
      0,
    );
    split[fewest]!.push(file);
  }
  return split.filter((shard) => shard.length > 0);
}

/** The files in the order a group starts them: its `slowFirst` files that exist, then the rest. */
export function startOrder(files: readonly string[], slowFirst: readonly string[] = []): string[] {
  const first = slowFirst.filter((file) => files.includes(file));
  return [...first, ...files.filter((file) => !first.includes(file))];
}

/** The lane a group runs in (see GroupSpec.lane). */
export function laneOf(group: GroupSpec): string {
  return group.lane ?? group.stack;
}

export function groupByName(name: string): GroupSpec | undefined {
  return GROUPS.find((group) => group.name === name);
}

const TEST_FILE = /(^|[_.])test\.(ts|tsx|mts|js|mjs|jsx)$/;
const SKIP_DIRS = new Set(["node_modules", ".tools", ".zapa", "reports", "testdata", ".git"]);

/** Whether a path names a test file (`x_test.ts`, `x.test.ts`, `test.ts`, …). */
export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path.slice(path.lastIndexOf("/") + 1));
}

/** Test files below `dir` (sorted; [] when the folder does not exist). */
export async function findTestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(path: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory && !SKIP_DIRS.has(entry.name)) await walk(child);
      else if (entry.isFile && TEST_FILE.test(entry.name)) found.push(child);
    }
  }
  await walk(dir);
  return found.sort();
}

/** Permission values as deno.json writes them: true, or a list of scopes. */
export type PermissionSet = Partial<
  Record<"net" | "env" | "read" | "write" | "run" | "sys" | "ffi", boolean | string[]>
>;

/** `--allow-*` flags for a permission set, with extra network hosts (external targets). */
export function permissionFlags(set: PermissionSet, extraNet: readonly string[] = []): string[] {
  const flags: string[] = [];
  for (const [name, value] of Object.entries(set)) {
    if (value === true) flags.push(`--allow-${name}`);
    else if (Array.isArray(value) && value.length > 0) {
      const scopes = name === "net" ? [...new Set([...value, ...extraNet])] : value;
      flags.push(`--allow-${name}=${scopes.join(",")}`);
    }
  }
  return flags;
}

/** Hosts (with ports) of URLs that are not on loopback: what an external target adds to --allow-net. */
export function externalHosts(urls: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const url of urls) {
    try {
      const { hostname, host } = new URL(url);
      if (!["127.0.0.1", "localhost", "[::1]"].includes(hostname)) hosts.add(host);
    } catch {
      // not a URL: the target module reports it
    }
  }
  return [...hosts];
}

/** The `deno test` arguments of a group. */
export function denoTestArgs(
  group: GroupSpec,
  options: {
    files: readonly string[];
    flags: readonly string[];
    junit: string;
    passthrough: readonly string[];
  },
): string[] {
  return [
    "test",
    ...options.flags,
    ...(group.parallel ? ["--parallel"] : []),
    `--junit-path=${options.junit}`,
    ...options.passthrough,
    ...options.files,
  ];
}
