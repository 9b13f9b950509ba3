/** Prerequisites: probed once per process, a failure blocks every dependent call naming its rule, and is recorded once per run. */
import assert from "node:assert/strict";
import {
  BlockedError,
  parseBlocked,
  PrerequisiteFailure,
  type PrerequisiteRecord,
  requirePrerequisite,
} from "./prerequisites.ts";

// rules: R-HARNESS-5
Deno.test("prerequisites: a failing probe runs once, blocks every caller with its rule and first failure, and is recorded for the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prereq-" });
  Deno.env.set("ZAPA_REPORTS_DIR", dir);
  Deno.env.set("ZAPA_RUN_ID", "run-1");
  try {
    let probes = 0;
    const probe = () => {
      probes++;
      return Promise.reject(new PrerequisiteFailure("R-LOGIN-1", "no login code: timed out\nmore"));
    };
    const errors = await Promise.all(
      [1, 2, 3].map(() => requirePrerequisite("sign-in", "R-LOGIN-4", probe).catch((e) => e)),
    );
    assert.equal(probes, 1);
    for (const e of errors) {
      assert.ok(e instanceof BlockedError);
      assert.equal(e.message, "blocked by R-LOGIN-1 (first failure: no login code: timed out)");
    }
    const rec = JSON.parse(
      await Deno.readTextFile(`${dir}/prerequisites/run-1/sign-in.json`),
    ) as PrerequisiteRecord;
    assert.deepEqual([rec.ok, rec.rule, rec.firstFailure, rec.run], [
      false,
      "R-LOGIN-1",
      "no login code: timed out",
      "run-1",
    ]);
    // A probe that depends on the blocked one passes its verdict on, and records nothing itself.
    await assert.rejects(
      requirePrerequisite("llm-setup", "R-LLMCFG-1", async () => {
        await requirePrerequisite("sign-in", "R-LOGIN-4", probe);
      }),
      /^BlockedError: blocked by R-LOGIN-1 \(first failure: no login code: timed out\)$/,
    );
    await assert.rejects(
      Deno.stat(`${dir}/prerequisites/run-1/llm-setup.json`),
      Deno.errors.NotFound,
    );
    // A plain error is charged to the default rule.
    await assert.rejects(
      requirePrerequisite("delivery", "R-DELIVERY-1", () => Promise.reject(new Error("boom"))),
      /blocked by R-DELIVERY-1 \(first failure: boom\)/,
    );
  } finally {
    Deno.env.delete("ZAPA_REPORTS_DIR");
    Deno.env.delete("ZAPA_RUN_ID");
    await Deno.remove(dir, { recursive: true });
  }
});

// rules: R-HARNESS-5
Deno.test("prerequisites: a failure text is read back as blocked, with its rule and first failure", () => {
  assert.deepEqual(
    parseBlocked(
      "BlockedError: blocked by R-LLMCFG-1 (first failure: HTTP 404 (no route))\n    at x",
    ),
    { rule: "R-LLMCFG-1", firstFailure: "HTTP 404 (no route)" },
  );
  assert.equal(parseBlocked("AssertionError: expected 200"), null);
});
