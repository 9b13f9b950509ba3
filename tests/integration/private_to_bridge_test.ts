/**
 * Integration, private → bridge delivery (R-DELIVERY-*): the send request exactly as the
 * bridge journal recorded it, the bridge's message id and receipts written back to the reply
 * row, and per-recipient order of several replies.
 *
 * Transient vs permanent classification (5xx retried, other 4xx dead-lettered after 3 tries)
 * runs here with the send fault narrowed to the test's own number (`send_fail_to`), so suites
 * sharing the stack keep their deliveries. The drain on reconnect needs the whole session down
 * (`offline`, `disconnect_session`), which would hit everyone: it lives in tests/failure/.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import { bridgeControl, chat, configureLlm, createUser, sendWhatsApp } from "../../lib/fixtures.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import { storedReply } from "./helpers.ts";

const LOGS = () => logTail(["private", "bridge"]);

// rules: R-DELIVERY-1
suiteTest(
  "integration: a reply goes to the bridge as {type, to, text} on the configured session",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    const { reply, text } = await chat(user, "shape check");
    assert.equal(text, 'You said: "shape check"');
    // Exactly the documented body: no extra fields, `to` as +<digits>.
    assert.deepEqual(reply.body, { type: "text", to: user.phone, text });
    assert.match(reply.to, /^\+\d+$/);
    assert.equal(reply.session_id, target.session_id);
    // The mock requires the API key on this route: an accepted send proves the Bearer key.
    assert.equal(reply.rejected, false);
    assert.equal(reply.http_status, 200);
    assert.ok(reply.message_id, "the bridge answered with data.messageId");
  },
);

// rules: R-DELIVERY-1, R-WEBHOOK-6, R-INTAKE-8
suiteTest(
  "integration: the bridge's message id and receipts are written to the reply row",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    const { reply, messageId } = await chat(user, "track my reply");
    const row = await eventually(async () => {
      const stored = await storedReply(user, messageId);
      return stored.status === "read" ? stored : null;
    }, { timeoutMs: 15_000, message: "the reply row with status read", onTimeout: LOGS });
    assert.equal(row.whatsapp_message_id, reply.message_id);
    assert.equal(row.content, reply.text);
    assert.equal(row.direction, "outbound");
  },
);

// rules: R-ORDER-3
suiteTest("integration: several replies to one recipient are sent in order", async () => {
  const user = await createUser();
  await configureLlm(user);
  const since = await bridgeControl.lastSeq();
  const texts = ["one", "two", "three", "four", "five"];
  // Sent back to back: the agent answers a user's messages oldest first and delivery keeps
  // per-recipient enqueue order.
  for (const text of texts) await sendWhatsApp(user.phone, `order ${text}`);
  const sent = await bridgeControl.waitForSent({
    to: user.phone,
    since,
    count: texts.length,
    timeoutMs: 30_000,
  });
  assert.deepEqual(
    sent.map((s) => s.text),
    texts.map((t) => `You said: "order ${t}"`),
  );
  const after = await bridgeControl.sent({ to: user.phone, since });
  assert.equal(after.items.length, texts.length, "no extra sends");
});

// rules: R-ORDER-3, R-ORDER-4
suiteTest("integration: replies to two recipients each keep their own order", async () => {
  const [a, b] = await Promise.all([createUser(), createUser()]);
  await Promise.all([configureLlm(a!), configureLlm(b!)]);
  const since = await bridgeControl.lastSeq();
  for (const n of [1, 2, 3]) {
    await sendWhatsApp(a!.phone, `a${n}`);
    await sendWhatsApp(b!.phone, `b${n}`);
  }
  for (const [user, label] of [[a!, "a"], [b!, "b"]] as const) {
    const sent = await bridgeControl.waitForSent({ to: user.phone, since, count: 3 });
    assert.deepEqual(sent.map((s) => s.text), [1, 2, 3].map((n) => `You said: "${label}${n}"`));
  }
});

/** Runs `body` with the bridge failing sends to `phone` only, then clears the fault. */
async function withSendFault<T>(
  phone: string,
  fault: { send_status: number; send_fail_times?: number },
  body: () => Promise<T>,
): Promise<T> {
  await bridgeControl.faults({ send_fail_times: null, ...fault, send_fail_to: phone });
  try {
    return await body();
  } finally {
    await bridgeControl.faults({ send_fail_times: null, send_status: null, send_fail_to: null });
  }
}

// rules: R-DELIVERY-2
suiteTest(
  "integration: a 503 from the bridge is transient: retried past 3 attempts, then delivered once",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    const since = await bridgeControl.lastSeq();
    // Four failures: more than the 3 attempts a permanent failure gets, so only a transient
    // classification still delivers.
    const sent = await withSendFault(
      user.phone,
      { send_status: 503, send_fail_times: 4 },
      async () => {
        await sendWhatsApp(user.phone, "flaky bridge");
        return await bridgeControl.waitForSent({ to: user.phone, since, timeoutMs: 20_000 });
      },
    );
    assert.equal(sent[0]!.text, 'You said: "flaky bridge"');
    const attempts = await bridgeControl.sent({ to: user.phone, since, all: true });
    assert.deepEqual(
      attempts.items.map((i) => i.http_status),
      [503, 503, 503, 503, 200],
      "four refused attempts, then one accepted; nothing after",
    );
  },
);

// rules: R-DELIVERY-3
suiteTest(
  "integration: a 422 from the bridge is permanent: 3 attempts, then the reply row is failed",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    const since = await bridgeControl.lastSeq();
    await withSendFault(user.phone, { send_status: 422 }, async () => {
      const { messageId } = await sendWhatsApp(user.phone, "doomed");
      await eventually(async () => (await storedReply(user, messageId)).status === "failed", {
        timeoutMs: 20_000,
        message: "the reply row marked failed",
        onTimeout: LOGS,
      });
    });
    const attempts = await bridgeControl.sent({ to: user.phone, since, all: true });
    assert.deepEqual(
      attempts.items.map((i) => i.http_status),
      [422, 422, 422],
      "exactly three attempts, all refused",
    );
  },
);
