/** The six history tools on a real PostgreSQL: scoping, validation, caps and result shapes. */
import assert from "node:assert/strict";
import { startPostgres, type TestPostgres } from "../public/testing.ts";
import { addMessage, newUser } from "../testing/agent.ts";
import { likePattern, runTool, TOOL_ARGS, TOOL_SPECS, type ToolContext } from "./tools.ts";

let pg: TestPostgres | undefined;
Deno.test.beforeAll(async () => {
  pg = await startPostgres();
});
Deno.test.afterAll(async () => {
  await pg?.stop();
});

async function run(ctx: ToolContext, name: string, args: unknown) {
  return JSON.parse(await runTool(ctx, name, args));
}

async function context(): Promise<ToolContext> {
  const sql = pg!.sql;
  return { sql, userId: await newUser(sql), excludeMessageId: 0 };
}

// rules: R-TOOLS-1
Deno.test("agent tools: the specs name the six tools with object schemas", () => {
  assert.deepEqual(TOOL_SPECS.map((t) => t.name), [
    "search_messages",
    "get_recent_messages",
    "get_messages_by_date_range",
    "get_conversation_stats",
    "summarize_chat",
    "extract_tasks",
  ]);
  assert.deepEqual(TOOL_SPECS[0]?.parameters.required, ["query"]);
});

// rules: R-TOOLS-1
Deno.test("agent tools: numeric limits default and are capped", () => {
  assert.equal(TOOL_ARGS.search_messages.parse({ query: "x" }).limit, 10);
  assert.equal(TOOL_ARGS.search_messages.parse({ query: "x", limit: 500 }).limit, 50);
  assert.equal(TOOL_ARGS.search_messages.parse({ query: "x", limit: "7" }).limit, 7);
  assert.equal(TOOL_ARGS.search_messages.parse({ query: "x", limit: null }).limit, 10);
  assert.equal(TOOL_ARGS.search_messages.parse({ query: "x", limit: -3 }).limit, 1);
  assert.equal(TOOL_ARGS.get_recent_messages.parse({}).count, 20);
  assert.equal(TOOL_ARGS.get_recent_messages.parse({ count: 1000 }).count, 100);
  assert.equal(TOOL_ARGS.summarize_chat.parse({}).last_n_messages, 50);
  assert.equal(TOOL_ARGS.summarize_chat.parse({ last_n_messages: 999 }).last_n_messages, 100);
  assert.equal(TOOL_ARGS.extract_tasks.parse({}).last_n_messages, 100);
  assert.equal(TOOL_ARGS.extract_tasks.parse({ last_n_messages: 999 }).last_n_messages, 200);
});

// rules: R-TOOLS-1
Deno.test("agent tools: bad arguments and unknown tools come back as {error}", async () => {
  const ctx = await context();
  assert.match((await run(ctx, "search_messages", {})).error, /invalid arguments: query/);
  assert.match((await run(ctx, "search_messages", { query: "  " })).error, /query/);
  assert.match((await run(ctx, "get_recent_messages", { count: "many" })).error, /count/);
  assert.match(
    (await run(ctx, "get_messages_by_date_range", {
      start_date: "yesterday",
      end_date: "2026-01-01",
    }))
      .error,
    /start_date/,
  );
  assert.match((await run(ctx, "drop_tables", {})).error, /unknown tool/);
});

// rules: R-TOOLS-1, R-TOOLS-2
Deno.test("agent tools: search is scoped, newest first, escapes LIKE wildcards and skips the current message", async () => {
  const ctx = await context();
  const other = await newUser(ctx.sql);
  const t = (s: number) => new Date(Date.parse("2026-02-01T00:00:00Z") + s * 1000);
  await addMessage(ctx.sql, ctx.userId, { content: "pineapple pizza", timestamp: t(1) });
  await addMessage(ctx.sql, ctx.userId, {
    direction: "outbound",
    content: "PINEAPPLE!",
    timestamp: t(2),
  });
  await addMessage(ctx.sql, ctx.userId, {
    message_type: "image",
    caption: "pineapple photo",
    timestamp: t(3),
  });
  await addMessage(ctx.sql, other, { content: "pineapple of someone else", timestamp: t(4) });
  await addMessage(ctx.sql, ctx.userId, { content: "100% sure", timestamp: t(5) });
  await addMessage(ctx.sql, ctx.userId, { content: "snake_case and back\\slash", timestamp: t(6) });
  await addMessage(ctx.sql, ctx.userId, { content: "1000 sure; snakeXcase", timestamp: t(7) });
  const current = await addMessage(ctx.sql, ctx.userId, {
    content: "search my messages for pineapple",
    timestamp: t(8),
  });
  const c = { ...ctx, excludeMessageId: current };

  const found = await run(c, "search_messages", { query: "pineapple" });
  assert.deepEqual(found.map((m: { content: string }) => m.content), [
    "[image] pineapple photo",
    "PINEAPPLE!",
    "pineapple pizza",
  ]);
  assert.deepEqual(Object.keys(found[0]).sort(), [
    "content",
    "direction",
    "message_id",
    "timestamp",
  ]);
  assert.equal(found[1].direction, "outbound");
  assert.equal((await run(c, "search_messages", { query: "pineapple", limit: 1 })).length, 1);
  assert.deepEqual(
    (await run(c, "search_messages", { query: "0%" })).map((m: { content: string }) => m.content),
    ["100% sure"],
  );
  assert.deepEqual(
    (await run(c, "search_messages", { query: "e_c" })).map((m: { content: string }) => m.content),
    ["snake_case and back\\slash"],
  );
  assert.equal((await run(c, "search_messages", { query: "k\\s" })).length, 1);
  assert.equal(likePattern("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
});

// rules: R-TOOLS-1
Deno.test("agent tools: search caps at 50 results", async () => {
  const ctx = await context();
  for (let i = 0; i < 60; i++) await addMessage(ctx.sql, ctx.userId, { content: `needle ${i}` });
  assert.equal((await run(ctx, "search_messages", { query: "needle", limit: 100 })).length, 50);
  assert.equal((await run(ctx, "search_messages", { query: "needle" })).length, 10);
});

// rules: R-TOOLS-1
Deno.test("agent tools: recent messages and the chat window are chronological and capped", async () => {
  const ctx = await context();
  const base = Date.parse("2026-03-01T00:00:00Z");
  for (let i = 0; i < 120; i++) {
    await addMessage(ctx.sql, ctx.userId, {
      direction: i % 2 ? "outbound" : "inbound",
      content: `m${i}`,
      timestamp: new Date(base + i * 1000),
    });
  }
  await addMessage(ctx.sql, ctx.userId, {
    direction: "system",
    content: "sys",
    timestamp: new Date(base + 999_999),
  });
  const recent = await run(ctx, "get_recent_messages", { count: 3 });
  assert.deepEqual(recent.map((m: { content: string }) => m.content), ["m117", "m118", "m119"]);
  assert.equal((await run(ctx, "get_recent_messages", {})).length, 20);
  assert.equal((await run(ctx, "get_recent_messages", { count: 500 })).length, 100);
  const window = await run(ctx, "summarize_chat", {});
  assert.equal(window.length, 50);
  assert.equal(window[0].content, "m70");
  assert.equal((await run(ctx, "summarize_chat", { last_n_messages: 1000 })).length, 100);
});

// rules: R-TOOLS-1
Deno.test("agent tools: a date range includes whole days and returns at most 100", async () => {
  const ctx = await context();
  await addMessage(ctx.sql, ctx.userId, {
    content: "before",
    timestamp: new Date("2026-04-01T23:59:59Z"),
  });
  await addMessage(ctx.sql, ctx.userId, {
    content: "start",
    timestamp: new Date("2026-04-02T00:00:00Z"),
  });
  await addMessage(ctx.sql, ctx.userId, {
    content: "end",
    timestamp: new Date("2026-04-03T23:59:00Z"),
  });
  await addMessage(ctx.sql, ctx.userId, {
    content: "after",
    timestamp: new Date("2026-04-04T00:00:00Z"),
  });
  const rows = await run(ctx, "get_messages_by_date_range", {
    start_date: "2026-04-02",
    end_date: "2026-04-03",
  });
  assert.deepEqual(rows.map((m: { content: string }) => m.content), ["start", "end"]);
  const reversed = await run(ctx, "get_messages_by_date_range", {
    start_date: "2026-04-03",
    end_date: "2026-04-01",
  });
  assert.match(reversed.error, /end_date/);
  for (let i = 0; i < 110; i++) {
    await addMessage(ctx.sql, ctx.userId, {
      content: `x${i}`,
      timestamp: new Date("2026-04-10T10:00:00Z"),
    });
  }
  const many = await run(ctx, "get_messages_by_date_range", {
    start_date: "2026-04-10T00:00:00Z",
    end_date: "2026-04-10T23:59:59Z",
  });
  assert.equal(many.length, 100);
});

// rules: R-TOOLS-1, R-MSG-8
Deno.test("agent tools: conversation stats are the R-MSG-8 stats without daily", async () => {
  const ctx = await context();
  await addMessage(ctx.sql, ctx.userId, { content: "a" });
  await addMessage(ctx.sql, ctx.userId, { content: "b" });
  await addMessage(ctx.sql, ctx.userId, { direction: "outbound", content: "c" });
  const stats = await run(ctx, "get_conversation_stats", {});
  assert.equal(stats.total_messages, 3);
  assert.equal(stats.messages_sent, 2);
  assert.equal(stats.messages_received, 1);
  assert.equal("daily" in stats, false);
  assert.ok(stats.first_message_date && stats.last_message_date);
  assert.equal(typeof stats.average_messages_per_day, "number");
});

// rules: R-TOOLS-1
Deno.test("agent tools: extract_tasks scans the user's recent messages", async () => {
  const ctx = await context();
  await addMessage(ctx.sql, ctx.userId, { content: "I need to call mum\nand nothing else" });
  await addMessage(ctx.sql, ctx.userId, { direction: "outbound", content: "You should call her" });
  await addMessage(ctx.sql, ctx.userId, { content: "just chatting" });
  const tasks = await run(ctx, "extract_tasks", {});
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].task, "I need to call mum");
  assert.equal(tasks[0].priority, "medium");
  assert.equal(tasks[0].completed, false);
});
