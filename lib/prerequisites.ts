/**
 * Prerequisites, not cascades: sign-in, LLM set-up and message delivery are probed once per test
 * process (the first time a fixture needs one), so when a target cannot do one of them, every
 * test that depends on it fails fast with `blocked by R-… (first failure: …)` instead of its own
 * long timeout. The conformance map classifies those as blocked; the failure itself is recorded
 * once per run in `<reports>/prerequisites/<run id>/<name>.json`, with its detail.
 */

/** The prerequisites the fixtures probe, in dependency order. */
export type PrerequisiteName = "sign-in" | "llm-setup" | "delivery";

/** What one probe found. `rule` names the step that failed. */
export interface PrerequisiteRecord {
  name: PrerequisiteName;
  ok: boolean;
  /** The rule of the step that failed (e.g. R-LOGIN-1 when no code arrived). */
  rule: string | null;
  firstFailure: string | null;
  at: string;
  /** `ZAPA_RUN_ID` of the run that recorded it (set by the test command), or null. */
  run: string | null;
}

/** Thrown by a probe step: the rule that step checks, and what went wrong. */
export class PrerequisiteFailure extends Error {
  constructor(readonly rule: string, message: string) {
    super(message);
  }
}

/** Thrown into a dependent test: its message is what the map reads as "blocked". */
export class BlockedError extends Error {
  constructor(readonly rule: string, readonly firstFailure: string) {
    super(`blocked by ${rule} (first failure: ${firstFailure})`);
    this.name = "BlockedError";
  }
}

/** `blocked by R-LOGIN-1 (first failure: …)` in a failure text → the rule and the first failure. */
export function parseBlocked(text: string): { rule: string; firstFailure: string } | null {
  const m = /blocked by (R-[A-Z]+-\d+) \(first failure: ([\s\S]*?)\)(?:\n|$)/.exec(text);
  return m ? { rule: m[1]!, firstFailure: m[2]! } : null;
}

const probes = new Map<PrerequisiteName, Promise<PrerequisiteRecord>>();

function env(name: string): string | null {
  try {
    return Deno.env.get(name) || null;
  } catch {
    return null;
  }
}

/** This run's folder: each run its own, so concurrent runs never touch each other's records. */
function recordDir(): string {
  const reports = (env("ZAPA_REPORTS_DIR") ?? "reports").replace(/\/+$/, "");
  return `${reports}/prerequisites/${env("ZAPA_RUN_ID") ?? "no-run"}`;
}

/** A failure already recorded by another test process of this run (same ZAPA_RUN_ID). */
function recordedFailure(name: PrerequisiteName): PrerequisiteRecord | null {
  const run = env("ZAPA_RUN_ID");
  if (!run) return null;
  try {
    const rec = JSON.parse(Deno.readTextFileSync(`${recordDir()}/${name}.json`));
    return rec.run === run && rec.ok === false ? rec as PrerequisiteRecord : null;
  } catch {
    return null;
  }
}

/** Writes the first failure of this run; a later one from another process does not overwrite it. */
function recordFailure(rec: PrerequisiteRecord): void {
  try {
    Deno.mkdirSync(recordDir(), { recursive: true });
    Deno.writeTextFileSync(`${recordDir()}/${rec.name}.json`, JSON.stringify(rec, null, 2), {
      createNew: true,
    });
  } catch {
    // Already recorded by another process, or no write permission: the test still blocks.
  }
}

/**
 * Runs `probe` once per process for `name` (or reuses this run's recorded failure) and throws a
 * BlockedError into the caller when it failed. `probe` throws PrerequisiteFailure (or a
 * BlockedError of a prerequisite it depends on).
 */
export async function requirePrerequisite(
  name: PrerequisiteName,
  /** The rule named when the probe fails with a plain error. */
  defaultRule: string,
  probe: () => Promise<void>,
): Promise<void> {
  let p = probes.get(name);
  if (!p) {
    p = (async (): Promise<PrerequisiteRecord> => {
      const earlier = recordedFailure(name);
      if (earlier) return earlier;
      const base = { name, at: new Date().toISOString(), run: env("ZAPA_RUN_ID") };
      try {
        await probe();
        return { ...base, ok: true, rule: null, firstFailure: null };
      } catch (error) {
        // A probe blocked by an earlier prerequisite passes that one's verdict on.
        const rule = error instanceof BlockedError || error instanceof PrerequisiteFailure
          ? error.rule
          : defaultRule;
        const firstFailure = error instanceof BlockedError
          ? error.firstFailure
          : oneLine((error as Error).message);
        const rec = { ...base, ok: false, rule, firstFailure };
        if (!(error instanceof BlockedError)) {
          console.error(`prerequisite ${name} failed (${rule}): ${(error as Error).message}`);
          recordFailure(rec);
        }
        return rec;
      }
    })();
    probes.set(name, p);
  }
  const rec = await p;
  if (!rec.ok) throw new BlockedError(rec.rule!, rec.firstFailure!);
}

function oneLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim()) ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
