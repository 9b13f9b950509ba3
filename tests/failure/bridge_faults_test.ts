/**
 * Failure: faults at the bridge — duplicate webhooks, transient and permanent send failures, a
 * disconnected session — Zapa must neither lose nor duplicate (R-INTAKE-1, R-INTAKE-3,
 * R-DELIVERY-*). The kill -9 drills are in crashes_test.ts.
 */
import assert from "node:assert/strict";
import { admin, bridgeControl } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, suiteTest } from "../../lib/target.ts";
import { assertExactlyOneReplyEach, type Injected, talkers } from "./_drill.ts";

const serial = { needs: ["control"] as const, sanitizeOps: false, sanitizeResources: false };

// rules: R-INTAKE-1, R-INTAKE-3
suiteTest("failure: duplicate webhooks give one row and one reply", serial, async () => {
  const [user] = await talkers(1);
  const since = await bridgeControl.lastSeq();
  await bridgeControl.faults({ duplicate_webhooks: true });
  let injected: Injected[];
  try {
    injected = [];
    for (let i = 1; i <= 3; i++) {
      const text = `said twice #${i}`;
      const r = await bridgeControl.inbound({ from: user!.phone, text });
      injected.push({
        phone: user!.phone,
        text,
        messageId: r.message_id,
        webhookStatus: r.webhook?.status ?? null,
      });
    }
    // The same messageId again by hand, too.
    const reused = await bridgeControl.inbound({
      from: user!.phone,
      text: "said twice #1",
      messageId: injected[0]!.messageId,
    });
    assert.equal(reused.webhook?.status, 200);
    assert.equal((reused.webhook?.body as { status?: string })?.status, "duplicate");
  } finally {
    await bridgeControl.faults({ duplicate_webhooks: false });
  }
  await assertExactlyOneReplyEach(injected, { since });
  const rows = await user!.api.messages({ direction: "inbound", limit: 100 });
  for (const m of injected) {
    assert.equal(rows.json.items.filter((r) => r.whatsapp_message_id === m.messageId).length, 1);
  }
});

// rules: R-DELIVERY-2
suiteTest("failure: transient send failures are retried and delivered once", serial, async () => {
  const [user] = await talkers(1);
  const since = await bridgeControl.lastSeq();
  await bridgeControl.faults({ send_fail_times: 2, send_status: 503 });
  try {
    const r = await bridgeControl.inbound({ from: user!.phone, text: "flaky bridge" });
    await assertExactlyOneReplyEach([{
      phone: user!.phone,
      text: "flaky bridge",
      messageId: r.message_id,
      webhookStatus: 200,
    }], { since });
  } finally {
    await bridgeControl.faults({ send_fail_times: null, send_status: null });
  }
  const all = await bridgeControl.sent({ to: user!.phone, since, all: true });
  assert.ok(
    all.items.filter((i) => i.rejected).length >= 2,
    "two rejected attempts before success",
  );
});

// rules: R-DELIVERY-3, R-DELIVERY-4, R-ADMIN-6
suiteTest(
  "failure: a permanent send failure is dead-lettered, then requeued and delivered",
  serial,
  async () => {
    const [user] = await talkers(1);
    const adminApi = await admin();
    const since = await bridgeControl.lastSeq();
    await bridgeControl.faults({ send_status: 422 });
    try {
      await bridgeControl.inbound({ from: user!.phone, text: "doomed at first" });
      await eventually(async () => {
        const failed = await adminApi.raw<{ items: Array<{ kind: string }> }>(
          "GET",
          "/api/v1/admin/queue/failed",
        );
        return failed.json.items?.length > 0;
      }, {
        timeoutMs: 30_000,
        message: "a dead letter after 3 permanent failures",
        onTimeout: () => logTail(["private"]),
      });
      const rows = await eventually(async () => {
        const list = await user!.api.messages({ direction: "outbound" });
        return list.json.items.find((m) => m.status === "failed");
      }, { message: "the reply row marked failed" });
      assert.equal(rows.content, 'You said: "doomed at first"');
    } finally {
      await bridgeControl.faults({ send_status: null });
    }
    const requeue = await adminApi.raw<{ requeued: number }>(
      "POST",
      "/api/v1/admin/queue/requeue-failed",
    );
    assert.equal(requeue.status, 200, requeue.text);
    assert.ok(requeue.json.requeued >= 1, `requeued ≥ 1: ${requeue.text}`);
    const [sent] = await bridgeControl.waitForSent({ to: user!.phone, since, timeoutMs: 20_000 });
    assert.equal(sent!.text, 'You said: "doomed at first"');
  },
);

/** Gaps (ms) between the bridge's refused attempts to send to `phone` since `since`. */
async function refusedGaps(phone: string, since: number): Promise<number[]> {
  const page = await bridgeControl.sent({ to: phone, since, all: true });
  const at = page.items.filter((i) => i.rejected).map((i) => Date.parse(i.at));
  return at.slice(1).map((t, i) => t - at[i]!);
}

/** A refused-attempt gap this long means Zapa's next retry is ≥ ~2× as far away. */
const LONG_GAP_MS = 3_500;

// rules: R-WEBHOOK-7, R-DELIVERY-2
suiteTest(
  "failure: a disconnected session holds replies until session.connected drains them",
  serial,
  async () => {
    const users = await talkers(2);
    const since = await bridgeControl.lastSeq();
    await bridgeControl.faults({ disconnect_session: true });
    const injected: Injected[] = [];
    let reconnectedAt = 0;
    let longGap = false;
    try {
      for (const [i, user] of users.entries()) {
        const text = `while disconnected ${i}`;
        const r = await bridgeControl.inbound({ from: user.phone, text });
        injected.push({
          phone: user.phone,
          text,
          messageId: r.message_id,
          webhookStatus: r.webhook?.status ?? null,
        });
      }
      // Watch the refused attempts ("Session not connected") at the bridge until Zapa's
      // backoff has grown past LONG_GAP_MS: its next retry is then seconds away, and only the
      // drain on session.connected can deliver sooner. A stack whose retry cap is shorter
      // (the test profile's 2 s) never gets there; then only delivery is checked.
      longGap = await eventually(async () => {
        const gaps = await refusedGaps(users[0]!.phone, since);
        return gaps.some((g) => g >= LONG_GAP_MS) ? true : null;
      }, { timeoutMs: 20_000, message: "a long retry gap" }).catch(() => false);
    } finally {
      await bridgeControl.faults({ disconnect_session: false });
      reconnectedAt = Date.now();
    }
    await assertExactlyOneReplyEach(injected, { since, timeoutMs: 15_000 });
    const [first] = await bridgeControl.waitForSent({ to: users[0]!.phone, since });
    const delay = Date.parse(first!.at) - reconnectedAt;
    console.log(
      `drain drill: longest refused gap ${
        Math.max(...await refusedGaps(users[0]!.phone, since))
      } ms; delivered ${delay} ms after the reconnect`,
    );
    if (longGap) {
      assert.ok(
        delay < 2_500,
        `expected the queued reply within 2.5 s of session.connected (the drain), ` +
          `saw it after ${delay} ms — as late as an ordinary retry`,
      );
    }
  },
);
