/** The pipeline's migrations (002…009) on a fresh PostgreSQL 15: applied once, idempotent. */
import assert from "node:assert/strict";
import { createSql } from "../db/mod.ts";
import { migrate, readMigrations } from "../db/migrate.ts";
import { TestPostgres } from "../testing/mod.ts";

// rules: R-DATA-1, R-DATA-2
Deno.test("migrations: agent_leases exists, cascades with its user, and a rerun applies nothing", async () => {
  const pg = await TestPostgres.create();
  const sql = createSql(pg.url, { max: 2 });
  try {
    const versions = (await readMigrations()).map((m) => m.version);
    assert.ok(versions.includes("002"));
    const applied = await sql<{ version: string }[]>`SELECT version FROM schema_migrations`;
    assert.deepEqual(applied.map((r) => r.version).sort(), versions);
    assert.deepEqual(await migrate(sql), []);
    const [u] = await sql<
      { id: number }[]
    >`INSERT INTO users (phone_number) VALUES ('+15550001234') RETURNING id`;
    await sql`INSERT INTO agent_leases (user_id, owner, expires_at) VALUES (${u!.id}, 'x', now())`;
    await sql`DELETE FROM users WHERE id = ${u!.id}`;
    const [{ n }] = await sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM agent_leases` as unknown as [{ n: number }];
    assert.equal(n, 0);
  } finally {
    await sql.end({ timeout: 1 });
    await pg.destroy();
  }
});
