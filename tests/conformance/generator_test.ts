/**
 * Conformance: the generators themselves are checked against the documents they come from —
 * every "valid" request they make is valid by ajv, so a refusal the group reports is the
 * server's disagreement, not the generator's.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { suiteTest } from "../../lib/target.ts";
import { allOperations, danglingRefs, loadDocument } from "./_openapi.ts";
import { expectationOf, hostileCases, validRequest } from "./_generate.ts";
import { seedFor } from "./_profile.ts";
import type { Sandbox } from "./_sandbox.ts";
import { hasForbiddenText, schemaErrors } from "./_verdict.ts";

/** Generation only: no request is sent, so the sandbox needs no real credentials. */
const offline: Sandbox = {
  user: { id: 1, phone: "+15550000000", token: "unused", api: null as never },
  adminToken: "unused",
  ownedUserIds: [1],
};

suiteTest(
  "conformance: generated valid requests are valid by their published schemas",
  async () => {
    const problems: string[] = [];
    for (const op of await allOperations()) {
      for (
        const req of fc.sample(validRequest(op, offline), { seed: seedFor(op.id), numRuns: 40 })
      ) {
        for (const param of op.parameters) {
          const value = (param.in === "path" ? req.path : req.query)[param.name];
          if (value === undefined) continue;
          const error = schemaErrors(param.schema, String(value), { coerce: true });
          if (error) problems.push(`${op.id} ${param.name}=${JSON.stringify(value)}: ${error}`);
        }
        if (op.body && req.body !== undefined) {
          const error = schemaErrors(op.body.schema, req.body);
          if (error || hasForbiddenText(req.body)) {
            problems.push(`${op.id} body ${JSON.stringify(req.body).slice(0, 200)}: ${error}`);
          }
        }
        assert.equal(expectationOf(op, req), "valid", `${op.id}: ${JSON.stringify(req)}`);
      }
    }
    assert.deepEqual(problems.slice(0, 10), []);
  },
);

suiteTest(
  "conformance: hostile text (NUL, lone surrogates) always makes a request one to refuse",
  async () => {
    let checked = 0;
    for (const op of await allOperations()) {
      for (const hostile of hostileCases(op, offline)) {
        if (!/^(NUL|a lone high surrogate) in body\./.test(hostile.label)) continue;
        const [req] = fc.sample(hostile.arbitrary, {
          seed: seedFor(op.id, hostile.label),
          numRuns: 1,
        });
        assert.equal(req!.expect, "invalid", `${op.id}: ${hostile.label}`);
        checked++;
      }
    }
    assert.ok(checked > 10, `only ${checked} text fields found in the published bodies`);
  },
);

suiteTest("conformance: every $ref of the published documents points at a definition", async () => {
  for (const entrypoint of ["public", "private"] as const) {
    const loaded = await loadDocument(entrypoint);
    assert.deepEqual(danglingRefs(loaded), [], `${loaded.source}: $refs to nothing`);
  }
});
