/**
 * Integration, public → outbound queue (R-LOGIN-*): a login code requested on the public
 * entrypoint goes out through private's delivery (the public side never calls the bridge)
 * with the exact documented text, and is never stored in `messages`.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import { bridgeControl, publicApi, uniquePhone } from "../../lib/fixtures.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import { withSql } from "./helpers.ts";

const LOGS = () => logTail(["public", "private", "bridge"]);
const CODE_TEXT = /^Your Zapa login code is (\d{6})\. It expires in 5 minutes\. Do not share it\.$/;

// rules: R-LOGIN-1, R-LOGIN-9
suiteTest("integration: a login code is delivered over WhatsApp with the exact text", async () => {
  const phone = uniquePhone();
  const since = await bridgeControl.lastSeq();
  const r = await publicApi.requestCode(phone);
  assert.equal(r.status, 200, r.text);
  const [sent] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
  assert.match(sent!.text ?? "", CODE_TEXT);
  assert.deepEqual(sent!.body, { type: "text", to: phone, text: sent!.text });
  assert.equal(sent!.session_id, target.session_id);
  assert.equal(sent!.rejected, false);
  if (target.auth_test_code) {
    // The test profile's fixed code replaces the random one (R-LOGIN-9).
    assert.equal(CODE_TEXT.exec(sent!.text!)![1], target.auth_test_code);
  }
  // The delivered code signs the user in: it is the code the server holds.
  const code = CODE_TEXT.exec(sent!.text!)![1]!;
  const verify = await publicApi.verify(phone, code);
  assert.equal(verify.status, 200, verify.text);
});

// rules: R-LOGIN-1
suiteTest("integration: a login code is never stored as a message", async () => {
  const phone = uniquePhone();
  const since = await bridgeControl.lastSeq();
  assert.equal((await publicApi.requestCode(phone)).status, 200);
  const [sent] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
  const code = CODE_TEXT.exec(sent!.text ?? "")?.[1];
  assert.ok(code, `a code in ${JSON.stringify(sent?.text)}`);
  // Wait until the bridge's receipts for the code send have been through the webhook, so a
  // row created by them (it must not be) would already exist.
  await eventually(async () => {
    const page = await bridgeControl.webhooks({
      message_id: sent!.message_id!,
      event_type: "message.read",
    });
    return page.items.some((i) => i.status === 200);
  }, {
    timeoutMs: 15_000,
    message: "the read receipt of the code send delivered",
    onTimeout: LOGS,
  });

  const verify = await publicApi.verify(phone, code);
  assert.equal(verify.status, 200, verify.text);
  const list = await publicApi.withToken(verify.json.access_token).messages({ limit: 100 });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.total, 0, `messages: ${JSON.stringify(list.json.items)}`);

  if (target.database) {
    const rows = await withSql((sql) =>
      sql`SELECT m.id, m.content FROM messages m JOIN users u ON u.id = m.user_id
          WHERE u.phone_number = ${phone} OR m.whatsapp_message_id = ${sent!.message_id!}`
    );
    assert.deepEqual([...rows], [], "no row holds the code or its send");
  }
});
