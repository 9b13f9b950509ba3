/** The ephemeral cluster's server arguments: the test settings, then any extra ones. */
import assert from "node:assert/strict";
import { postgresArgs } from "./postgres.ts";

const layout = { dir: "/tmp/s", data: "/tmp/s/pgdata", port: 5999, logFile: "/tmp/s/pg.log" };

Deno.test("postgres args: durability off for tests, extra settings appended as -c name=value", () => {
  const plain = postgresArgs(layout);
  assert.ok(plain.includes("fsync=off"));
  assert.ok(!plain.some((a) => a.startsWith("shared_preload_libraries")));
  const profiled = postgresArgs({
    ...layout,
    settings: {
      shared_preload_libraries: "pg_stat_statements",
      "auto_explain.log_min_duration": "20ms",
    },
  });
  assert.deepEqual(profiled.slice(plain.length), [
    "-c",
    "shared_preload_libraries=pg_stat_statements",
    "-c",
    "auto_explain.log_min_duration=20ms",
  ]);
});
