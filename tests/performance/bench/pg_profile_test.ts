/**
 * The PostgreSQL side of `deno task bench --profile`: statements ranked by execution time, with
 * per-call figures that show a scan where a probe was meant.
 */
import assert from "node:assert/strict";
import { rankStatements } from "./pg_profile.ts";

Deno.test("bench pg profile: statements are ranked by total time, with per-call figures and shares", () => {
  const ranked = rankStatements([
    { query: "SELECT 1", calls: 100, total_ms: 10, max_ms: 1, rows: 100, blocks: 300, wal: 0 },
    {
      query: "UPDATE  messages\n   SET status = $1",
      calls: 40,
      total_ms: 30,
      max_ms: 9.876,
      rows: 60,
      blocks: 12_000,
      wal: 400,
    },
    { query: "never ran", calls: 0, total_ms: 0, max_ms: 0, rows: 0, blocks: 0, wal: 0 },
  ], 2);
  assert.equal(ranked.length, 2);
  assert.deepEqual(ranked[0], {
    query: "UPDATE messages SET status = $1",
    calls: 40,
    total_ms: 30,
    mean_ms: 0.75,
    max_ms: 9.88,
    rows_per_call: 1.5,
    blocks_per_call: 300,
    wal_per_call: 10,
    pct: 75,
  });
  assert.equal(ranked[1]!.query, "SELECT 1");
  assert.equal(ranked[1]!.pct, 25);
  assert.equal(ranked[1]!.blocks_per_call, 3);
});

Deno.test("bench pg profile: nothing recorded gives no shares, not NaN", () => {
  const [only] = rankStatements(
    [{ query: "x", calls: 0, total_ms: 0, max_ms: 0, rows: 0, blocks: 0, wal: 0 }],
    5,
  );
  assert.equal(only!.pct, 0);
  assert.equal(only!.mean_ms, 0);
});
