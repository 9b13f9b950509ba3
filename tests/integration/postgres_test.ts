/**
 * Integration, entrypoints ↔ PostgreSQL (R-DATA-*): migrations recorded, `pg_trgm`
 * installed, every `messages` index present by definition, the raw four-column insert, and
 * EXPLAIN proving the listing, search and queue queries use their indexes — on rows of a user
 * this test creates (and deletes again), never on other suites' data.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { uniquePhone } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { withSql } from "./helpers.ts";

const NEEDS = { needs: ["database"] as const };

/** The R-DATA-4 indexes on `messages`, as patterns over `pg_indexes.indexdef`. */
const INDEXES = {
  listing:
    /^CREATE INDEX \S+ ON public\.messages USING btree \(user_id, created_at DESC, id DESC\)$/,
  whatsapp_id:
    /^CREATE UNIQUE INDEX \S+ ON public\.messages USING btree \(whatsapp_message_id\)( WHERE \(whatsapp_message_id IS NOT NULL\))?$/,
  one_reply:
    /^CREATE UNIQUE INDEX \S+ ON public\.messages USING btree \(reply_to_id\) WHERE \(direction = 'outbound'::text\)$/,
  content_trgm: /^CREATE INDEX \S+ ON public\.messages USING gin \(content gin_trgm_ops\)$/,
  pending:
    /^CREATE INDEX \S+ ON public\.messages USING btree \(.+\) WHERE \(agent_status = 'pending'::text\)$/,
  queued:
    /^CREATE INDEX \S+ ON public\.messages USING btree \(.+\) WHERE \(status = 'queued'::text\)$/,
} as const;
type IndexRole = keyof typeof INDEXES;

async function messageIndexes(sql: postgres.Sql): Promise<Map<IndexRole, string>> {
  const rows = await sql<{ indexname: string; indexdef: string }[]>`
    SELECT indexname, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename = 'messages'`;
  const found = new Map<IndexRole, string>();
  for (const [role, pattern] of Object.entries(INDEXES) as [IndexRole, RegExp][]) {
    const row = rows.find((r) => pattern.test(r.indexdef));
    if (row) found.set(role, row.indexname);
  }
  return found;
}

/** Every index a plan touches (EXPLAIN FORMAT JSON, walked recursively). */
function planIndexes(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => planIndexes(n, out));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "Index Name" && typeof value === "string") out.add(value);
      else planIndexes(value, out);
    }
  }
  return out;
}

// rules: R-DATA-1
// tier: internal — our migrations table and extensions
suiteTest(
  "integration: migrations are recorded in schema_migrations and pg_trgm is installed",
  NEEDS,
  async () => {
    await withSql(async (sql) => {
      const versions = await sql<{ version: string; applied_at: Date | null }[]>`
        SELECT version, applied_at FROM schema_migrations ORDER BY version`;
      assert.ok(versions.length >= 1, "at least one migration recorded");
      assert.equal(versions[0]!.version.replace(/^0+/, ""), "1", "the first migration is 001");
      assert.equal(new Set(versions.map((v) => v.version)).size, versions.length);
      assert.ok(versions.every((v) => v.applied_at !== null));
      const ext = await sql`SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'`;
      assert.equal(ext.length, 1, "pg_trgm is installed");
    });
  },
);

// rules: R-DATA-2
// tier: internal — our tables' timestamp columns
suiteTest(
  "integration: every table has created_at NOT NULL DEFAULT now() and a nullable updated_at",
  NEEDS,
  async () => {
    await withSql(async (sql) => {
      const cols = await sql<
        { table_name: string; column_name: string; is_nullable: string; column_default: string }[]
      >`SELECT table_name, column_name, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name IN ('created_at', 'updated_at')
          AND table_name IN ('users', 'sessions', 'messages', 'auth_codes', 'llm_configs')`;
      for (const table of ["users", "sessions", "messages", "auth_codes", "llm_configs"]) {
        const created = cols.find((c) => c.table_name === table && c.column_name === "created_at");
        const updated = cols.find((c) => c.table_name === table && c.column_name === "updated_at");
        assert.ok(created, `${table}.created_at exists`);
        assert.equal(created.is_nullable, "NO", `${table}.created_at NOT NULL`);
        assert.match(created.column_default ?? "", /now\(\)|CURRENT_TIMESTAMP/i, table);
        assert.ok(updated, `${table}.updated_at exists`);
        assert.equal(updated.is_nullable, "YES", `${table}.updated_at nullable`);
      }
    });
  },
);

// rules: R-DATA-4
// tier: internal — our messages indexes
suiteTest("integration: every messages index of the contract exists", NEEDS, async () => {
  await withSql(async (sql) => {
    const found = await messageIndexes(sql);
    const missing = (Object.keys(INDEXES) as IndexRole[]).filter((r) => !found.has(r));
    const defs = await sql`SELECT indexdef FROM pg_indexes WHERE tablename = 'messages'`;
    assert.deepEqual(
      missing,
      [],
      `missing ${missing.join(", ")}; present:\n${defs.map((d) => d.indexdef).join("\n")}`,
    );
  });
});

// rules: R-DATA-3
// tier: internal — our messages table's columns
suiteTest("integration: the raw four-column insert into messages succeeds", NEEDS, async () => {
  await withSql(async (sql) => {
    const [user] =
      await sql`INSERT INTO users (phone_number) VALUES (${uniquePhone()}) RETURNING id`;
    try {
      const [row] = await sql`
        INSERT INTO messages (user_id, content, direction, created_at)
        VALUES (${user!.id}, 'raw insert', 'inbound', now() - interval '1 day')
        RETURNING message_type, agent_status, status, metadata, "timestamp", whatsapp_message_id`;
      assert.equal(row!.message_type, "text");
      assert.equal(row!.agent_status, null, "a raw row is never due an answer");
      assert.equal(row!.status, null);
      assert.deepEqual(row!.metadata, {});
      assert.ok(row!.timestamp instanceof Date);
      assert.equal(row!.whatsapp_message_id, null);
    } finally {
      await sql`DELETE FROM users WHERE id = ${user!.id}`;
    }
  });
});

// rules: R-DATA-4, R-PERF-3
// tier: internal — our query plans and index names
suiteTest(
  "integration: EXPLAIN shows the listing, search and queue queries using their indexes",
  NEEDS,
  async () => {
    await withSql(async (sql) => {
      const indexes = await messageIndexes(sql);
      const [user] = await sql`INSERT INTO users (phone_number) VALUES (${uniquePhone()})
                               RETURNING id`;
      const userId = user!.id as number;
      let fkIndexed = false;
      try {
        // Enough rows that an index beats a sequential scan for the planner.
        await sql`
          INSERT INTO messages (user_id, content, direction, created_at)
          SELECT ${userId}, 'row ' || g || ' ' || md5(g::text),
                 CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
                 now() - g * interval '1 minute'
          FROM generate_series(1, 5000) g`;
        // Fresh GIN entries sit in the pending list, which the planner prices as a full
        // scan until autovacuum merges it; merge now, as autovacuum would, then analyze.
        for (const [, name] of [...indexes].filter(([role]) => role === "content_trgm")) {
          await sql`SELECT gin_clean_pending_list(${name}::regclass)`;
        }
        const caption = await sql<{ indexname: string }[]>`
          SELECT indexname FROM pg_indexes WHERE tablename = 'messages'
            AND indexdef LIKE '%USING gin (caption gin_trgm_ops)%'`;
        for (const c of caption) await sql`SELECT gin_clean_pending_list(${c.indexname}::regclass)`;
        await sql`ANALYZE messages`;

        const explain = async (query: string, params: postgres.ParameterOrJSON<never>[]) => {
          const [row] = await sql.unsafe(`EXPLAIN (FORMAT JSON) ${query}`, params);
          const plan = (row as Record<string, unknown>)["QUERY PLAN"];
          return { used: planIndexes(plan), text: JSON.stringify(plan) };
        };
        const cases: Array<[IndexRole, string, postgres.ParameterOrJSON<never>[]]> = [
          [
            "listing",
            "SELECT * FROM messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50",
            [userId],
          ],
          [
            "content_trgm",
            "SELECT * FROM messages WHERE user_id = $1 AND (content ILIKE $2 OR caption ILIKE $2) " +
            "ORDER BY created_at DESC, id DESC LIMIT 20",
            [userId, "%row 4711 %"],
          ],
          [
            "pending",
            `SELECT id FROM messages WHERE agent_status = 'pending' ORDER BY "timestamp", id LIMIT 10`,
            [],
          ],
          [
            "queued",
            "SELECT id FROM messages WHERE status = 'queued' AND direction = 'outbound' " +
            "ORDER BY created_at, id LIMIT 100",
            [],
          ],
        ];
        for (const [role, query, params] of cases) {
          const expected = indexes.get(role);
          assert.ok(expected, `the ${role} index exists`);
          const { used, text } = await explain(query, params);
          assert.ok(
            used.has(expected),
            `${role}: expected the plan to use ${expected}, it used ${
              [...used].join(", ") || "no index"
            }\nplan: ${text.slice(0, 1500)}`,
          );
        }
        // The reply_to_id foreign key's ON DELETE check (`reply_to_id = $1`) has an index.
        const fk = await explain("SELECT 1 FROM messages WHERE reply_to_id = $1", [1]);
        fkIndexed = fk.used.size > 0;
        assert.ok(
          fk.used.size > 0,
          `the reply_to_id lookup of the foreign key uses an index\nplan: ${fk.text.slice(0, 800)}`,
        );
      } finally {
        // Deleting the user cascades to its 5 000 messages: quick with the reply_to_id index,
        // ~25 s without it (a sequential scan per deleted row), so then the rows just stay.
        if (fkIndexed) await sql`DELETE FROM users WHERE id = ${userId}`;
        else await sql`UPDATE users SET is_active = false WHERE id = ${userId}`;
      }
    });
  },
);
