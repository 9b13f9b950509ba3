/**
 * Conformance: authentication as published. An operation that refuses a caller without
 * credentials declares a security scheme the document defines and documents 401 (and 503:
 * token checks fail closed); admin operations also document the 403 a user token gets. Then,
 * on the wire: no token, a malformed token and the other entrypoint's token are all refused.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { suiteTest } from "../../lib/target.ts";
import { allOperations, loadDocument, type Operation } from "./_openapi.ts";
import { describe, type Exchange, type GenRequest, send, toWire } from "./_exchange.ts";
import { validRequest } from "./_generate.ts";
import { recordFigures, replayHint, seedFor } from "./_profile.ts";
import { getSandbox, NOT_FUZZED, type Sandbox, tokenFor } from "./_sandbox.ts";
import { documentedResponse } from "./_verdict.ts";

let cases = 0;
const started = performance.now();

/** The same request without any credential: no bearer token, no API key (webhook secret). */
function withoutCredentials(op: Operation, req: GenRequest): GenRequest {
  const keys = new Set([...op.apiKeys.map((k) => k.name.toLowerCase()), "secret"]);
  const query = Object.fromEntries(
    Object.entries(req.query).filter(([name]) => !keys.has(name.toLowerCase())),
  );
  const headers = Object.fromEntries(
    Object.entries(req.headers ?? {}).filter(([name]) => !keys.has(name.toLowerCase())),
  );
  return { ...req, query, headers };
}

interface Probe {
  op: Operation;
  /** null for the operations the sandbox does not call with valid credentials. */
  withToken: Exchange | null;
  none: Exchange;
  malformed: Exchange;
  /** The other entrypoint's token: a user's on private, the admin's on public. */
  foreign: Exchange;
}

let probes: Promise<Probe[]> | null = null;

async function probeAll(box: Sandbox): Promise<Probe[]> {
  const out: Probe[] = [];
  for (const op of await allOperations()) {
    // Logout with a valid token would spend one: the credential-less probes are what matter.
    const req = fc.sample(validRequest(op, box), { seed: seedFor(op.id, "auth"), numRuns: 1 })[0]!;
    const bare = withoutCredentials(op, req);
    const call = (r: GenRequest, token: string | null) => {
      cases++;
      return send(toWire(op, r, token));
    };
    const foreignToken = op.entrypoint === "public" ? box.adminToken : box.user.token;
    out.push({
      op,
      withToken: op.id in NOT_FUZZED ? null : await call(req, await tokenFor(op, box)),
      none: await call(bare, null),
      malformed: await call(bare, "not-a-jwt"),
      foreign: await call(bare, foreignToken),
    });
  }
  return out;
}

function getProbes(): Promise<Probe[]> {
  probes ??= (async () => {
    const result = await probeAll(await getSandbox());
    await recordFigures("auth", {
      operations: result.map((p) => p.op.id),
      cases,
      seconds: (performance.now() - started) / 1000,
    });
    return result;
  })();
  return probes;
}

/** Operations that turn a caller away without credentials but not with them. */
function needsCredentials(p: Probe): boolean {
  return p.none.status === 401 && p.withToken?.status !== 401;
}

suiteTest(
  "conformance: operations that need credentials declare a security scheme and their 401, 403 and 503",
  async () => {
    const list = await getProbes();
    const failures: string[] = [];
    for (const entrypoint of ["public", "private"] as const) {
      const { document } = await loadDocument(entrypoint);
      const schemes = Object.keys(document.components?.securitySchemes ?? {});
      for (const p of list.filter((p) => p.op.entrypoint === entrypoint)) {
        const problems: string[] = [];
        const secured = p.op.security.length > 0 || needsCredentials(p);
        if (needsCredentials(p) && p.op.security.length === 0) {
          problems.push("refuses a caller without credentials (401) but declares no security");
        }
        const unknown = p.op.security.filter((s) => !schemes.includes(s));
        if (unknown.length) problems.push(`names undefined security schemes ${unknown.join(", ")}`);
        if (secured) {
          for (const status of [401, 503]) {
            if (!p.op.responses[String(status)]) problems.push(`does not document ${status}`);
          }
          const adminOnly = entrypoint === "private" && p.foreign.status === 403;
          if ((adminOnly || /\/admin\//.test(p.op.path)) && !p.op.responses["403"]) {
            problems.push("does not document the 403 a user token gets");
          }
        }
        if (problems.length) failures.push(`  ${p.op.id}: ${problems.join("; ")}`);
      }
    }
    assert.ok(
      failures.length === 0,
      `${failures.length} operation(s) publish their security wrongly:\n${failures.join("\n")}`,
    );
  },
);

suiteTest(
  "conformance: no token, a malformed token or the other entrypoint's token is refused with a documented 401/403",
  async () => {
    const failures: string[] = [];
    for (const p of await getProbes()) {
      if (!(p.op.security.length > 0 || needsCredentials(p))) continue;
      const cases: Array<[string, Exchange, number[]]> = [
        ["no token", p.none, [401]],
        ["a malformed token", p.malformed, [401]],
        [
          p.op.entrypoint === "public" ? "the admin's token" : "a user's token",
          p.foreign,
          p.op.entrypoint === "public" ? [401] : [401, 403],
        ],
      ];
      const wrong: string[] = [];
      let example: [Exchange, string] | null = null;
      for (const [label, answer, allowed] of cases) {
        const problems: string[] = [];
        if (!allowed.includes(answer.status)) {
          problems.push(`HTTP ${answer.status}, expected ${allowed.join(" or ")}`);
        } else if (!documentedResponse(p.op, answer.status)) {
          problems.push(`HTTP ${answer.status} undocumented`);
        }
        if (
          answer.status === 401 && p.op.security.some((s) => /bearer/i.test(s)) &&
          !/^Bearer/i.test(answer.headers.get("www-authenticate") ?? "")
        ) problems.push("no `WWW-Authenticate: Bearer`");
        if (problems.length) {
          wrong.push(`${label}: ${problems.join(", ")}`);
          example ??= [answer, label];
        }
      }
      if (example) {
        failures.push(`  ${p.op.id} — ${wrong.join("; ")}\n${describe(...example)}`);
      }
    }
    assert.ok(
      failures.length === 0,
      `${failures.length} operation(s) answer bad credentials wrongly with the contract:\n${
        failures.join("\n")
      }\n${replayHint()}`,
    );
  },
);
