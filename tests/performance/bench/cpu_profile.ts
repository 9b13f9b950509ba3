/**
 * Where the private entrypoint's CPU went: a V8 `.cpuprofile` (written by `deno run --cpu-prof`
 * when `deno task bench --profile` runs) summed into self time per function and per area (one
 * of Zapa's files, an npm package, Deno's runtime, the garbage collector). Self time is the time
 * the sampled stack had that function on top, so the shares add up to the busy time.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Per cent of the busy (not idle) time. */
  pct: number;
}

export interface ProfileSummary {
  sampled_ms: number;
  busy_ms: number;
  idle_pct: number;
  areas: Share[];
  functions: Share[];
}

/** Which part of the process a frame belongs to, by its script URL. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(garbage collector)") return "garbage collector";
    if (functionName === "(idle)") return "idle";
    return functionName || "(native)";
  }
  const npm = /registry\.npmjs\.org\/(@[^/]+\/[^/]+|[^/]+)\//.exec(url);
  if (npm) return `npm:${npm[1]}`;
  const zapa = /\/(zapa\/.*)$/.exec(url);
  if (zapa) return zapa[1]!;
  if (url.startsWith("ext:") || url.startsWith("node:")) return "deno runtime";
  return url.replace(/^.*\//, "");
}

function frameName(frame: CallFrame): string {
  const where = frame.url ? ` ${areaOf(frame)}:${frame.lineNumber + 1}` : "";
  return `${frame.functionName || "(anonymous)"}${where}`;
}

function top(totals: Map<string, number>, busy: number, n: number): Share[] {
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({
    name,
    ms: Math.round(us / 100) / 10,
    pct: busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0,
  }));
}

/** Self time per area and per function (the `n` largest of each), idle time apart. */
export function summarizeProfile(profile: CpuProfile, n = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  // timeDeltas[i] is the time since the previous sample: the interval that sample i stands for.
  profile.samples.forEach((id, i) => {
    const us = Math.max(0, profile.timeDeltas[i] ?? 0);
    const frame = byId.get(id);
    if (!frame) return;
    sampled += us;
    const area = areaOf(frame);
    if (area === "idle") {
      idle += us;
      return;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = frameName(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
  });
  const busy = sampled - idle;
  return {
    sampled_ms: Math.round(sampled / 1000),
    busy_ms: Math.round(busy / 1000),
    idle_pct: sampled > 0 ? Math.round((idle / sampled) * 1000) / 10 : 0,
    areas: top(areas, busy, n),
    functions: top(functions, busy, n),
  };
}

/**
 * Every `.cpuprofile` in `dir` (one per process or thread that exited), summarized. A file cut
 * short — its process was killed while writing it — is skipped and named in `onSkip`, so the
 * other profiles and the rest of the report survive it (it threw away a whole profiled run).
 */
export async function summarizeDir(
  dir: string,
  n = 20,
  onSkip: (file: string, why: string) => void = () => {},
): Promise<ProfileSummary[]> {
  const out: ProfileSummary[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".cpuprofile")) continue;
    let profile: CpuProfile;
    try {
      profile = JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}`)) as CpuProfile;
    } catch (error) {
      onSkip(entry.name, error instanceof Error ? error.message : String(error));
      continue;
    }
    out.push(summarizeProfile(profile, n));
  }
  return out;
}
