/**
 * Integration, bridge → private: the webhook is acknowledged before any of the work it starts
 * (R-INTAKE-10, its second half). The user's provider hangs, so an acknowledgement that waited
 * for the agent would take at least the LLM timeout (5 s in the test profile); the bridge's own
 * record of the attempt says how long Zapa took to answer. The first half, p95 ≤ 10 ms, is a
 * budget on shared cores: `deno task bench webhook_ack` measures it.
 */
import assert from "node:assert/strict";
import { bridgeControl } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { startHangingTurn } from "./helpers.ts";

// rules: R-INTAKE-10
suiteTest(
  "integration: the webhook is answered while the agent's provider still hangs (work after the acknowledgement is asynchronous)",
  async () => {
    // The agent has called the provider, which is holding the call: the work is under way.
    const { sent } = await startHangingTurn("will you answer at once?");
    const page = await bridgeControl.webhooks({
      message_id: sent.messageId,
      event_type: "message.received",
      waitMs: 5_000,
    });
    const answered = page.items.filter((a) => a.status === 200);
    assert.equal(answered.length, 1, `one accepted attempt, saw ${JSON.stringify(page.items)}`);
    // Far below the 5 s the hanging call will take, and generous for a loaded 2-core box.
    assert.ok(
      answered[0]!.duration_ms < 2_000,
      `the webhook took ${answered[0]!.duration_ms} ms: it waited for the agent`,
    );
  },
);
