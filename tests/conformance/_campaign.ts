/**
 * The fuzzing campaign over every operation: fast-check generates requests, each answer is
 * judged (`_verdict.ts`), and each kind of problem an operation shows is shrunk on its own to a
 * minimal request, so one report lists every operation affected by every kind of defect.
 */
import fc from "fast-check";
import type { Operation } from "./_openapi.ts";
import { describe, type Exchange, type GenRequest, send, toWire } from "./_exchange.ts";
import { hostileRequest, validRequest } from "./_generate.ts";
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

/** Runs one operation's generator; returns its findings and how many requests it sent. */
async function fuzzOperation(op: Operation, mode: Mode, box: Sandbox) {
  const arbitrary = mode === "valid" ? validRequest(op, box) : hostileRequest(op, box);
  // Every check replays the same generated requests (same seed): answer each only once.
  const answers = new Map<string, Exchange>();
  const exchange = async (req: GenRequest): Promise<Exchange> => {
    const key = JSON.stringify(toWire(op, req, null));
    const known = answers.get(key);
    if (known) return known;
    const answer = await send(toWire(op, req, await tokenFor(op, box)));
    answers.set(key, answer);
    return answer;
  };
  const seed = seedFor(op.id, mode);
  const options = {
    seed,
    numRuns: mode === "valid" ? PROFILE.validRuns : PROFILE.hostileRuns,
    interruptAfterTimeLimit: PROFILE.checkTimeMs,
    markInterruptAsFailure: false,
  };
  const check = (ok: (req: GenRequest, answer: Exchange) => boolean) =>
    fc.check(
      fc.asyncProperty(arbitrary, async (req) => ok(req, await exchange(req))),
      options,
    );
  const findings: Finding[] = [];
  const overall = await check((req, answer) => problemsOf(op, answer, req.expect).length === 0);
  if (overall.failed) {
    for (const kind of PROBLEM_KINDS) {
      const hasKind = (req: GenRequest, answer: Exchange) =>
        problemsOf(op, answer, req.expect).some((p) => p.kind === kind);
      const result = await check((req, answer) => !hasKind(req, answer));
      if (!result.failed || !result.counterexample) continue;
      const [req] = result.counterexample;
      const answer = await exchange(req);
      const problem = problemsOf(op, answer, req.expect).find((p) => p.kind === kind);
      findings.push({
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
  return { findings, cases: answers.size };
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
    lines.push(`    shrunk by fast-check: seed ${f.seed}${f.path ? `, path "${f.path}"` : ""}`);
  }
  lines.push(replayHint());
  return lines.join("\n");
}
