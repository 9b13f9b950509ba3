/**
 * The documents Zapa serves at `/openapi.json` are the ones committed in `spec/openapi/`:
 * this fails when a route changes and `deno task spec` was not run.
 */
import assert from "node:assert/strict";
import { servedDocuments, SPEC_FILES } from "./write.ts";

Deno.test("spec: spec/openapi/*.json equal what both entrypoints serve at /openapi.json", async () => {
  const served = await servedDocuments();
  for (const name of ["public", "private"] as const) {
    const committed = await Deno.readTextFile(SPEC_FILES[name]).catch(() => "(missing)");
    assert.ok(
      committed === served[name],
      `${SPEC_FILES[name]} differs from what the ${name} entrypoint serves at /openapi.json: ` +
        "run `deno task spec` and commit the result",
    );
  }
});

Deno.test("spec: every $ref in the published documents resolves", async () => {
  const served = await servedDocuments();
  for (const name of ["public", "private"] as const) {
    const doc = JSON.parse(served[name]);
    const refs = [...served[name].matchAll(/"\$ref": "#\/components\/schemas\/([^"]+)"/g)]
      .map((m) => m[1]!);
    const dangling = [...new Set(refs)].filter((r) => !doc.components?.schemas?.[r]);
    assert.deepEqual(dangling, [], `${name}: $refs to schemas it does not define`);
  }
});
