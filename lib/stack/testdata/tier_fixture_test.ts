/** A tiny suite run by lib/tier_test.ts: one public and one internal-tier test. */
import { suiteTest } from "../../target.ts";

// rules: R-HARNESS-3
suiteTest("fixture: a public check runs on every target", () => {});

// rules: R-HARNESS-3
// tier: internal — pretends to read our tables
suiteTest("fixture: an internal check", () => {
  if (Deno.env.get("ZAPA_CHECK_INTERNALS") !== "1") throw new Error("must not run on external");
});
