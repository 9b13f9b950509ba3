/** A tiny suite run by lib/target_test.ts against an external target described by variables. */

import assert from "node:assert/strict";
import { logTail, suiteTest, target } from "../../target.ts";

suiteTest("fixture: runs with what every target has", () => {
  assert.equal(target.kind, "external");
  assert.equal(target.urls.public, "http://127.0.0.1:9");
});

suiteTest("fixture: needs the database", { needs: ["database"] }, () => {
  throw new Error("must not run without a database");
});

suiteTest("fixture: needs service control", { needs: ["control", "secrets"] }, async () => {
  console.log(await logTail(["private"]));
  throw new Error("must not run without service control");
});
