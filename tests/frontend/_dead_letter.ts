/**
 * Makes one of a user's replies a dead letter on the shared stack: three permanent send
 * failures in a row (R-DELIVERY-3), with the bridge fault narrowed to this user's number so
 * suites running beside the caller keep their deliveries.
 */
import assert from "node:assert/strict";
import { admin, bridgeControl, sendWhatsApp, type TestUser } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { uniqueWord } from "./_browser.ts";

interface MessageRow {
  id: number;
  direction: string;
  content: string | null;
  status: string | null;
}

/** The user's rows, newest first, read through the admin API. */
export async function conversation(user: TestUser): Promise<MessageRow[]> {
  const api = await admin();
  const res = await api.raw<{ messages: MessageRow[] }>(
    "GET",
    `/api/v1/admin/users/${user.id}/conversations?page_size=100`,
  );
  assert.equal(res.status, 200, res.text);
  return res.json.messages;
}

/**
 * Sends a message whose reply ends dead-lettered; returns its text and the sent-journal seq
 * before it (to wait for the reply once requeued). Lifts the fault before returning.
 */
export async function deadLetteredReply(
  user: TestUser,
  label = "dead letter",
): Promise<{ text: string; since: number }> {
  let text = "";
  let since = 0;
  try {
    await eventually(async () => {
      text = `${label} ${uniqueWord("dl")}`;
      await bridgeControl.faults({
        send_fail_times: 3,
        send_status: 422,
        send_fail_to: user.phone,
      });
      since = (await sendWhatsApp(user.phone, text)).since;
      return await eventually(async () => {
        const rows = await conversation(user);
        const reply = rows.find((m) => m.direction === "outbound" && m.content?.includes(text));
        if (reply?.status === "failed") return true;
        return reply && reply.status !== "queued" ? "delivered" : null;
      }, { timeoutMs: 20_000, message: `the reply to "${text}" to fail or be delivered` }) === true;
    }, { timeoutMs: 90_000, message: "a dead-lettered reply", intervalMs: 10 });
  } finally {
    await bridgeControl.faults({ send_fail_times: null, send_status: null, send_fail_to: null });
  }
  return { text, since };
}
