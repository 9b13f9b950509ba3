import assert from "node:assert/strict";
import { createUser, startPostgres, type TestPostgres } from "../public/testing.ts";
import { messageStats } from "./stats.ts";

let pg: TestPostgres | undefined;

Deno.test.beforeAll(async () => {
  pg = await startPostgres();
});
Deno.test.afterAll(async () => {
  await pg?.stop();
});

// rules: R-MSG-8
Deno.test("message stats: an empty history gives zeros and null dates", async () => {
  const sql = pg!.sql;
  const user = await createUser(sql, "+15550000001");
  const stats = await messageStats(sql, user, { daily: true });
  assert.equal(stats.total_messages, 0);
  assert.equal(stats.messages_sent, 0);
  assert.equal(stats.messages_received, 0);
  assert.equal(stats.first_message_date, null);
  assert.equal(stats.last_message_date, null);
  assert.equal(stats.average_messages_per_day, 0);
  assert.equal(stats.daily!.length, 30);
  assert.ok(stats.daily!.every((d) => d.count === 0));
});

// rules: R-MSG-8
Deno.test("message stats: counts by direction, average and zero-filled daily", async () => {
  const sql = pg!.sql;
  const user = await createUser(sql, "+15550000002");
  const other = await createUser(sql, "+15550000003");
  const now = new Date("2026-03-10T12:00:00.000Z");
  const rows = [
    ["inbound", "2026-03-01T10:00:00.000Z"],
    ["outbound", "2026-03-01T10:00:01.000Z"],
    ["inbound", "2026-03-09T23:59:59.999Z"],
    ["system", "2026-03-10T00:00:00.000Z"],
    ["inbound", "2026-03-10T11:00:00.000Z"],
  ] as const;
  for (const [direction, at] of rows) {
    await sql`INSERT INTO messages (user_id, content, direction, created_at)
      VALUES (${user}, 'x', ${direction}, ${at})`;
  }
  await sql`INSERT INTO messages (user_id, content, direction) VALUES (${other}, 'y', 'inbound')`;

  const stats = await messageStats(sql, user, { daily: true, now });
  assert.equal(stats.total_messages, 5);
  assert.equal(stats.messages_sent, 3);
  assert.equal(stats.messages_received, 1);
  assert.equal(stats.first_message_date, "2026-03-01T10:00:00.000Z");
  assert.equal(stats.last_message_date, "2026-03-10T11:00:00.000Z");
  // 9 whole days since the first message.
  assert.equal(stats.average_messages_per_day, 0.56);
  const daily = stats.daily!;
  assert.equal(daily.length, 30);
  assert.equal(daily[0]!.day, "2026-02-09");
  assert.equal(daily[29]!.day, "2026-03-10");
  const byDay = Object.fromEntries(daily.map((d) => [d.day, d.count]));
  assert.equal(byDay["2026-03-01"], 2);
  assert.equal(byDay["2026-03-09"], 1);
  assert.equal(byDay["2026-03-10"], 2);
  assert.equal(daily.reduce((n, d) => n + d.count, 0), 5);

  const without = await messageStats(sql, user, { daily: false, now });
  assert.equal("daily" in without, false);
});

// rules: R-MSG-8, R-DATA-2
Deno.test("message stats: counters follow deletes, updates and cascades", async () => {
  const sql = pg!.sql;
  const user = await createUser(sql, "+15550000004");
  const ids = await sql<{ id: number }[]>`INSERT INTO messages (user_id, content, direction)
    SELECT ${user}, 'm' || g, CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END
      FROM generate_series(1, 10) g RETURNING id`;
  assert.equal((await messageStats(sql, user)).total_messages, 10);
  await sql`DELETE FROM messages WHERE id = ${ids[0]!.id}`;
  await sql`UPDATE messages SET direction = 'inbound' WHERE id = ${ids[2]!.id}`;
  await sql`UPDATE messages SET status = 'sent' WHERE id = ${ids[3]!.id}`;
  const stats = await messageStats(sql, user);
  assert.equal(stats.total_messages, 9);
  assert.equal(stats.messages_sent, 6);
  assert.equal(stats.messages_received, 3);
  // A user's deletion cascades through messages and counters without error.
  await sql`DELETE FROM users WHERE id = ${user}`;
  assert.equal((await messageStats(sql, user)).total_messages, 0);
});

// rules: R-MSG-8
Deno.test("message stats: an average rounds to 2 decimals over at least one day", async () => {
  const sql = pg!.sql;
  const user = await createUser(sql, "+15550000005");
  await sql`INSERT INTO messages (user_id, content, direction) SELECT ${user}, 'a', 'inbound'
    FROM generate_series(1, 7)`;
  const stats = await messageStats(sql, user);
  assert.equal(stats.average_messages_per_day, 7);
});
