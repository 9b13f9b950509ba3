/**
 * Benchmark of the public messages API (issue 6): 10 000 users, 1 000 000 messages for one of
 * them (plus 10 for each other user), the real entrypoint started as `deno task public` would,
 * and an open-loop load of 200 requests/s per scenario, measuring each request's latency.
 *
 *   deno run -A zapa/public/bench/messages_bench.ts [--messages=1000000] [--rate=200] [--seconds=15]
 *
 * Prints a table of p50/p95/p99 per scenario and the server-side query plans' timings.
 * Not a test: figures go in the report.
 */
import { parseArgs } from "node:util";
import { createUser, startPostgres, startRedis, testEnv } from "../testing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "1000000" },
    users: { type: "string", default: "10000" },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "15" },
    only: { type: "string", default: "" },
  },
});
const MESSAGES = Number(values.messages);
const USERS = Number(values.users);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

const pg = await startPostgres();
const redis = await startRedis();
let server: Deno.ChildProcess | undefined;
let base = "";
try {
  const sql = pg.sql;
  const seedStart = performance.now();
  const heavyPhone = "+15557000000";
  const heavy = await createUser(sql, heavyPhone);
  await sql`INSERT INTO users (phone_number, display_name)
    SELECT '+1556' || lpad(g::text, 7, '0'), 'User ' || g FROM generate_series(1, ${USERS - 1}) g`;
  // Words: 2 000 pseudo-random 6-letter tokens; each message carries two of them.
  await sql`CREATE TEMP TABLE words AS
    SELECT i, substr(translate(md5(i::text), '0123456789', 'ghijklmnop'), 1, 6) AS w
      FROM generate_series(0, 1999) i`;
  const chunk = 100_000;
  for (let from = 1; from <= MESSAGES; from += chunk) {
    const to = Math.min(MESSAGES, from + chunk - 1);
    await sql`INSERT INTO messages (user_id, direction, content, created_at, "timestamp")
      SELECT ${heavy}, CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
             'message ' || g || ' about ' || a.w || ' and ' || b.w,
             now() - (${MESSAGES} - g) * interval '60 seconds',
             now() - (${MESSAGES} - g) * interval '60 seconds'
        FROM generate_series(${from}::int, ${to}::int) g
        JOIN words a ON a.i = (g::bigint * 7919) % 2000
        JOIN words b ON b.i = (g::bigint * 104729 + 13) % 2000`;
    await Deno.stdout.write(new TextEncoder().encode(`\rseeded ${to} messages`));
  }
  await sql`INSERT INTO messages (user_id, direction, content)
    SELECT u.id, 'inbound', 'hello from ' || u.phone_number
      FROM users u CROSS JOIN generate_series(1, 10) WHERE u.id <> ${heavy}`;
  await sql`VACUUM ANALYZE messages`;
  await sql`VACUUM ANALYZE message_day_counts`;
  // Flush the load's dirty pages now, not during the first measured scenario.
  await sql`CHECKPOINT`;
  const [{ rare, common }] = await sql<{ rare: string; common: string }[]>`SELECT
    (SELECT w FROM words WHERE i = 17) AS rare,
    (SELECT w FROM words WHERE i = 42) AS common` as unknown as [{ rare: string; common: string }];
  console.log(`\nseeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  // The entrypoint exactly as `deno task public` runs it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read=zapa",
      "--allow-sys",
      "zapa/public_main.ts",
    ],
    env: { ...testEnv(pg.url, redis.url), PUBLIC_PORT: String(port) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      const res = await fetch(`${base}/ready`);
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error("public entrypoint did not become ready");
    await new Promise((r) => setTimeout(r, 100));
  }
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  await (await post("/api/v1/auth/request-code", { phone_number: heavyPhone })).body?.cancel();
  const { access_token: token } = await (await post("/api/v1/auth/verify", {
    phone_number: heavyPhone,
    code: "123456",
  })).json();
  const [mid] = await sql`SELECT id FROM messages WHERE user_id = ${heavy}
    ORDER BY created_at DESC, id DESC OFFSET ${Math.floor(MESSAGES / 2)} LIMIT 1`;

  const scenarios: [string, string][] = [
    ["GET /messages (limit 50)", "/api/v1/messages"],
    ["GET /messages?offset=1000", "/api/v1/messages?limit=50&offset=1000"],
    ["GET /messages?before_id (mid-history)", `/api/v1/messages?before_id=${mid!.id}`],
    ["GET /messages?direction=inbound", "/api/v1/messages?direction=inbound"],
    ["GET /messages/search (rare word)", `/api/v1/messages/search?q=${rare}`],
    ["GET /messages/search (word + number)", `/api/v1/messages/search?q=${common}%20and`],
    ["GET /messages/stats", "/api/v1/messages/stats"],
  ];
  const rows: string[] = [];
  for (const [name, path] of scenarios) {
    if (values.only && !name.includes(values.only)) continue;
    const first = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const sample = await first.json();
    if (first.status !== 200) throw new Error(`${name}: ${first.status} ${JSON.stringify(sample)}`);
    await load(path, token, RATE, 3); // warm-up (JIT, pools, caches), not recorded
    const loadBefore = Deno.loadavg()[0]!;
    const { latencies, errors, elapsed, total } = await load(path, token, RATE, SECONDS);
    const machine = `load ${loadBefore.toFixed(1)}→${Deno.loadavg()[0]!.toFixed(1)}`;
    latencies.sort((a, b) => a - b);
    const info = "total" in sample
      ? `total=${sample.total}`
      : `total_messages=${sample.total_messages}`;
    rows.push(
      `| ${name} | ${(total / elapsed).toFixed(0)} | ${percentile(latencies, 50).toFixed(2)} | ${
        percentile(latencies, 95).toFixed(2)
      } | ${percentile(latencies, 99).toFixed(2)} | ${errorText(errors)} | ${info} | ${machine} |`,
    );
    console.log(rows.at(-1));
  }
  console.log(
    `\n${MESSAGES} messages for one user, ${USERS} users, ${RATE} req/s × ${SECONDS} s each`,
  );
  console.log(
    "| scenario | achieved req/s | p50 ms | p95 ms | p99 ms | non-200 | result | machine |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
} finally {
  try {
    server?.kill("SIGTERM");
    await server?.status;
  } catch { /* gone */ }
  await redis.stop();
  await pg.stop();
}

function errorText(errors: Record<number, number>): string {
  const parts = Object.entries(errors).map(([status, n]) => `${n}×${status}`);
  return parts.length ? parts.join(" ") : "0";
}

/** Open-loop load: requests start on schedule whatever the previous ones are doing. */
async function load(path: string, token: string, rate: number, seconds: number) {
  const latencies: number[] = [];
  const errors: Record<number, number> = {};
  const total = rate * seconds;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push((async () => {
      const t = performance.now();
      const res = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) errors[res.status] = (errors[res.status] ?? 0) + 1;
      // Open loop: sends never wait for earlier answers, so a stalled server cannot hide.
      latencies.push(performance.now() - t);
    })());
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  return { latencies, errors, elapsed, total };
}
