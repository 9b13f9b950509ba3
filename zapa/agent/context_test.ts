/** Context building: pure rendering, plus the 20-message window on a real PostgreSQL. */
import assert from "node:assert/strict";
import { startPostgres, type TestPostgres } from "../public/testing.ts";
import { addMessage, newUser } from "../testing/agent.ts";
import {
  BASE_PROMPT,
  buildTurns,
  loadConversation,
  type MessageRow,
  renderContent,
  systemPrompt,
} from "./context.ts";

let pg: TestPostgres | undefined;
Deno.test.beforeAll(async () => {
  pg = await startPostgres();
});
Deno.test.afterAll(async () => {
  await pg?.stop();
});

function row(id: number, direction: MessageRow["direction"], content: string): MessageRow {
  return { id, direction, message_type: "text", content, caption: null, timestamp: new Date(id) };
}

// rules: R-CONTEXT-1
Deno.test("agent context: media renders as [type] caption", () => {
  assert.equal(
    renderContent({ message_type: "image", content: "media-id", caption: "A cat" }),
    "[image] A cat",
  );
  assert.equal(renderContent({ message_type: "audio", content: null, caption: null }), "[audio]");
  assert.equal(renderContent({ message_type: "text", content: " hi ", caption: null }), "hi");
});

// rules: R-CONTEXT-1
Deno.test("agent context: inbound → user, outbound → assistant, system skipped, current last", () => {
  const turns = buildTurns(
    [
      row(1, "inbound", "a"),
      row(2, "system", "notice"),
      row(3, "outbound", "b"),
      row(4, "inbound", ""),
    ],
    row(5, "inbound", "now"),
  );
  assert.deepEqual(turns, [
    { role: "user", text: "a" },
    { role: "assistant", text: "b" },
    { role: "user", text: "now" },
  ]);
});

// rules: R-CONTEXT-2
Deno.test("agent context: the system prompt has the base prompt, today's date, then instructions", () => {
  const prompt = systemPrompt({
    now: new Date("2026-03-05T12:00:00Z"),
    customInstructions: "Always answer in French.",
  });
  assert.ok(prompt.startsWith(BASE_PROMPT));
  assert.match(prompt, /WhatsApp/);
  assert.match(prompt, /search this user's message history with the tools/);
  assert.match(prompt, /Thursday 5 March 2026|Thursday, 5 March 2026/);
  assert.match(prompt, /2026-03-05/);
  assert.ok(prompt.endsWith("Always answer in French."));
  assert.ok(prompt.indexOf("2026-03-05") < prompt.indexOf("French"));
  assert.ok(!systemPrompt({ now: new Date(), customInstructions: "  " }).includes("Instructions"));
});

// rules: R-CONTEXT-1
Deno.test("agent context: the previous 20 messages in (timestamp, id) order", async () => {
  const sql = pg!.sql;
  const user = await newUser(sql);
  const other = await newUser(sql);
  const base = Date.parse("2026-01-01T00:00:00Z");
  const ids: number[] = [];
  for (let i = 0; i < 25; i++) {
    ids.push(
      await addMessage(sql, user, {
        direction: i % 2 ? "outbound" : "inbound",
        content: `m${i}`,
        // Two messages share each timestamp: ties are broken by id.
        timestamp: new Date(base + Math.floor(i / 2) * 1000),
      }),
    );
  }
  await addMessage(sql, user, {
    direction: "system",
    content: "sys",
    timestamp: new Date(base + 20_000),
  });
  await addMessage(sql, other, { content: "not yours", timestamp: new Date(base + 20_500) });
  const current = await addMessage(sql, user, {
    content: "now",
    timestamp: new Date(base + 30_000),
  });
  // A later message (arrived while answering) is not part of this context.
  await addMessage(sql, user, { content: "later", timestamp: new Date(base + 40_000) });

  const { current: cur, history } = await loadConversation(sql, {
    userId: user,
    messageId: current,
    limit: 20,
  });
  assert.equal(cur.content, "now");
  assert.deepEqual(
    history.map((r) => r.content),
    Array.from({ length: 20 }, (_, i) => `m${i + 5}`),
  );
  const turns = buildTurns(history, cur);
  assert.equal(turns.length, 21);
  assert.deepEqual(turns.at(-1), { role: "user", text: "now" });
  assert.equal(turns[0]?.role, "assistant"); // m5 was outbound
});

// rules: R-MSG-5
Deno.test("agent context: another user's message id is not found", async () => {
  const sql = pg!.sql;
  const a = await newUser(sql);
  const b = await newUser(sql);
  const id = await addMessage(sql, a, { content: "mine" });
  await assert.rejects(loadConversation(sql, { userId: b, messageId: id, limit: 20 }), /not found/);
});
