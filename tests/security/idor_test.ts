/**
 * Security: user A never sees user B's rows — in the list, search, stats or export — whatever
 * A puts in the query string (R-MSG-5 "only the caller's rows").
 */
import assert from "node:assert/strict";
import { chat, configureLlm, createUser } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { withLogTail } from "../e2e/_with_logs.ts";
import type { MessageItem } from "../../lib/clients/zapa.ts";

// rules: R-MSG-5, R-TOOLS-2
suiteTest(
  "security: one user never sees another user's messages on any route",
  withLogTail(["private", "public", "llm"], async (t: Deno.TestContext) => {
    const [a, b] = await Promise.all([createUser(), createUser()]);
    await Promise.all([configureLlm(a), configureLlm(b)]);
    const secretOfB = `bsecret${crypto.randomUUID().replaceAll("-", "")}`;
    const bChat = await chat(b, `my locker code: ${secretOfB}`);
    await chat(a, "hello, just me here");
    const bRows = (await b.api.messages({ limit: 100 })).json.items;
    assert.ok(bRows.some((m) => m.content?.includes(secretOfB)), "B sees its own message");
    // Only rows that really are B's (a broken scope would hand B other users' rows too).
    const bIds = bRows.filter((m) => m.user_id === b.id).map((m) => m.id);
    assert.ok(bIds.length >= 2, `B's message and reply: ${JSON.stringify(bRows)}`);
    void bChat;

    const onlyA = (items: MessageItem[], where: string) => {
      for (const m of items) {
        assert.equal(
          m.user_id,
          a.id,
          `${where}: a row of user ${m.user_id} leaked to user ${a.id}`,
        );
        assert.ok(!m.content?.includes(secretOfB), `${where}: B's text leaked`);
      }
    };

    await t.step("listing, with hostile parameters", async () => {
      for (
        const params of [
          {},
          { user_id: b.id },
          { before_id: Math.max(...bIds) + 1 },
          { search: secretOfB },
          { direction: "inbound", user_id: b.id },
        ]
      ) {
        const list = await a.api.messages(params as Record<string, string | number>);
        assert.equal(list.status, 200, list.text);
        onlyA(list.json.items, `list ${JSON.stringify(params)}`);
      }
    });

    await t.step("search", async () => {
      const found = await a.api.search(secretOfB);
      assert.equal(found.status, 200, found.text);
      assert.equal(found.json.total, 0);
      assert.equal(found.json.items.length, 0);
    });

    await t.step("stats", async () => {
      const [sa, sb] = await Promise.all([a.api.stats(), b.api.stats()]);
      assert.equal(sa.status, 200, sa.text);
      assert.equal(sa.json.total_messages, 2, "A has its message and the reply");
      assert.equal(sb.json.total_messages, 2);
    });

    await t.step("export as JSON and CSV", async () => {
      for (const format of ["json", "csv"] as const) {
        const exported = await a.api.exportMessages(format);
        assert.equal(exported.status, 200, exported.text);
        assert.ok(!exported.text.includes(secretOfB), `${format} export leaked B's text`);
        for (const id of bIds) {
          if (format === "json") {
            const items = JSON.parse(exported.text) as MessageItem[];
            assert.ok(!items.some((m) => m.id === id), `json export leaked B's row ${id}`);
          }
        }
      }
    });

    await t.step("the assistant's search tool", async () => {
      // A asks Zapa to search for B's secret: the tool runs for A only (the current message,
      // which names the secret, is excluded from the search by design).
      const { text } = await chat(a, `Can you search my messages for ${secretOfB}?`);
      assert.ok(!text.includes("my locker code"), `the search tool leaked B's message: ${text}`);
      assert.equal(text, "I found 0 matching message(s).", "A has no message with B's secret");
    });

    await t.step("AI settings", async () => {
      const mine = await a.api.llmConfig();
      const theirs = await b.api.llmConfig();
      assert.notEqual(mine.json.primary?.id, theirs.json.primary?.id);
    });
  }),
);
