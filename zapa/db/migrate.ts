/**
 * Applies the numbered SQL files in `migrations/` in order, each once, recorded in
 * `schema_migrations`. Runs under an advisory lock so several private instances can start
 * together safely.
 */
import type { Sql } from "./mod.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** Arbitrary constant shared by every Zapa instance: "zapa" in ASCII. */
const LOCK_ID = 0x7a617061;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** Reads `NNN_name.sql` files, sorted by number. */
export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /^(\d{3,})_([\w-]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !match) continue;
    migrations.push({
      version: match[1]!,
      name: match[2]!,
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  return migrations.sort((a, b) => Number(a.version) - Number(b.version));
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(sql: Sql, dir: URL = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_ID})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz
    )`;
    const done = new Set(
      (await tx<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) =>
        r.version
      ),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`;
      applied.push(m.version);
    }
    return applied;
  });
}

let knownVersions: Promise<string[]> | null = null;

/**
 * The migrations this build knows that the database has not applied yet (all of them before
 * private's first start). The public entrypoint never migrates: it is not ready until this is
 * empty.
 */
export async function pendingMigrations(sql: Sql): Promise<string[]> {
  knownVersions ??= readMigrations().then((list) => list.map((m) => m.version));
  const versions = await knownVersions;
  let applied: Set<string>;
  try {
    applied = new Set(
      (await sql<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) =>
        r.version
      ),
    );
  } catch (error) {
    if ((error as { code?: string }).code !== "42P01") throw error; // undefined_table
    applied = new Set();
  }
  return versions.filter((v) => !applied.has(v));
}
