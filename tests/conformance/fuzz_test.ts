/**
 * Conformance: every published operation, called with generated valid requests and with
 * generated hostile ones (one thing broken at a time), answers as its document says. One test
 * per kind of defect, each listing every operation affected with its shrunk minimal request.
 */
import assert from "node:assert/strict";
import { suiteTest } from "../../lib/target.ts";
import { allOperations, documentSources } from "./_openapi.ts";
import { type CampaignResult, type Finding, report, runCampaign } from "./_campaign.ts";
import { PROFILE, recordFigures, SEED } from "./_profile.ts";
import { getSandbox, NOT_FUZZED } from "./_sandbox.ts";
import type { ProblemKind } from "./_verdict.ts";

let campaign: Promise<{ valid: CampaignResult; hostile: CampaignResult }> | null = null;

/** Both passes, run once for all the tests of this file. */
function fuzzed() {
  campaign ??= (async () => {
    const started = performance.now();
    const box = await getSandbox();
    const operations = (await allOperations()).filter((op) => !(op.id in NOT_FUZZED));
    const sources = await documentSources();
    console.log(
      `conformance: fuzzing ${operations.length} operations (documents: ${sources.public}, ` +
        `${sources.private}; ${PROFILE.name} profile, seed ${SEED})`,
    );
    const valid = await runCampaign(operations, "valid", box);
    const hostile = await runCampaign(operations, "hostile", box);
    const findings: Record<string, number> = {};
    for (const f of [...valid.findings, ...hostile.findings]) {
      findings[f.kind] = (findings[f.kind] ?? 0) + 1;
    }
    await recordFigures("fuzz", {
      operations: valid.operations,
      cases: valid.cases + hostile.cases,
      seconds: (performance.now() - started) / 1000,
      findings,
    });
    return { valid, hostile };
  })();
  return campaign;
}

async function findingsOf(kind: ProblemKind): Promise<Finding[]> {
  const { valid, hostile } = await fuzzed();
  return [...valid.findings, ...hostile.findings].filter((f) => f.kind === kind);
}

const KINDS: Array<[ProblemKind, string]> = [
  ["server_error", "no generated request, valid or hostile, gets a 5xx or a stack trace"],
  ["valid_refused", "requests valid by the published schemas are not refused with 400 or 422"],
  [
    "invalid_accepted",
    "requests the published schemas refuse, and text with U+0000 or a lone surrogate, get a 4xx",
  ],
  ["undocumented_status", "every status an operation answers is documented for it"],
  ["schema_mismatch", "every answer's body matches the schema documented for its status"],
];

for (const [kind, title] of KINDS) {
  suiteTest(`conformance: ${title}`, async () => {
    const findings = await findingsOf(kind);
    assert.ok(findings.length === 0, report(title, findings));
  });
}

suiteTest("conformance: the campaign exercised every published operation", async () => {
  const { valid, hostile } = await fuzzed();
  const published = (await allOperations()).map((op) => op.id);
  const fuzzed_ = new Set(valid.operations);
  const missing = published.filter((id) => !fuzzed_.has(id) && !(id in NOT_FUZZED));
  assert.deepEqual(missing, [], "operations the campaign did not reach");
  assert.ok(published.length >= 10, `only ${published.length} operations published`);
  assert.ok(
    valid.cases >= published.length && hostile.cases >= published.length,
    `too few cases: ${valid.cases} valid, ${hostile.cases} hostile`,
  );
});
