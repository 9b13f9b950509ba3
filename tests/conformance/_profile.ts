/**
 * How much the conformance group generates (the CI profile, or `--deep`), the seed every
 * generator derives from (`--seed N` replays a run), and the figures each test file adds to
 * `reports/conformance/summary.json`.
 */

export const DEEP = Deno.env.get("ZAPA_CONFORMANCE_DEEP") === "1";

function initialSeed(): number {
  const given = Deno.env.get("ZAPA_CONFORMANCE_SEED");
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`ZAPA_CONFORMANCE_SEED=${given}: not an integer`);
    }
    return seed;
  }
  // The test files of one `deno test` run share its process: derive the seed from it, so that
  // every file of a run (and its summary) names the same seed.
  return fnv(`${Deno.pid}:${Deno.env.get("ZAPA_STACK_FILE") ?? ""}`, 0);
}

function fnv(text: string, start: number): number {
  let hash = 0x811c9dc5 ^ start;
  for (const char of text) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 1) & 0x7fffffff;
}

/** The run's seed; every generator's own seed is derived from it and its name. */
export const SEED = initialSeed();

export const PROFILE = DEEP
  ? {
    name: "deep",
    validRuns: 150,
    /** Random hostile requests per operation, on top of every mutation `caseRuns` times. */
    hostileRuns: 400,
    caseRuns: 3,
    /** Every mutation, or only the core ones (`_generate.ts`). */
    allMutations: true,
    /** Per operation and check, generation plus shrinking. */
    checkTimeMs: 180_000,
    concurrency: 3,
    sequences: 12,
  }
  : {
    name: "ci",
    validRuns: 6,
    hostileRuns: 8,
    caseRuns: 1,
    allMutations: false,
    checkTimeMs: 5_000,
    concurrency: 4,
    sequences: 2,
  };

/** A 31-bit seed derived from the run's seed and a name (FNV-1a). */
export function seedFor(...parts: string[]): number {
  return fnv(parts.join("\u0000"), SEED);
}

/** The line every failure ends with. */
export function replayHint(): string {
  return `replay: ZAPA_CONFORMANCE_SEED=${SEED}${
    DEEP ? " ZAPA_CONFORMANCE_DEEP=1" : ""
  } deno test -P tests/conformance/   (or: deno task conformance --seed ${SEED}${
    DEEP ? " --deep" : ""
  })`;
}

export interface Figures {
  /** Operations exercised (per file; the summary counts distinct ones). */
  operations: string[];
  cases: number;
  seconds: number;
  findings?: Record<string, number>;
}

const DIR = "reports/conformance";

interface Part extends Figures {
  file: string;
  pid: number;
  seed: number;
  profile: string;
  finished_at: string;
}

/**
 * Adds this file's figures to `reports/conformance/summary.json` (files run in parallel in one
 * `deno test` process: each writes its part, and each merges the parts of its process).
 */
export async function recordFigures(file: string, figures: Figures): Promise<void> {
  await Deno.mkdir(`${DIR}/parts`, { recursive: true });
  const part: Part = {
    file,
    pid: Deno.pid,
    seed: SEED,
    profile: PROFILE.name,
    finished_at: new Date().toISOString(),
    ...figures,
  };
  await Deno.writeTextFile(`${DIR}/parts/${Deno.pid}-${file}.json`, JSON.stringify(part));
  const parts: Part[] = [];
  for await (const entry of Deno.readDir(`${DIR}/parts`)) {
    const path = `${DIR}/parts/${entry.name}`;
    if (entry.name.startsWith(`${Deno.pid}-`)) {
      parts.push(JSON.parse(await Deno.readTextFile(path)));
    } else {
      await Deno.remove(path).catch(() => {}); // an earlier run's part
    }
  }
  const operations = new Set(parts.flatMap((p) => p.operations));
  const findings: Record<string, number> = {};
  for (const p of parts) {
    for (const [kind, n] of Object.entries(p.findings ?? {})) {
      findings[kind] = (findings[kind] ?? 0) + n;
    }
  }
  const summary = {
    seed: SEED,
    profile: PROFILE.name,
    finished_at: part.finished_at,
    operations: operations.size,
    cases: parts.reduce((sum, p) => sum + p.cases, 0),
    // Files run in parallel: the group's time is the span from the first start to the last end.
    seconds: Math.round(
      Math.max(...parts.map((p) => Date.parse(p.finished_at))) -
        Math.min(...parts.map((p) => Date.parse(p.finished_at) - p.seconds * 1000)),
    ) / 1000,
    findings,
    files: Object.fromEntries(parts.map((p) => [p.file, {
      operations: p.operations.length,
      cases: p.cases,
      seconds: p.seconds,
      findings: p.findings ?? {},
    }])),
  };
  await Deno.writeTextFile(`${DIR}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
  console.log(
    `conformance figures (${file}): ${figures.operations.length} operations, ${figures.cases} cases, ` +
      `${figures.seconds.toFixed(1)} s; so far in this run: ${summary.operations} operations, ` +
      `${summary.cases} cases, ${summary.seconds.toFixed(1)} s (seed ${SEED}, ${PROFILE.name} ` +
      `profile) → ${DIR}/summary.json`,
  );
}
