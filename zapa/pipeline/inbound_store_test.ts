/**
 * Receipts on a real PostgreSQL: both statements that apply them — one at a time (the path taken
 * while Redis is down) and in batches (ingest) — move a reply's status forward only.
 */
import assert from "node:assert/strict";
import { createSql } from "../db/mod.ts";
import { applyStatus, applyStatuses } from "./inbound_store.ts";
import { rowsRead, TestPostgres } from "../testing/mod.ts";

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

// rules: R-WEBHOOK-6
Deno.test("inbound store: a batch of receipts probes its ids even when the table outgrew the plan's statistics", async () => {
  const pg = await TestPostgres.create();
  const sql = createSql(pg.url, { max: 1 });
  try {
    const [u] = await sql<{ id: number }[]>`
      INSERT INTO users (phone_number) VALUES ('+15550009877') RETURNING id`;
    const reply = (waId: string) =>
      sql`INSERT INTO messages (user_id, direction, content, status, whatsapp_message_id)
        VALUES (${u!.id}, 'outbound', 'a reply', 'sent', ${waId})`;
    // A fresh stack: the statement is prepared and its plan cached while the table is tiny
    // (postgres.js prepares; after five runs PostgreSQL may keep a generic plan).
    for (let i = 0; i < 8; i++) {
      await reply(`WA-EARLY-${i}`);
      await applyStatuses(sql, [{ waId: `WA-EARLY-${i}`, status: "delivered" }]);
    }
    // Then the table grows faster than autovacuum analyses it, as under load.
    await sql`
      INSERT INTO messages (user_id, direction, content, status, whatsapp_message_id)
      SELECT ${u!.id}, 'outbound', 'reply ' || i, 'sent', 'WA-LATER-' || i
        FROM generate_series(1, 5000) i`;
    const batch = Array.from({ length: 10 }, (_, i) => ({
      waId: `WA-LATER-${i + 1}`,
      status: "read" as const,
    }));
    const read = await rowsRead(sql, "messages", async () => {
      assert.equal((await applyStatuses(sql, batch)).size, 10);
    });
    const [done] = await sql<{ n: string }[]>`
      SELECT count(*) AS n FROM messages WHERE whatsapp_message_id LIKE 'WA-LATER-%'
        AND status = 'read'`;
    assert.equal(Number(done!.n), 10);
    // The pulled-up join read 5 018 rows for these 10 (seen before `OFFSET 0`); probing the
    // unique index reads each receipt's row and the row its update then fetches: 20.
    assert.ok(read < 100, `applying 10 receipts read ${read} message rows`);
  } finally {
    await sql.end({ timeout: 1 });
    await pg.destroy();
  }
});
