/**
 * The fuzzing campaign over every operation: fast-check generates requests, each answer is
 * judged (`_verdict.ts`), and each kind of problem an operation shows is shrunk on its own to a
 * minimal request, so one report lists every operation affected by every kind of defect.
 */
import fc from "fast-check";
import type { Operation } from "./_openapi.ts";
import { describe, type Exchange, type GenRequest, send, toWire } from "./_exchange.ts";
import { hostileCases, hostileRequest, validRequest } from "./_generate.ts";
import { PROFILE, replayHint, seedFor } from "./_profile.ts";
import { type Sandbox, tokenFor } from "./_sandbox.ts";
import { type ProblemKind, problemsOf } from "./_verdict.ts";

export const PROBLEM_KINDS: readonly ProblemKind[] = [
  "server_error",
  "valid_refused",
  "invalid_accepted",
  "undocumented_status",
  "schema_mismatch",
];

export interface Finding {
  kind: ProblemKind;
  operation: string;
  mode: "valid" | "hostile";
  detail: string;
  /** The shrunk request and its answer, printed. */
  example: string;
  seed: number;
  path: string | null;
}

export interface CampaignResult {
  operations: string[];
  cases: number;
  findings: Finding[];
}

type Mode = "valid" | "hostile";

/** Runs one operation's generators; returns its findings and how many requests it sent. */
async function fuzzOperation(op: Operation, mode: Mode, box: Sandbox) {
  // Checks replay the same generated requests (same seed): answer each only once.
  const answers = new Map<string, Exchange>();
  const exchange = async (req: GenRequest): Promise<Exchange> => {
    const key = JSON.stringify(toWire(op, req, null));
    const known = answers.get(key);
    if (known) return known;
    const answer = await send(toWire(op, req, await tokenFor(op, box)));
    answers.set(key, answer);
    return answer;
  };
  const found = new Map<ProblemKind, Finding>();
  const kindsOf = (req: GenRequest, answer: Exchange) =>
    problemsOf(op, answer, req.expect).map((p) => p.kind);

  /** Runs an arbitrary; each kind of problem not seen yet is shrunk on its own. */
  async function explore(arbitrary: fc.Arbitrary<GenRequest>, numRuns: number, seed: number) {
    const options = {
      seed,
      numRuns,
      interruptAfterTimeLimit: PROFILE.checkTimeMs,
      markInterruptAsFailure: false,
    };
    const property = (ok: (kinds: ProblemKind[]) => boolean) =>
      fc.asyncProperty(arbitrary, async (req) => ok(kindsOf(req, await exchange(req))));
    const overall = await fc.check(
      property((kinds) => kinds.every((k) => found.has(k))),
      { ...options, endOnFailure: true },
    );
    if (!overall.failed) return;
    for (const kind of PROBLEM_KINDS.filter((k) => !found.has(k))) {
      const result = await fc.check(property((kinds) => !kinds.includes(kind)), options);
      if (!result.failed || !result.counterexample) continue;
      const [req] = result.counterexample;
      const answer = await exchange(req);
      const problem = problemsOf(op, answer, req.expect).find((p) => p.kind === kind);
      found.set(kind, {
        kind,
        operation: op.id,
        mode,
        detail: problem?.detail ?? "(not reproduced on replay)",
        example: describe(answer, req.label),
        seed,
        path: result.counterexamplePath,
      });
    }
  }

  if (mode === "valid") {
    await explore(validRequest(op, box), PROFILE.validRuns, seedFor(op.id, mode));
  } else {
    // Every (core) mutation at least once, then random ones for breadth.
    for (const hostile of hostileCases(op, box)) {
      if (!hostile.core && !PROFILE.allMutations) continue;
      await explore(hostile.arbitrary, PROFILE.caseRuns, seedFor(op.id, hostile.label));
    }
    await explore(hostileRequest(op, box), PROFILE.hostileRuns, seedFor(op.id, mode));
  }
  return { findings: [...found.values()], cases: answers.size };
}

/** Fuzzes `operations` a few at a time. */
export async function runCampaign(
  operations: readonly Operation[],
  mode: Mode,
  box: Sandbox,
): Promise<CampaignResult> {
  const result: CampaignResult = {
    operations: operations.map((o) => o.id),
    cases: 0,
    findings: [],
  };
  const queue = [...operations];
  const worker = async () => {
    for (let op = queue.shift(); op; op = queue.shift()) {
      const { findings, cases } = await fuzzOperation(op, mode, box);
      result.cases += cases;
      result.findings.push(...findings);
    }
  };
  await Promise.all(Array.from({ length: PROFILE.concurrency }, worker));
  return result;
}

/** A failure message: every affected operation with its minimal request, then how to replay. */
export function report(title: string, all: readonly Finding[]): string {
  // One example per operation: the valid-input one when both passes found the defect.
  const byOperation = new Map<string, Finding>();
  for (const f of all) {
    const known = byOperation.get(f.operation);
    if (!known || (known.mode === "hostile" && f.mode === "valid")) byOperation.set(f.operation, f);
  }
  const findings = [...byOperation.values()];
  const operations = [...byOperation.keys()];
  const lines = [`${title}: ${operations.length} operation(s) disagree with the contract:`];
  for (const f of [...findings].sort((a, b) => a.operation.localeCompare(b.operation))) {
    lines.push(`  ${f.operation} (${f.mode} input) — ${f.detail}`);
    lines.push(f.example);
    const path = f.path && f.path.length > 40 ? `${f.path.slice(0, 40)}…` : f.path;
    lines.push(`    shrunk by fast-check: seed ${f.seed}${path ? `, path "${path}"` : ""}`);
  }
  lines.push(replayHint());
  return lines.join("\n");
}
