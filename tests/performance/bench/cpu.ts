/**
 * CPU accounting for a benchmark window: which process of our stack used how much of the
 * machine's two cores, and how busy the machine was overall (other helpers' stacks included).
 * Reads `ps` for the process tree under the benchmark runner and `/proc/<pid>/stat` (through
 * `cat`, as Deno needs --allow-all to read /proc directly) for CPU ticks.
 */

const TICKS_PER_S = 100;

export interface CpuSnapshot {
  at: number;
  /** Busy ticks per process of our tree, by pid, with its group name. */
  procs: Map<number, { group: string; ticks: number }>;
  /** The machine's busy and total ticks from /proc/stat (all cores). */
  machineBusy: number;
  machineTotal: number;
}

export interface CpuShare {
  /** Wall seconds of the window. */
  seconds: number;
  /** Per group: CPU used in the window, in percent of ONE core (200 % = both cores). */
  groups: Record<string, number>;
  /** Whole machine busy, percent of all cores (100 % = both cores saturated). */
  machine_busy_pct: number;
  /** Busy outside our stack and load generator, percent of one core. */
  others_pct_of_core: number;
}

function groupOf(args: string, isRoot: boolean): string {
  if (isRoot) return "runner";
  if (args.includes("mock_bridge/")) return "bridge";
  if (args.includes("mock_llm/")) return "llm";
  if (args.includes("private_main")) return "private";
  if (args.includes("public_main")) return "public";
  if (args.includes("redis-server")) return "redis";
  if (args.includes("postgres")) return "postgres";
  return "other";
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Busy ticks (utime + stime) from one /proc/<pid>/stat line. */
function ticksOf(line: string): number | null {
  const close = line.lastIndexOf(")");
  if (close < 0) return null;
  const fields = line.slice(close + 2).split(" ");
  // Fields after the command: state(0) ppid(1) … utime(11) stime(12).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

export async function cpuSnapshot(rootPid: number = Deno.pid): Promise<CpuSnapshot> {
  const listing = await run("ps", ["-e", "-o", "pid=,ppid=,args="]);
  const children = new Map<number, number[]>();
  const args = new Map<number, string>();
  for (const line of listing.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const ppid = Number(m[2]);
    args.set(pid, m[3]!);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const ours: number[] = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    ours.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  const stats = await run("cat", [...ours.map((p) => `/proc/${p}/stat`), "/proc/stat"]);
  const procs = new Map<number, { group: string; ticks: number }>();
  let machineBusy = 0;
  let machineTotal = 0;
  for (const line of stats.split("\n")) {
    if (line.startsWith("cpu ")) {
      const v = line.trim().split(/\s+/).slice(1).map(Number);
      machineTotal = v.reduce((a, b) => a + b, 0);
      machineBusy = machineTotal - (v[3] ?? 0) - (v[4] ?? 0);
      continue;
    }
    const pid = Number(line.split(" ", 1)[0]);
    const ticks = ticksOf(line);
    if (!pid || ticks === null) continue;
    procs.set(pid, { group: groupOf(args.get(pid) ?? "", pid === rootPid), ticks });
  }
  return { at: performance.now(), procs, machineBusy, machineTotal };
}

/** CPU shares between two snapshots (processes started in between count from zero). */
export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const seconds = (after.at - before.at) / 1000;
  const groups: Record<string, number> = {};
  let ours = 0;
  for (const [pid, p] of after.procs) {
    const used = p.ticks - (before.procs.get(pid)?.ticks ?? 0);
    if (used <= 0) continue;
    ours += used;
    groups[p.group] = (groups[p.group] ?? 0) + used;
  }
  const pct = (ticks: number) => Math.round((ticks / TICKS_PER_S / seconds) * 1000) / 10;
  const out: Record<string, number> = {};
  for (const [g, t] of Object.entries(groups).sort((a, b) => b[1] - a[1])) out[g] = pct(t);
  const busy = after.machineBusy - before.machineBusy;
  const total = Math.max(1, after.machineTotal - before.machineTotal);
  return {
    seconds: Math.round(seconds * 10) / 10,
    groups: out,
    machine_busy_pct: Math.round((busy / total) * 1000) / 10,
    others_pct_of_core: Math.max(0, pct(busy - ours)),
  };
}

/** The 1-minute load average right now. */
export async function loadAverage(): Promise<number[]> {
  const text = await run("cat", ["/proc/loadavg"]);
  return text.split(" ").slice(0, 3).map(Number);
}
