/**
 * Performance: key queries with 10 000 rows inserted by the raw four-column statement
 * (R-DATA-3 "Raw insert", R-PERF-3): recent messages, ILIKE search and 30-day daily stats each
 * answer in < 100 ms (p95 over 20 calls through the public API).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createUser } from "../../lib/fixtures.ts";
import { recordPerf, summarize } from "../../lib/perf.ts";
import { suiteTest, target } from "../../lib/target.ts";

const ROWS = 10_000;
const CALLS = 20;

// rules: R-PERF-3, R-DATA-3
// tier: internal — raw inserts into our messages table
suiteTest("perf: recent, search and daily stats stay < 100 ms over 10 000 raw-inserted rows", {
  needs: ["database"],
}, async () => {
  const user = await createUser();
  const sql = postgres(target.database!, { max: 2, onnotice: () => {} });
  const insertStarted = performance.now();
  try {
    // The exact statement of R-DATA-3, one row at a time in a pipeline of batches.
    for (let batch = 0; batch < ROWS / 500; batch++) {
      await sql.begin(async (tx) => {
        const statements = [];
        for (let i = 0; i < 500; i++) {
          const n = batch * 500 + i;
          const direction = n % 2 === 0 ? "inbound" : "outbound";
          const content = n % 97 === 0 ? `needle ${n} in the haystack` : `ordinary message ${n}`;
          statements.push(
            tx`INSERT INTO messages (user_id, content, direction, created_at)
               VALUES (${user.id}, ${content}, ${direction}, now() - ${`${
              n % 30
            } days`}::interval)`,
          );
        }
        await Promise.all(statements);
      });
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
  const insertMs = performance.now() - insertStarted;

  const time = async (call: () => Promise<{ status: number; text: string }>) => {
    const samples: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t0 = performance.now();
      const result = await call();
      samples.push(performance.now() - t0);
      assert.equal(result.status, 200, result.text.slice(0, 300));
    }
    return summarize(samples);
  };
  const recent = await time(() => user.api.messages({ limit: 50 }));
  const search = await time(() => user.api.search("needle"));
  const stats = await time(() => user.api.stats());

  // The answers are right, not only fast.
  const list = await user.api.messages({ limit: 50 });
  assert.equal(list.json.total, ROWS);
  assert.equal(list.json.items.length, 50);
  const found = await user.api.search("needle", { limit: 100 });
  assert.equal(found.json.total, Math.ceil(ROWS / 97));
  const s = await user.api.stats();
  assert.equal(s.json.total_messages, ROWS);
  assert.equal(s.json.messages_sent, ROWS / 2);
  assert.equal(s.json.daily?.length, 30);
  assert.equal(s.json.daily?.reduce((a, d) => a + d.count, 0), ROWS);

  const passed = recent.p95 < 100 && search.p95 < 100 && stats.p95 < 100;
  await recordPerf("raw_insert_queries", {
    title: `Key queries over ${ROWS} raw-inserted rows (public API, ${CALLS} calls each)`,
    unit: "ms",
    figures: { recent, search, stats, insert_ms: Math.round(insertMs) },
    budgets: { "recent.p95": "< 100", "search.p95": "< 100", "stats.p95": "< 100" },
    passed,
  });
  console.log(`queries over ${ROWS} rows: ${JSON.stringify({ recent, search, stats })}`);
  assert.ok(
    passed,
    `p95 over budget: recent ${recent.p95}, search ${search.p95}, stats ${stats.p95}`,
  );
});
