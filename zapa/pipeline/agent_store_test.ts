/**
 * The agent's store statements on a real PostgreSQL 15: the next message's reply input that
 * `storeReplyAndTakeNext` hands back is the one a separate load reads after its commit.
 */
import assert from "node:assert/strict";
import { createSql, type Sql } from "../db/mod.ts";
import { loadReplyInput } from "../agent/context.ts";
import { claimNextPending, storeReplyAndTakeNext } from "./agent_store.ts";
import { rowsRead, testPhone, TestPostgres } from "../testing/mod.ts";

let pg: TestPostgres;
let sql: Sql;

Deno.test.beforeAll(async () => {
  pg = await TestPostgres.create();
  sql = createSql(pg.url, { max: 2 });
});

Deno.test.afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await pg?.destroy();
});

const reply = {
  text: "the answer",
  metadata: {
    provider: "openai",
    model: "m",
    response_time_ms: 1,
    tool_rounds: 0,
    fallback_used: false,
    error_kind: null,
  },
};

async function userWith(timestamps: Date[]): Promise<{ userId: number; ids: number[] }> {
  const [user] = await sql<{ id: number }[]>`
    INSERT INTO users (phone_number, display_name) VALUES (${testPhone()}, 'U') RETURNING id`;
  await sql`INSERT INTO llm_configs (user_id, priority, provider, api_key_encrypted)
    VALUES (${user!.id}, 0, 'openai', 'enc')`;
  const ids: number[] = [];
  for (const [i, ts] of timestamps.entries()) {
    const [row] = await sql<{ id: number }[]>`
      INSERT INTO messages (user_id, direction, content, "timestamp", agent_status)
      VALUES (${user!.id}, 'inbound', ${`message ${i}`}, ${ts}, 'pending') RETURNING id`;
    ids.push(row!.id);
  }
  return { userId: user!.id, ids };
}

for (
  const [name, offsetsMs] of [
    // The reply (timestamped now) sorts after the next message: not in its window.
    ["next message older than the reply", [-60_000, -50_000, -40_000]],
    // The next message is timestamped after now: the reply just stored is in its window.
    ["next message newer than the reply", [-60_000, 3_600_000, 7_200_000]],
  ] as const
) {
  Deno.test(`storeReplyAndTakeNext: the next input equals a later load (${name})`, async () => {
    const now = Date.now();
    const { userId, ids } = await userWith(offsetsMs.map((o) => new Date(now + o)));
    const owner = "t";
    await sql`INSERT INTO agent_leases (user_id, owner, expires_at)
      VALUES (${userId}, ${owner}, now() + interval '1 minute')`;
    for (const [limit, answered] of [[5, 0], [1, 1]] as const) {
      const stored = await storeReplyAndTakeNext(sql, {
        inboundId: ids[answered]!,
        userId,
        owner,
        leaseMs: 60_000,
        reply,
        contextLimit: limit,
      });
      assert.ok(stored.replyId !== null);
      assert.equal(stored.next?.id, ids[answered + 1]);
      const later = await loadReplyInput(sql, { userId, messageId: stored.next!.id, limit });
      assert.deepEqual(stored.input, later);
    }
    const [{ n }] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM messages WHERE user_id = ${userId} AND direction = 'outbound'`
      .then((r) => r as unknown as [{ n: number }]);
    assert.equal(n, 2);
  });
}

// rules: R-CONTEXT-1
Deno.test("agent store: a reply's context window reads about its own size, not the user's whole history", async () => {
  const { userId } = await userWith([]);
  // 3 000 answered messages over the last days, then one pending: the window is its 20 newest.
  await sql`
    INSERT INTO messages (user_id, direction, content, "timestamp", agent_status)
    SELECT ${userId}, CASE WHEN i % 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'm ' || i,
      now() - interval '3 days' + i * interval '1 minute',
      CASE WHEN i % 2 = 0 THEN 'done' END
      FROM generate_series(1, 3000) i`;
  const [pending] = await sql<{ id: number }[]>`
    INSERT INTO messages (user_id, direction, content, agent_status)
    VALUES (${userId}, 'inbound', 'the question', 'pending') RETURNING id`;
  await sql`ANALYZE messages`;
  const options = { userId, owner: "plan-test", leaseMs: 60_000, contextLimit: 20 };

  const one = createSql(pg.url, { max: 1 });
  let claimed: Awaited<ReturnType<typeof claimNextPending>> | undefined;
  let claimRows: number, storeRows: number;
  try {
    claimRows = await rowsRead(one, "messages", async () => {
      claimed = await claimNextPending(one, options);
    });
    // The reply is stored; the next claim finds nothing pending but still pays for its lookups.
    storeRows = await rowsRead(
      one,
      "messages",
      () => storeReplyAndTakeNext(one, { ...options, inboundId: pending!.id, reply }),
    );
  } finally {
    await one.end({ timeout: 1 });
  }
  assert.equal(claimed?.message?.id, pending!.id);
  assert.equal(claimed?.input?.history.length, 20);
  // Through (user_id, created_at) the window fetched every row of the user to sort them (seen:
  // 3 012 and 3 015 rows without messages_user_timestamp_idx); through that index, 21 and 4.
  assert.ok(claimRows < 200, `claim read ${claimRows} message rows for a 20-message window`);
  assert.ok(storeRows < 200, `store read ${storeRows} message rows`);
});
