/**
 * One child process of the stack: spawned through `setpriv --pdeathsig` so it dies with us even
 * when we are SIGKILLed, its stdout and stderr drained into its log file (a pipe left unread
 * blocks the child once full), stopped gracefully or killed, waited for.
 */

export interface SpawnOptions {
  /** Program and its arguments, run through setpriv. */
  command: string;
  args: readonly string[];
  /** Complete environment of the child (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  logFile: string;
  /** Signal the child gets when we die (default SIGKILL). */
  deathSignal?: Deno.Signal;
  /** Extra setpriv options placed before --pdeathsig, e.g. to drop to the postgres user. */
  setprivArgs?: readonly string[];
}

/** A running child; `exited` settles when it is gone and its output is fully written. */
export interface RunningProcess {
  readonly pid: number;
  readonly exited: Promise<Deno.CommandStatus>;
  /** Null while running. */
  readonly status: Deno.CommandStatus | null;
  signal(signal: Deno.Signal): void;
}

/** Appends one harness event (a JSON line) to a service log. */
export async function logEvent(logFile: string, event: Record<string, unknown>): Promise<void> {
  const line = JSON.stringify({ time: new Date().toISOString(), source: "harness", ...event });
  await ensureParent(logFile);
  await Deno.writeTextFile(logFile, line + "\n", { append: true });
}

/** Recreates the log folder if something removed it meanwhile (e.g. another test run). */
async function ensureParent(path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
}

async function drain(stream: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) offset += await file.write(chunk.subarray(offset));
  }
}

/** Spawns a child whose output goes to `logFile` (appended) and which dies when we die. */
export async function spawnLogged(options: SpawnOptions): Promise<RunningProcess> {
  await ensureParent(options.logFile);
  const file = await Deno.open(options.logFile, { append: true, create: true });
  const args = [
    ...(options.setprivArgs ?? []),
    "--pdeathsig",
    options.deathSignal ?? "SIGKILL",
    options.command,
    ...options.args,
  ];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("setpriv", {
      args,
      env: options.env,
      clearEnv: true,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    file.close();
    throw error;
  }
  let status: Deno.CommandStatus | null = null;
  const exited = (async () => {
    const [result] = await Promise.all([
      child.status,
      drain(child.stdout, file).catch(() => {}),
      drain(child.stderr, file).catch(() => {}),
    ]);
    file.close();
    status = result;
    return result;
  })();
  return {
    pid: child.pid,
    exited,
    get status() {
      return status;
    },
    signal(signal) {
      if (status) return;
      try {
        child.kill(signal);
      } catch {
        // Already gone: nothing to signal.
      }
    },
  };
}

/** Resolves true if the process ended within `ms`. */
export async function exitsWithin(proc: RunningProcess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const done = proc.exited.then(() => true as const);
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Graceful stop: `signal`, then SIGKILL once `graceMs` has passed. */
export async function stopProcess(
  proc: RunningProcess,
  options: { signal?: Deno.Signal; graceMs?: number } = {},
): Promise<Deno.CommandStatus> {
  proc.signal(options.signal ?? "SIGTERM");
  if (!(await exitsWithin(proc, options.graceMs ?? 5_000))) proc.signal("SIGKILL");
  return await proc.exited;
}

/** The last `lines` lines of a log file ("" when it does not exist). */
export async function tailFile(path: string, lines = 40): Promise<string> {
  let text: string;
  try {
    const file = await Deno.open(path);
    try {
      const size = (await file.stat()).size;
      const start = Math.max(0, size - 256 * 1024);
      await file.seek(start, Deno.SeekMode.Start);
      const buffer = new Uint8Array(size - start);
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      text = new TextDecoder().decode(buffer.subarray(0, read));
    } finally {
      file.close();
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
  const all = text.replace(/\n$/, "").split("\n");
  return all.slice(-lines).join("\n");
}
