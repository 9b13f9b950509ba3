/**
 * Receipts on a real PostgreSQL: both statements that apply them — one at a time (the path taken
 * while Redis is down) and in batches (ingest) — move a reply's status forward only.
 */
import assert from "node:assert/strict";
import { createSql } from "../db/mod.ts";
import { applyStatus, applyStatuses } from "./inbound_store.ts";
import { TestPostgres } from "../testing/mod.ts";

// rules: R-WEBHOOK-6
Deno.test("inbound store: receipts move a reply's status forward only, alone or in batches", async () => {
  const pg = await TestPostgres.create();
  const sql = createSql(pg.url, { max: 2 });
  try {
    const [u] = await sql<{ id: number }[]>`
      INSERT INTO users (phone_number) VALUES ('+15550009876') RETURNING id`;
    const status = async (waId: string) =>
      (await sql<{ status: string }[]>`
        SELECT status FROM messages WHERE whatsapp_message_id = ${waId}`)[0]!.status;
    for (const waId of ["WA-ONE", "WA-BATCH", "WA-FAILED"]) {
      await sql`INSERT INTO messages (user_id, direction, content, status, whatsapp_message_id)
        VALUES (${u!.id}, 'outbound', 'a reply', 'sent', ${waId})`;
    }

    assert.equal(await applyStatus(sql, "WA-ONE", "read"), "applied");
    assert.equal(await applyStatus(sql, "WA-ONE", "delivered"), "unchanged");
    assert.equal(await applyStatus(sql, "WA-ONE", "sent"), "unchanged");
    assert.equal(await status("WA-ONE"), "read");
    assert.equal(await applyStatus(sql, "WA-UNKNOWN", "read"), "unknown");

    await applyStatuses(sql, [{ waId: "WA-BATCH", status: "read" }]);
    await applyStatuses(sql, [{ waId: "WA-BATCH", status: "delivered" }]);
    assert.equal(await status("WA-BATCH"), "read");

    await applyStatus(sql, "WA-FAILED", "failed");
    await applyStatus(sql, "WA-FAILED", "read");
    await applyStatuses(sql, [{ waId: "WA-FAILED", status: "delivered" }]);
    assert.equal(await status("WA-FAILED"), "failed", "failed is final");
  } finally {
    await sql.end({ timeout: 1 });
    await pg.destroy();
  }
});
