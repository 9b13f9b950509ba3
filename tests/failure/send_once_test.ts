/**
 * Failure: send once (R-INTAKE-8). When the bridge accepts a reply but Zapa cannot record
 * it — PostgreSQL is down at that moment — the delivery job is retried; the send-once marker
 * must turn those retries into "record only", never a second WhatsApp message.
 */
import assert from "node:assert/strict";
import { bridgeControl } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import { talkers, waitForReadiness, withServiceDown } from "./_drill.ts";

const serial = { needs: ["control"] as const, sanitizeOps: false, sanitizeResources: false };

// rules: R-INTAKE-8
// tier: internal — parses our delivery log lines
suiteTest(
  "failure: a reply the bridge accepted while PostgreSQL is down is recorded later, never resent",
  serial,
  async () => {
    const [user] = await talkers(1);
    const since = await bridgeControl.lastSeq();
    const text = "send me exactly once";
    const expected = `You said: "${text}"`;
    const logs = () => logTail(["private", "bridge", "postgres"]);

    // 1. The bridge is offline: the reply is generated and stored, but stays queued.
    await bridgeControl.faults({ offline: true });
    let replyId: number;
    try {
      const { message_id } = await bridgeControl.inbound({ from: user!.phone, text });
      const inbound = await eventually(async () => {
        const list = await user!.api.messages({ direction: "inbound", limit: 5 });
        return list.json.items?.find((m) => m.whatsapp_message_id === message_id);
      }, { timeoutMs: 20_000, message: "the inbound row", onTimeout: logs });
      const job = `"job":"reply:${inbound.id}"`;
      const reply = await eventually(async () => {
        const list = await user!.api.messages({ direction: "outbound", limit: 5 });
        return list.json.items?.find((m) => m.content === expected && m.status === "queued");
      }, { timeoutMs: 20_000, message: "the reply row, queued", onTimeout: logs });
      replyId = reply.id;

      // 2. PostgreSQL goes down, then the bridge comes back: the send succeeds, recording fails.
      await withServiceDown("postgres", async () => {
        await bridgeControl.faults({ offline: false });
        const [first] = await bridgeControl.waitForSent({
          to: user!.phone,
          since,
          timeoutMs: 20_000,
        });
        // The fact that the job was retried after the accepted send (recording kept failing).
        await eventually(async () => {
          const log = await target.control!.logs("private", 400);
          const retries = log.split("\n").filter((l) =>
            l.includes("delivery: job interrupted") && l.includes(job) &&
            (/"ts":"([^"]+)"/.exec(l)?.[1] ?? "") >= first!.at
          );
          return retries.length >= 3;
        }, {
          timeoutMs: 20_000,
          message: "three delivery retries while PostgreSQL is down",
          onTimeout: logs,
        });
      });
    } finally {
      await bridgeControl.faults({ offline: false });
    }

    // 3. PostgreSQL is back: the row is recorded as sent, and the phone got one message.
    await waitForReadiness(target.urls.private, { ready: true }, 30_000);
    await eventually(async () => {
      const list = await user!.api.messages({ direction: "outbound", limit: 5 });
      const row = list.json.items?.find((m) => m.id === replyId);
      return row && row.status !== "queued" && row.whatsapp_message_id ? row : undefined;
    }, { timeoutMs: 20_000, message: "the reply row recorded as sent", onTimeout: logs });
    const sent = await bridgeControl.sent({ to: user!.phone, since });
    const copies = sent.items.filter((i) => i.text === expected);
    if (copies.length !== 1) {
      assert.fail(
        `expected 1 accepted send of ${JSON.stringify(expected)}, saw ${copies.length}: ` +
          `${JSON.stringify(sent.items.map((i) => [i.text, i.at]))}\n${await logs()}`,
      );
    }
  },
);
