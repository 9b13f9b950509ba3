/**
 * Security: Zapa's logs never show a full phone number. A user signs in, chats and gets a
 * dead-lettered reply (paths that log the number), then neither entrypoint's log holds its digits.
 * A Zapa that logs no phone numbers at all passes too.
 */
import assert from "node:assert/strict";
import { bridgeControl, chat, createUser, sendWhatsApp } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { suiteTest, target } from "../../lib/target.ts";

// rules: R-OUTPUT-5
suiteTest("security: Zapa's logs mask every phone number", { needs: ["control"] }, async () => {
  const user = await createUser();
  await chat(user, "a message so the number passes through intake, agent and delivery");
  // A send the bridge refuses for good: delivery logs the failure with its recipient.
  await bridgeControl.faults({ send_status: 422, send_fail_to: user.phone });
  try {
    const { since } = await sendWhatsApp(user.phone, "this reply is refused");
    // Three refused attempts: the reply is dead-lettered, and delivery logged each failure.
    await bridgeControl.waitForSent({
      to: user.phone,
      since,
      all: true,
      count: 3,
      timeoutMs: 20_000,
    });
  } finally {
    await bridgeControl.faults({ send_status: null, send_fail_to: null });
  }
  // The refused reply is marked failed once delivery gave up on it (and logged why).
  await eventually(async () => {
    const list = await user.api.messages({ limit: 5, direction: "outbound" });
    return list.json.items?.some((m) => m.status === "failed");
  }, { timeoutMs: 15_000, message: "the refused reply marked failed" });
  const digits = user.phone.slice(1);
  const logs = await Promise.all(
    (["private", "public"] as const).map(async (s) => [s, await target.control!.logs(s, 100_000)]),
  );
  for (const [service, text] of logs) {
    const leaks = text!.split("\n").filter((line) => line.includes(digits));
    assert.deepEqual(leaks, [], `${service} logged ${user.phone} unmasked`);
  }
});
