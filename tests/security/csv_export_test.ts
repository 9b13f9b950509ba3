/**
 * Security: a CSV export cannot carry a spreadsheet formula. Messages that start like one,
 * sent over WhatsApp, come back in the CSV with a leading `'`, and never as the bare formula.
 */
import assert from "node:assert/strict";
import { createUser, sendWhatsApp } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { suiteTest } from "../../lib/target.ts";

const FORMULAS = ["=1+2", "+SUM(7)", "-3+4", "@cmd"];

// rules: R-MSG-7
suiteTest("security: a CSV export quotes every cell that starts like a formula", async () => {
  const user = await createUser();
  for (const text of FORMULAS) await sendWhatsApp(user.phone, text);
  // The content column is followed by caption and whatsapp_message_id: `,<content>,<caption>,…`.
  const csv = await eventually(async () => {
    const res = await user.api.exportMessages("csv");
    return FORMULAS.every((f) => res.text.includes(f)) ? res.text : undefined;
  }, { timeoutMs: 15_000, message: "every formula-like message in the CSV export" });
  for (const formula of FORMULAS) {
    assert.ok(csv.includes(`,'${formula},`), `${formula} must be exported as '${formula}`);
    assert.ok(!csv.includes(`,${formula},`), `${formula} was exported bare`);
  }
});
