import assert from "node:assert/strict";
import { type PublicTestEnv, startPublicEnv } from "./testing.ts";

let env: PublicTestEnv | undefined;
let alice: { token: string; userId: number };
let bob: { token: string; userId: number };

const PAYLOADS = [
  "<script>alert('x')</script>",
  '<img src=x onerror="alert(1)">',
  "javascript:alert(document.cookie)",
  "Tom & Jerry > Itchy",
  '=HYPERLINK("http://evil")',
  'line one\r\nline "two", with comma',
  "100% sure_thing \\ backslash",
  "emoji 🎉 and \u2028 separator",
];

Deno.test.beforeAll(async () => {
  env = await startPublicEnv();
  alice = await env.signIn("+15553000001");
  bob = await env.signIn("+15553000002");
  const sql = env.pg.sql;
  // 40 plain rows for Alice, one minute apart, alternating direction; then the payloads.
  await sql`INSERT INTO messages (user_id, content, direction, created_at)
    SELECT ${alice.userId}, 'alice message ' || g,
           CASE WHEN g % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
           timestamptz '2026-01-01T00:00:00Z' + g * interval '1 minute'
      FROM generate_series(1, 40) g`;
  for (const [i, text] of PAYLOADS.entries()) {
    await sql`INSERT INTO messages (user_id, content, caption, direction, created_at)
      VALUES (${alice.userId}, ${text}, ${i === 0 ? "caption needle" : null}, 'inbound',
        timestamptz '2026-02-01T00:00:00Z' + ${i} * interval '1 second')`;
  }
  await sql`INSERT INTO messages (user_id, content, direction)
    VALUES (${bob.userId}, 'bob secret needle', 'inbound')`;
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

const get = (path: string, token = alice.token) => env!.call("GET", path, { token });

async function getJson(path: string, token = alice.token) {
  const res = await get(path, token);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(text.includes("<"), false, "raw JSON never contains <");
  return JSON.parse(text);
}

// rules: R-MSG-1
Deno.test("messages: listing is newest first with total, limit, offset and has_more", async () => {
  const page = await getJson("/api/v1/messages?limit=5");
  assert.equal(page.total, 48);
  assert.equal(page.limit, 5);
  assert.equal(page.offset, 0);
  assert.equal(page.has_more, true);
  assert.equal(page.items.length, 5);
  assert.equal(page.items[0].content, PAYLOADS[PAYLOADS.length - 1]);
  const times = page.items.map((i: { created_at: string }) => i.created_at);
  assert.deepEqual([...times].sort().reverse(), times);
  assert.deepEqual(Object.keys(page.items[0]).sort(), [
    "caption",
    "content",
    "created_at",
    "direction",
    "id",
    "message_type",
    "metadata",
    "status",
    "timestamp",
    "user_id",
    "whatsapp_message_id",
  ]);
  const defaults = await getJson("/api/v1/messages");
  assert.equal(defaults.limit, 50);
  assert.equal(defaults.items.length, 48);
  assert.equal(defaults.has_more, false);
  const last = await getJson("/api/v1/messages?limit=10&offset=40");
  assert.equal(last.items.length, 8);
  assert.equal(last.has_more, false);
  assert.equal(last.items[7].content, "alice message 1");
  const skip = await getJson("/api/v1/messages?limit=10&skip=40");
  assert.deepEqual(skip.items, last.items);
  assert.equal(skip.offset, 40);
});

// rules: R-MSG-1
Deno.test("messages: ties on created_at are ordered by id descending", async () => {
  const { token, userId } = await env!.signIn("+15553000009");
  await env!.pg.sql`INSERT INTO messages (user_id, content, direction, created_at)
    SELECT ${userId}, 'same ' || g, 'inbound', timestamptz '2026-03-01T00:00:00Z'
      FROM generate_series(1, 5) g`;
  const page = await getJson("/api/v1/messages?limit=3", token);
  const ids = page.items.map((i: { id: number }) => i.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  const next = await getJson(`/api/v1/messages?before_id=${ids[2]}`, token);
  assert.equal(next.total, 2);
  assert.ok(next.items.every((i: { id: number }) => i.id < ids[2]));
});

// rules: R-MSG-2
Deno.test("messages: before_id, direction and search filter, and total follows them", async () => {
  const all = await getJson("/api/v1/messages?limit=100");
  const anchor = all.items.find((i: { content: string }) => i.content === "alice message 11");
  const older = await getJson(`/api/v1/messages?before_id=${anchor.id}&limit=3`);
  assert.equal(older.total, 10);
  assert.deepEqual(older.items.map((i: { content: string }) => i.content), [
    "alice message 10",
    "alice message 9",
    "alice message 8",
  ]);
  assert.equal(older.has_more, true);
  const olderInbound = await getJson(
    `/api/v1/messages?before_id=${anchor.id}&direction=inbound&limit=100`,
  );
  assert.equal(olderInbound.total, 5);
  const outbound = await getJson("/api/v1/messages?direction=outbound&limit=1");
  assert.equal(outbound.total, 20);
  assert.equal(outbound.items[0].direction, "outbound");
  const searched = await getJson("/api/v1/messages?search=MESSAGE%201&limit=100");
  // "message 1", "message 10".."message 19".
  assert.equal(searched.total, 11);
  const needle = await getJson("/api/v1/messages?search=needle");
  assert.equal(needle.total, 1, "caption matches; Bob's row never does");
  assert.equal(needle.items[0].content, PAYLOADS[0]);
  // Someone else's (or no) message as before_id: nothing older for this caller.
  const bobRow = await getJson("/api/v1/messages", bob.token);
  const foreign = await getJson(`/api/v1/messages?before_id=${bobRow.items[0].id}`);
  assert.deepEqual([foreign.total, foreign.items.length], [0, 0]);
  const missing = await getJson("/api/v1/messages?before_id=999999999999");
  assert.equal(missing.total, 0);
});

// rules: R-MSG-1, R-HTTP-3
Deno.test("messages: bad paging parameters are 422 {detail}", async () => {
  for (
    const q of [
      "limit=0",
      "limit=101",
      "limit=-1",
      "limit=abc",
      "limit=1e2",
      "limit=99999999999999999999",
      "limit=",
      "offset=-5",
      "skip=-1",
      "offset=99999999999",
      "before_id=abc",
      "before_id=-3",
      "before_id=99999999999999999999999",
      "direction=sideways",
      "limit=1&limit=2",
      `search=${"x".repeat(501)}`,
    ]
  ) {
    const res = await get(`/api/v1/messages?${q}`);
    assert.equal(res.status, 422, q);
    assert.equal(typeof (await res.json()).detail, "string", q);
  }
  const ok = await getJson("/api/v1/messages?limit=100&offset=0&direction=&unknown=1");
  assert.equal(ok.limit, 100);
});

// rules: R-MSG-3, R-MSG-4
Deno.test("messages: search escapes wildcards, needs a query and caps the limit", async () => {
  const pct = await getJson("/api/v1/messages/search?q=100%25");
  assert.deepEqual(pct.items.map((i: { content: string }) => i.content), [PAYLOADS[6]]);
  assert.equal(pct.query, "100%");
  const underscore = await getJson("/api/v1/messages/search?q=alice_message");
  assert.equal(underscore.total, 0, "_ is literal, not any character");
  const backslash = await getJson("/api/v1/messages/search?query=%5C%20back");
  assert.equal(backslash.total, 1);
  const wide = await getJson("/api/v1/messages/search?q=alice");
  assert.equal(wide.items.length, 20, "default limit 20");
  assert.equal(wide.total, 40);
  const capped = await getJson("/api/v1/messages/search?q=alice&limit=100&offset=30");
  assert.equal(capped.items.length, 10);
  assert.equal(capped.total, 40, "a short page gives the total without counting");
  const past = await getJson("/api/v1/messages/search?q=alice&offset=100");
  assert.deepEqual([past.items.length, past.total], [0, 40]);
  const full = await getJson("/api/v1/messages/search?q=alice&limit=40");
  assert.deepEqual([full.items.length, full.total], [40, 40]);
  for (const q of ["", "q=", "q=%20%20", "query="]) {
    const res = await get(`/api/v1/messages/search?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(typeof (await res.json()).detail, "string");
  }
  for (const q of ["q=a&limit=101", "q=a&limit=0", "q=a&offset=-1"]) {
    const res = await get(`/api/v1/messages/search?${q}`);
    assert.equal(res.status, 422, q);
    await res.body?.cancel();
  }
});

// rules: R-MSG-4
Deno.test("messages: SQL injection attempts are plain text", async () => {
  for (
    const q of [
      "' OR '1'='1",
      "'; DROP TABLE messages; --",
      "\\'; DELETE FROM users; --",
      "%' UNION SELECT phone_number FROM users --",
    ]
  ) {
    const res = await get(`/api/v1/messages/search?q=${encodeURIComponent(q)}`);
    assert.ok([200, 400].includes(res.status), q);
    const body = await res.json();
    if (res.status === 200) assert.equal(body.total, 0, q);
    const list = await get(`/api/v1/messages?search=${encodeURIComponent(q)}`);
    assert.equal(list.status, 200);
    await list.body?.cancel();
  }
  const [count] = await env!.pg.sql`SELECT count(*)::int AS n FROM messages`;
  assert.ok(count!.n >= 49);
  assert.equal((await env!.call("GET", "/health")).status, 200);
});

// rules: R-HTTP-3
Deno.test("messages: invalid UTF-8 in the query string is not a 500", async () => {
  for (const path of ["/api/v1/messages?search=%FF%FE", "/api/v1/messages/search?q=%C3%28"]) {
    const res = await get(path);
    assert.ok(res.status < 500, `${path}: ${res.status}`);
    await res.body?.cancel();
  }
});

// rules: R-MSG-6, R-OUTPUT-4
Deno.test("messages: XSS payloads come back exactly as stored", async () => {
  const page = await getJson("/api/v1/messages?limit=8");
  assert.deepEqual(
    page.items.map((i: { content: string }) => i.content).reverse(),
    PAYLOADS,
  );
  const raw = await (await get("/api/v1/messages?limit=8")).text();
  assert.ok(raw.includes("\\u003cscript\\u003e"));
});

// rules: R-MSG-8, R-MSG-5
Deno.test("messages: stats and the /stats alias count only the caller's rows", async () => {
  const stats = await getJson("/api/v1/messages/stats");
  assert.equal(stats.total_messages, 48);
  assert.equal(stats.messages_sent, 28);
  assert.equal(stats.messages_received, 20);
  assert.equal(stats.first_message_date, "2026-01-01T00:01:00.000Z");
  assert.equal(stats.daily.length, 30);
  assert.deepEqual(await getJson("/api/v1/stats"), stats);
  const bobStats = await getJson("/api/v1/messages/stats", bob.token);
  assert.equal(bobStats.total_messages, 1);
});

// rules: R-MSG-7
Deno.test("messages: JSON export streams every row as MessageItem, escaped", async () => {
  const res = await get("/api/v1/messages/export?format=json");
  assert.equal(res.status, 200);
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  assert.equal(
    res.headers.get("content-disposition"),
    `attachment; filename="zapa-messages-${alice.userId}-${day}.json"`,
  );
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  const raw = await res.text();
  assert.equal(raw.includes("<"), false);
  const items = JSON.parse(raw);
  assert.equal(items.length, 48);
  assert.ok(items.every((i: { user_id: number }) => i.user_id === alice.userId));
  assert.deepEqual(items.slice(40).map((i: { content: string }) => i.content), PAYLOADS);
  const defaultFormat = await get("/api/v1/messages/export");
  assert.equal(JSON.parse(await defaultFormat.text()).length, 48);
  const bad = await get("/api/v1/messages/export?format=xml");
  assert.equal(bad.status, 422);
  await bad.body?.cancel();
});

// rules: R-MSG-7
Deno.test("messages: CSV export has the exact columns, RFC 4180 quoting and the formula guard", async () => {
  const res = await get("/api/v1/messages/export?format=csv");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.match(
    res.headers.get("content-disposition")!,
    new RegExp(`^attachment; filename="zapa-messages-${alice.userId}-\\d{8}\\.csv"$`),
  );
  const text = await res.text();
  const lines = text.split("\r\n");
  assert.equal(
    lines[0],
    "id,created_at,timestamp,direction,message_type,status,content,caption,whatsapp_message_id",
  );
  assert.ok(text.includes(`,"'=HYPERLINK(""http://evil"")",`));
  assert.ok(text.includes(`,"line one\r\nline ""two"", with comma",`));
  assert.ok(text.includes(",<script>alert('x')</script>,caption needle,"));
  assert.equal(text.includes("bob secret"), false);
  assert.ok(text.endsWith("\r\n"));
});

// rules: R-MSG-7
Deno.test("messages: an empty history exports [] and a header-only CSV", async () => {
  const { token } = await env!.signIn("+15553000003");
  assert.deepEqual(await (await get("/api/v1/messages/export", token)).json(), []);
  const csv = await (await get("/api/v1/messages/export?format=csv", token)).text();
  assert.equal(csv.split("\r\n").filter(Boolean).length, 1);
  const page = await getJson("/api/v1/messages", token);
  assert.deepEqual(page, { items: [], total: 0, limit: 50, offset: 0, has_more: false });
});

// rules: R-HTTP-5
Deno.test("messages: every route refuses a missing token with the R-HTTP-5 401", async () => {
  for (
    const path of [
      "/api/v1/messages",
      "/api/v1/messages/",
      "/api/v1/messages/search?q=a",
      "/api/v1/messages/stats",
      "/api/v1/stats",
      "/api/v1/messages/export",
    ]
  ) {
    const res = await env!.call("GET", path);
    assert.equal(res.status, 401, path);
    assert.equal(res.headers.get("www-authenticate"), "Bearer");
    assert.deepEqual(await res.json(), { detail: "Could not validate credentials" });
  }
});

// rules: R-MSG-7
Deno.test("messages: exports larger than one batch keep every row once, in order", async () => {
  const { token, userId } = await env!.signIn("+15553000004");
  await env!.pg.sql`INSERT INTO messages (user_id, content, direction, created_at)
    SELECT ${userId}, 'bulk ' || g, 'inbound',
           timestamptz '2026-04-01T00:00:00Z' + (g / 7) * interval '1 second'
      FROM generate_series(1, 2500) g`;
  const items = await (await get("/api/v1/messages/export", token)).json();
  assert.equal(items.length, 2500);
  assert.equal(new Set(items.map((i: { id: number }) => i.id)).size, 2500);
  const csv = await (await get("/api/v1/messages/export?format=csv", token)).text();
  assert.equal(csv.split("\r\n").filter(Boolean).length, 2501);
  const page = await getJson("/api/v1/messages?limit=100&offset=2450", token);
  assert.equal(page.total, 2500);
  assert.equal(page.items.length, 50);
  assert.equal(page.has_more, false);
});

// rules: R-MSG-2, R-MSG-7
Deno.test("messages: before_id and export keep microsecond timestamps and ties exact", async () => {
  const { token, userId } = await env!.signIn("+15553000005");
  const sql = env!.pg.sql;
  // Five rows inside one millisecond, then six sharing now() from a single statement.
  await sql`INSERT INTO messages (user_id, content, direction, created_at)
    SELECT ${userId}, 'micro ' || g, 'inbound',
           timestamptz '2026-05-01T00:00:00.000000Z' + g * interval '100 microseconds'
      FROM generate_series(1, 5) g`;
  await sql`INSERT INTO messages (user_id, content, direction)
    SELECT ${userId}, 'tie ' || g, 'inbound' FROM generate_series(1, 6) g`;
  const all = await getJson("/api/v1/messages?limit=100", token);
  assert.equal(all.total, 11);
  const contents = all.items.map((i: { content: string }) => i.content);
  assert.deepEqual(contents, [
    "tie 6",
    "tie 5",
    "tie 4",
    "tie 3",
    "tie 2",
    "tie 1",
    "micro 5",
    "micro 4",
    "micro 3",
    "micro 2",
    "micro 1",
  ]);
  for (const [index, item] of all.items.entries()) {
    const older = await getJson(`/api/v1/messages?before_id=${item.id}&limit=100`, token);
    assert.deepEqual(
      older.items.map((i: { content: string }) => i.content),
      contents.slice(index + 1),
      `before ${item.content}`,
    );
    assert.equal(older.total, 10 - index);
    const found = await getJson(
      `/api/v1/messages/search?q=${item.content.split(" ")[0]}&limit=100`,
      token,
    );
    assert.equal(found.total, item.content.startsWith("tie") ? 6 : 5);
  }
  const exported = await (await get("/api/v1/messages/export", token)).json();
  assert.deepEqual(exported.map((i: { content: string }) => i.content), [...contents].reverse());
});

// rules: R-MSG-7
Deno.test("messages: an export across batches of rows sharing one timestamp loses none", async () => {
  const { token, userId } = await env!.signIn("+15553000006");
  await env!.pg.sql`INSERT INTO messages (user_id, content, direction)
    SELECT ${userId}, 'same instant ' || g, 'outbound' FROM generate_series(1, 2100) g`;
  const items = await (await get("/api/v1/messages/export", token)).json();
  assert.equal(items.length, 2100);
  assert.equal(new Set(items.map((i: { id: number }) => i.id)).size, 2100);
});
