/**
 * E2E: the stats count each direction the right way round. A user writes twice and Zapa answers
 * once (the second message is media without a caption, stored and not answered), so the two
 * counts differ and a swap shows.
 */
import assert from "node:assert/strict";
import { chat, configureLlm, createUser, sendWhatsApp } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { suiteTest } from "../../lib/target.ts";

// rules: R-MSG-8, R-SILENCE-3
suiteTest(
  "e2e: stats count the user's messages as sent and Zapa's replies as received",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    await chat(user, "one message that is answered");
    await sendWhatsApp(user.phone, "", { type: "image" });
    const stats = await eventually(async () => {
      const s = await user.api.stats();
      return s.json.total_messages === 3 ? s.json : undefined;
    }, { timeoutMs: 15_000, message: "3 messages in the stats (2 written, 1 reply)" });
    assert.equal(stats.messages_sent, 2, "messages_sent counts what the user wrote");
    assert.equal(stats.messages_received, 1, "messages_received counts Zapa's replies");
  },
);
