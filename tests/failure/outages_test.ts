/**
 * Failure: outages of the bridge (30 s), of both stores at once and of the LLM while messages
 * keep arriving (R-OUTAGE-1, R-OUTAGE-4 to R-OUTAGE-6). Nothing accepted is lost, every message
 * gets exactly one reply after recovery, `/ready` names the failed dependency meanwhile, and Zapa
 * recovers without a restart. The store outages one by one are in store_outages_test.ts.
 */
import assert from "node:assert/strict";
import { admin, bridgeControl, llm, privateApi } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import { jid, messageReceived } from "../../mock_bridge/envelopes.ts";
import {
  assertExactlyOneReplyEach,
  injectDuring,
  OUTAGE_SECONDS,
  stackReady,
  talkers,
  waitForReadiness,
} from "./_drill.ts";

const MESSAGES = 20;
const serial = { needs: ["control"] as const, sanitizeOps: false, sanitizeResources: false };

// rules: R-OUTAGE-1, R-OUTAGE-6, R-INTAKE-7, R-ADMIN-6
suiteTest(
  "failure: a bridge outage queues replies, then drains them exactly once",
  serial,
  async () => {
    const users = await talkers(4);
    const adminApi = await admin();
    const since = await bridgeControl.lastSeq();
    await bridgeControl.faults({ offline: true });
    let injected;
    try {
      await waitForReadiness(target.urls.private, { ready: false, failed: "bridge" });
      injected = await injectDuring(users, {
        count: MESSAGES,
        seconds: OUTAGE_SECONDS,
        label: "bridge outage",
      });
      for (const m of injected) {
        assert.equal(
          m.webhookStatus,
          200,
          "accepted while the bridge is down",
        );
      }
      const queue = await eventually(async () => {
        const q = await adminApi.queue();
        return q.json.outbound?.queued > 0 ? q.json : undefined;
      }, {
        message: "outbound.queued > 0 while the bridge is offline",
        onTimeout: () => logTail(["private"]),
      });
      assert.ok(queue.queued > 0, `top-level queued > 0: ${JSON.stringify(queue)}`);
    } finally {
      await bridgeControl.faults({ offline: false });
    }
    await assertExactlyOneReplyEach(injected, { since });
    await eventually(async () => (await adminApi.queue()).json.outbound?.queued === 0, {
      message: "outbound.queued back to 0",
      timeoutMs: 20_000,
    });
    await waitForReadiness(target.urls.private, { ready: true });
  },
);

// rules: R-OUTAGE-4, R-WEBHOOK-5, R-BRIDGE-5
suiteTest(
  "failure: with both stores down the webhook answers 503 and the bridge retries",
  serial,
  async () => {
    const [user] = await talkers(1);
    const control = target.control!;
    await control.stop("redis");
    try {
      await control.stop("postgres");
      try {
        await waitForReadiness(target.urls.private, { ready: false, failed: "database" });
        const body = messageReceived({
          sessionId: target.session_id,
          origin: "test",
          from: user!.phone,
          to: jid(target.system_number, 1),
          messageId: `BOTHDOWN${crypto.randomUUID()}`,
          text: "both stores down",
        });
        const direct = await privateApi.webhook(body, {
          secret: target.webhook_secret,
          header: true,
        });
        assert.equal(direct.status, 503, direct.text);
        assert.deepEqual(direct.json, { status: "error", error: "storage_unavailable" });
        assert.equal(direct.headers.get("retry-after"), "1");

        const inbound = await bridgeControl.inbound({
          from: user!.phone,
          text: "both stores down",
        });
        assert.equal(inbound.webhook?.status, 503);
        const attempts = await eventually(async () => {
          const page = await bridgeControl.webhooks({ message_id: inbound.message_id });
          return page.items.length >= 2 ? page.items : undefined;
        }, { timeoutMs: 15_000, message: "the bridge to retry the refused webhook" });
        assert.ok(attempts.every((a) => a.status === 503), JSON.stringify(attempts));
        assert.deepEqual(attempts.map((a) => a.attempt).slice(0, 2), [1, 2]);
      } finally {
        await control.start("postgres");
      }
    } finally {
      await control.start("redis");
    }
    await stackReady();
  },
);

// rules: R-OUTAGE-5, R-LLMERR-4
suiteTest(
  "failure: an LLM outage gets exactly one 'temporarily unavailable' reply per message",
  serial,
  async () => {
    const users = await talkers(2);
    const since = await bridgeControl.lastSeq();
    await llm.faults({ status: 503 });
    let injected;
    try {
      injected = await injectDuring(users, {
        count: 6,
        seconds: Math.min(OUTAGE_SECONDS, 10),
        label: "llm outage",
      });
      // Every reply during the outage is the same sentence, so the markers go out after the
      // outage: their distinct answer then proves nothing more was due before them.
      await assertExactlyOneReplyEach(injected, {
        since,
        expectText: (text) =>
          text === "marker after recovery"
            ? `You said: "${text}"`
            : "Sorry, the AI assistant is temporarily unavailable right now. Please try again in a few minutes.",
        services: ["private", "llm"],
        beforeMarkers: () => llm.faults({}).then(() => {}),
      });
    } finally {
      await llm.faults({});
    }
  },
);
