/**
 * The stack's temp dir (`$TMPDIR/zapa-stack.<pid>.<random>`) and the sweep of those left by
 * runs that died without tearing down. A live stack holds an exclusive lock on `owner.lock`
 * in its dir for its whole life; the kernel drops the lock when the process dies, so a dir
 * whose lock can be taken belongs to nobody. (Its processes are gone already: every child is
 * spawned with a parent-death signal.)
 */

import { tempRoot } from "./settings.ts";

export const TEMP_PREFIX = "zapa-stack.";
const LOCK = "owner.lock";

export { tempRoot };

export interface StackTempDir {
  path: string;
  /** Releases the ownership lock and removes the dir. */
  remove(): Promise<void>;
}

export async function makeStackTempDir(root = tempRoot()): Promise<StackTempDir> {
  const path = await Deno.makeTempDir({ dir: root, prefix: `${TEMP_PREFIX}${Deno.pid}.` });
  await Deno.chmod(path, 0o755);
  const lock = await Deno.open(`${path}/${LOCK}`, { create: true, write: true });
  await lock.lock(true);
  let removed = false;
  return {
    path,
    async remove() {
      if (removed) return;
      removed = true;
      lock.close();
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** True when a live process owns this stack temp dir. */
export async function ownedByLiveProcess(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(`${path}/${LOCK}`, { write: true });
  } catch {
    // No lock file: either being created this very moment or from a crashed early start.
    const age = Date.now() - ((await Deno.stat(path).catch(() => null))?.mtime?.getTime() ?? 0);
    return age < 10_000;
  }
  try {
    return !(await file.tryLock(true));
  } finally {
    file.close();
  }
}

/** Removes temp dirs of dead previous runs; returns the paths removed. */
export async function sweepStaleTempDirs(root = tempRoot()): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isDirectory || !entry.name.startsWith(TEMP_PREFIX)) continue;
    const path = `${root}/${entry.name}`;
    if (await ownedByLiveProcess(path)) continue;
    try {
      await Deno.remove(path, { recursive: true });
      removed.push(path);
    } catch {
      // Another run swept it first.
    }
  }
  return removed;
}

/** Whether something still answers on a stack's control URL (i.e. the stack is alive). */
export async function controlAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/services`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
