/**
 * Conformance: every published path answers a method it does not document with 405, an
 * `Allow` header naming the methods it does, and `{detail:"Method Not Allowed"}`; unknown
 * query parameters are ignored (the contract's policy), so they never change an answer.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { suiteTest } from "../../lib/target.ts";
import { allOperations, type Operation } from "./_openapi.ts";
import { describe, type Exchange, type GenRequest, send, toWire } from "./_exchange.ts";
import { validRequest } from "./_generate.ts";
import { recordFigures, replayHint, seedFor } from "./_profile.ts";
import { getSandbox, NOT_FUZZED, type Sandbox, tokenFor } from "./_sandbox.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
let cases = 0;
const started = performance.now();

/** One valid request for `op`, the same for a given seed (its path names sandbox rows). */
function sampleRequest(op: Operation, box: Sandbox, salt: string): GenRequest {
  return fc.sample(validRequest(op, box), { seed: seedFor(op.id, salt), numRuns: 1 })[0]!;
}

async function exchange(op: Operation, req: GenRequest, token: string): Promise<Exchange> {
  cases++;
  return await send(toWire(op, req, token));
}

suiteTest("conformance: a method a path does not document gets 405 with Allow", async () => {
  const box = await getSandbox();
  const operations = await allOperations();
  const paths = new Map<string, Operation[]>();
  for (const op of operations) {
    const key = `${op.entrypoint} ${op.path}`;
    paths.set(key, [...(paths.get(key) ?? []), op]);
  }
  const failures: string[] = [];
  for (const ops of paths.values()) {
    const documented = ops.map((op) => op.method);
    const model = ops[0]!;
    const req = sampleRequest(model, box, "methods");
    const wrong: string[] = [];
    let example: Exchange | null = null;
    for (const method of METHODS.filter((m) => !documented.includes(m))) {
      const op: Operation = { ...model, method, body: null };
      const probe: GenRequest = {
        ...req,
        query: {},
        body: ["POST", "PUT", "PATCH"].includes(method) ? {} : undefined,
      };
      const answer = await exchange(op, probe, await tokenFor(model, box));
      const allow = (answer.headers.get("allow") ?? "").split(",").map((m) => m.trim());
      const missing = documented.filter((m) => !allow.includes(m));
      let detail: unknown;
      try {
        detail = JSON.parse(answer.text).detail;
      } catch {
        detail = undefined;
      }
      if (answer.status !== 405 || missing.length > 0 || detail !== "Method Not Allowed") {
        wrong.push(`${method} → ${answer.status} (Allow "${answer.headers.get("allow") ?? ""}")`);
        example ??= answer;
      }
    }
    if (example) {
      failures.push(
        `  ${model.entrypoint.toUpperCase()} ${model.path} (documents ${documented.join(", ")}): ` +
          `${wrong.join(", ")}\n${describe(example, "an undocumented method")}`,
      );
    }
  }
  assert.ok(
    failures.length === 0,
    `${failures.length} path(s) do not answer 405 with Allow and ` +
      `{detail:"Method Not Allowed"}:\n${failures.join("\n")}\n${replayHint()}`,
  );
});

suiteTest("conformance: unknown query parameters are ignored by every GET operation", async () => {
  const box = await getSandbox();
  const operations = (await allOperations()).filter((op) =>
    op.method === "GET" && !(op.id in NOT_FUZZED)
  );
  const failures: string[] = [];
  for (const op of operations) {
    const req = sampleRequest(op, box, "unknown-query");
    const token = await tokenFor(op, box);
    const plain = await exchange(op, req, token);
    const extra = await exchange(op, {
      ...req,
      query: { ...req.query, conformance_unknown: "1", "zz[]": "%00\u202e", _: "" },
    }, token);
    if (plain.status !== extra.status) {
      failures.push(
        `  ${op.id}: HTTP ${plain.status} without, HTTP ${extra.status} with unknown parameters\n` +
          describe(extra, "unknown query parameters added"),
      );
    }
  }
  await recordFigures("methods", {
    operations: (await allOperations()).map((op) => op.id),
    cases,
    seconds: (performance.now() - started) / 1000,
  });
  assert.ok(
    failures.length === 0,
    `${failures.length} operation(s) answer differently when unknown query parameters are ` +
      `added:\n${failures.join("\n")}\n${replayHint()}`,
  );
});
