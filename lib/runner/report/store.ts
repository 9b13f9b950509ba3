/**
 * Where the report lives on disk and how it is written so that several test commands can share
 * one reports folder: each group owns `groups/<group>/` (swapped in whole when its run ends),
 * each run writes its own history file, and shared pages are written to a temporary file and
 * renamed over the old one, so a reader never sees half a page and the last writer wins.
 */

import type { GroupRecord, HistoryEntry } from "./model.ts";

/** How many runs the history keeps. */
export const HISTORY_RUNS = 20;

/** A group name as a folder name ("shared stack" → "shared-stack"). */
export function groupFolder(name: string): string {
  return name.replace(/[^\w.-]+/g, "-");
}

export function groupDir(reportsDir: string, group: string): string {
  return `${reportsDir}/groups/${groupFolder(group)}`;
}

/** A folder of its own for a group's run in progress, beside the published one. */
export function stagingDir(reportsDir: string, group: string): string {
  return `${reportsDir}/groups/.${groupFolder(group)}-${Deno.pid}-${Date.now()}`;
}

/** Writes a file through a temporary sibling and a rename (atomic on one file system). */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temp, text);
  try {
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Replaces `groups/<group>/` with a finished staging folder. The old folder is first moved
 * aside, so the published one is always either the old run or the new one, never a mix.
 */
export async function swapIn(staging: string, published: string): Promise<void> {
  const aside = `${staging}.old`;
  let moved = false;
  try {
    await Deno.rename(published, aside);
    moved = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.rename(staging, published);
  if (moved) await Deno.remove(aside, { recursive: true }).catch(() => {});
}

/**
 * Removes staging folders left by runs that were killed (their names start with "."), once they
 * are older than `maxAgeMs`: a folder that young may belong to a run still going.
 */
export async function pruneStaging(reportsDir: string, maxAgeMs = 12 * 3600_000): Promise<void> {
  try {
    for await (const entry of Deno.readDir(`${reportsDir}/groups`)) {
      if (!entry.name.startsWith(".")) continue;
      const path = `${reportsDir}/groups/${entry.name}`;
      const stat = await Deno.stat(path).catch(() => null);
      if (stat && Date.now() - (stat.mtime?.getTime() ?? 0) > maxAgeMs) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
      }
    }
  } catch {
    // no groups yet
  }
}

/** The latest record of every group that has one (folders being written are skipped). */
export async function readGroups(reportsDir: string): Promise<GroupRecord[]> {
  const records: GroupRecord[] = [];
  try {
    for await (const entry of Deno.readDir(`${reportsDir}/groups`)) {
      if (!entry.isDirectory || entry.name.startsWith(".")) continue;
      try {
        const text = await Deno.readTextFile(`${reportsDir}/groups/${entry.name}/results.json`);
        records.push(JSON.parse(text) as GroupRecord);
      } catch {
        // swapped out meanwhile, or a run that died before writing: not a result
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return records;
}

/** Run ids sort by time: the start time, then the process id. */
export function runId(startedAt: string, pid = Deno.pid): string {
  return `${startedAt.replace(/[:.]/g, "-")}-${pid}`;
}

/** Adds a run to the history and drops the oldest beyond `keep`. */
export async function appendHistory(
  reportsDir: string,
  entry: HistoryEntry,
  keep = HISTORY_RUNS,
): Promise<void> {
  const dir = `${reportsDir}/history`;
  await Deno.mkdir(dir, { recursive: true });
  await writeAtomic(`${dir}/run-${entry.run_id}.json`, JSON.stringify(entry) + "\n");
  const runs = (await Array.fromAsync(Deno.readDir(dir)))
    .map((e) => e.name).filter((n) => /^run-.*\.json$/.test(n)).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    await Deno.remove(`${dir}/${old}`).catch(() => {}); // another run may have pruned it
  }
}

/** The kept runs, oldest first. */
export async function readHistory(reportsDir: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  try {
    const names = (await Array.fromAsync(Deno.readDir(`${reportsDir}/history`)))
      .map((e) => e.name).filter((n) => /^run-.*\.json$/.test(n)).sort();
    for (const name of names) {
      try {
        entries.push(JSON.parse(await Deno.readTextFile(`${reportsDir}/history/${name}`)));
      } catch {
        // pruned meanwhile
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return entries;
}

/** The newest `deno task flaky` summary, if any. */
export async function readLatestFlaky(
  reportsDir: string,
): Promise<{ file: string; summary: FlakySummary } | undefined> {
  try {
    const names = (await Array.fromAsync(Deno.readDir(`${reportsDir}/history`)))
      .map((e) => e.name).filter((n) => /^flaky-.*\.json$/.test(n)).sort();
    const last = names.at(-1);
    if (!last) return undefined;
    const summary = JSON.parse(await Deno.readTextFile(`${reportsDir}/history/${last}`));
    return { file: `history/${last}`, summary };
  } catch {
    return undefined;
  }
}

export interface FlakySummary {
  started_at: string;
  runs: { run: number; exit: number; seconds: number }[];
  groups: string[];
  tests: number;
  flaky: number;
  broken: number;
  records: { name: string; file: string; runs: number; failures: number; first_failure?: string }[];
}
