/**
 * Integration, private → LLM: the timeout path (R-LLMERR-1, R-LLMERR-4 "mock-hang: the request
 * times out"). In a file of its own so `--parallel` runs it beside the rest: 1 call + 3 retries,
 * each cut off after the stack's LLM_TIMEOUT_MS (5 s in the harness's test profile).
 */
import assert from "node:assert/strict";
import { llmCalls, waitForReply } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { startHangingTurn, storedReply, UNAVAILABLE } from "./helpers.ts";

/** The stack's LLM_TIMEOUT_MS, as `lib/stack/services.ts` sets it for the test profile. */
const LLM_TIMEOUT_MS = 5_000;

// rules: R-LLMERR-1, R-LLMERR-4
suiteTest(
  "integration: a hanging provider times out and the user gets the unavailable reply",
  async () => {
    // 1 call + 3 retries, each aborted after LLM_TIMEOUT_MS, plus the retry waits.
    const { user, primary, sent } = await startHangingTurn("are you there?");
    const reply = await waitForReply(user.phone, sent.since, 4 * LLM_TIMEOUT_MS + 20_000);
    assert.equal(reply.text, UNAVAILABLE);
    const all = await llmCalls(primary.fingerprint);
    assert.equal(all.length, 4, `1 call + 3 retries, saw ${all.length}`);
    const stored = await storedReply(user, sent.messageId);
    assert.equal(stored.metadata.error_kind, "timeout", JSON.stringify(stored.metadata));
  },
);
