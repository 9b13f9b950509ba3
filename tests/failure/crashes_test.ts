/**
 * Failure: processes die mid-flow (kill -9) and faults at the bridge — Zapa must neither lose
 * nor duplicate (R-OUTAGE-7 "a worker crash at any point", R-DELIVERY-* delivery rules).
 */
import assert from "node:assert/strict";
import {
  admin,
  bridgeControl,
  publicApi,
  requestCode,
  signIn,
  uniquePhone,
} from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import {
  assertExactlyOneReplyEach,
  type Injected,
  settleWebhooks,
  stackReady,
  talkers,
  waitForReadiness,
  WEBHOOK_ATTEMPTS,
} from "./_drill.ts";
import { instanceMetric, report } from "./_traffic.ts";
import type { ControlledService } from "../../lib/stack/mod.ts";

const serial = { needs: ["control"] as const, sanitizeOps: false, sanitizeResources: false };

/**
 * 100 messages from 10 users, each user writing as fast as the bridge takes it, so every user has
 * replies queued; private is killed (-9) once 30 are in and replies are going out, started again,
 * and every accepted message must get exactly one reply. With `bridgeLatencyMs` every bridge
 * call takes that long, so about one send per user is open at the kill: some reached the bridge,
 * some not, which is what Zapa's in-doubt rule must sort out (only the bridge's receipts, which
 * name no recipient, tell them apart).
 */
async function killPrivateMidFlight(options: { bridgeLatencyMs: number }): Promise<void> {
  // With replicas, the others are stopped first: this drill is about the one instance serving.
  const [first, ...others] = (target.instances?.private ?? []).map((i) =>
    i.name as ControlledService
  );
  const victim: ControlledService = others.length > 0 ? first! : "private";
  for (const name of others) await target.control!.stop(name);
  try {
    await killOnlyPrivate(victim, options);
  } finally {
    for (const name of others) await target.control!.start(name);
  }
}

async function killOnlyPrivate(
  victim: ControlledService,
  options: { bridgeLatencyMs: number },
): Promise<void> {
  const users = await talkers(10);
  const since = await bridgeControl.lastSeq();
  const injected: Injected[] = [];
  if (options.bridgeLatencyMs > 0) {
    await bridgeControl.faults({ latency_ms: options.bridgeLatencyMs });
  }
  let restartAt: number;
  let killFrom: number;
  let thirtyIn!: () => void;
  const thirty = new Promise<void>((resolve) => thirtyIn = resolve);
  try {
    const sending = Promise.all(users.map(async (user, u) => {
      for (let k = 0; k < 10; k++) {
        const text = `in flight #${k * users.length + u + 1}`;
        const result = await bridgeControl.inbound({ from: user.phone, text });
        injected.push({
          phone: user.phone,
          text,
          messageId: result.message_id,
          webhookStatus: result.webhook?.status ?? null,
        });
        if (injected.length === 30) thirtyIn();
      }
    }));
    await Promise.race([thirty, sending]); // (sending rejects if an injection fails)
    await bridgeControl.waitForSent({ since, timeoutMs: 10_000 }); // replies are going out
    killFrom = Date.now();
    await target.control!.kill(victim);
    await sending; // the bridge keeps retrying webhooks that hit the dead port
    // Until the restart, only the dead process can have sent to these users: a send the bridge
    // journals after the kill was still written by it (the bridge reads it a moment later).
    restartAt = Date.now();
    await target.control!.start(victim);
    await waitForReadiness(target.urls.private, { ready: true }, 30_000);
  } finally {
    if (options.bridgeLatencyMs > 0) await bridgeControl.faults({ latency_ms: 0 });
  }
  // Acknowledged messages (some webhook attempt got a 2xx) must each be answered exactly once.
  // The others hit the dead port on every attempt; the bridge gave up on them, as zapw does —
  // but Zapa may have stored one just before dying, so each may get at most one reply. The
  // bridge retries in the background, so wait until every delivery has settled first.
  const { acknowledged: accepted, unacknowledged } = await settleWebhooks(injected);
  assert.ok(
    accepted.length >= 30,
    `at least the messages sent before the kill were accepted: ${accepted.length}`,
  );
  const victimUrl = target.instances?.private?.find((i) => i.name === victim)?.url ??
    target.urls.private;
  const { repeatedInCrashWindow, repeatedInDoubt } = await assertExactlyOneReplyEach(accepted, {
    since,
    timeoutMs: 90_000,
    maybe: unacknowledged,
    // Sends the bridge accepted in the last 250 ms before the process died may be repeated
    // once: Zapa could not record them, and zapw offers no idempotency key to ask.
    crashWindow: { from: killFrom - 250, to: restartAt },
    // The restarted process counts from 0: its count is the drill's.
    resentInDoubt: () =>
      instanceMetric(victimUrl, "zapa_outbound_in_doubt_total", 'outcome="resent"'),
  });
  assert.ok(
    repeatedInCrashWindow.length <= 10,
    `repeats: ${JSON.stringify(repeatedInCrashWindow)}`,
  );
  const label = `kill -9 drill (bridge latency ${options.bridgeLatencyMs} ms)`;
  // The bridge gave up on `unacknowledged` after its three attempts: for the person on the
  // phone those messages vanished, whatever Zapa did. The verdict states the figure.
  await report(`single_instance_kill_latency_${options.bridgeLatencyMs}ms`, {
    messages: injected.length,
    acknowledged_and_answered_once: accepted.length,
    dropped_by_bridge: unacknowledged.length,
    dropped_but_answered: await answeredAmong(unacknowledged, since),
    repeated_in_crash_window: repeatedInCrashWindow.length,
    repeated_as_resent_in_doubt: repeatedInDoubt.length,
  });
  console.log(
    `${label}: ${accepted.length} of ${injected.length} accepted and answered once each; ` +
      `${unacknowledged.length} DROPPED by the bridge after its ${WEBHOOK_ATTEMPTS} attempts ` +
      `hit the dead instance; ${repeatedInCrashWindow.length} send(s) in flight repeated once`,
  );
}

/** How many of `messages` got a reply anyway (Zapa stored one just before it died). */
async function answeredAmong(messages: Injected[], since: number): Promise<number> {
  let answered = 0;
  for (const m of messages) {
    const page = await bridgeControl.sent({ to: m.phone, since });
    if (page.items.some((i) => i.text === `You said: "${m.text}"`)) answered++;
  }
  return answered;
}

// rules: R-OUTAGE-7, R-INTAKE-4, R-INTAKE-7
suiteTest(
  "failure: kill -9 of private with 100 messages in flight answers every acknowledged one once and counts what the bridge dropped",
  serial,
  () => killPrivateMidFlight({ bridgeLatencyMs: 0 }),
);

// rules: R-OUTAGE-7, R-INTAKE-8
suiteTest(
  "failure: kill -9 of private while replies are mid-send to a slow bridge answers every acknowledged one and counts the drops",
  serial,
  () => killPrivateMidFlight({ bridgeLatencyMs: 30 }),
);

// rules: R-OUTAGE-7, R-CONFIG-1
suiteTest(
  "failure: kill -9 of public mid-login; after restart login works and nothing 500s",
  serial,
  async () => {
    await stackReady();
    const phone = uniquePhone();
    const code = await requestCode(phone);
    await target.control!.kill("public");
    const down = await publicApi.verify(phone, code).catch((error) => error as Error);
    assert.ok(down instanceof Error, "the public port is closed while killed");
    await target.control!.start("public");
    await waitForReadiness(target.urls.public, { ready: true });
    const verify = await publicApi.verify(phone, code);
    assert.equal(
      verify.status,
      200,
      `the code issued before the crash still works: ${verify.text}`,
    );
    const again = await signIn();
    assert.equal((await again.api.me()).status, 200);
  },
);

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
