/** Tests of the bounded request journal. */
import assert from "node:assert/strict";
import { Journal } from "./journal.ts";

function add(journal: Journal, provider: string, fp: string) {
  return journal.add({
    provider,
    path: "/v1/x",
    model: "m",
    key_fingerprint: fp,
    stream: false,
    message_count: 1,
    last_user_message: "hi",
    system: "s".repeat(600),
    tools: [],
    tool_choice: null,
    tool_result_present: false,
    status: 200,
    fault: null,
    duration_ms: 1,
  });
}

// rules: R-MOCKLLM-5
Deno.test("mock llm journal: keeps the newest entries in seq order and filters", () => {
  const journal = new Journal(3);
  for (let i = 0; i < 5; i++) add(journal, i % 2 ? "openai" : "google", `fp${i % 2}`);
  assert.deepEqual(journal.query().map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(journal.query({ provider: "openai" }).map((e) => e.seq), [4]);
  assert.deepEqual(journal.query({ key_fingerprint: "fp0" }).map((e) => e.seq), [3, 5]);
  assert.deepEqual(journal.query({ since: 3, limit: 1 }).map((e) => e.seq), [4]);
  assert.deepEqual(journal.query({ limit: 2 }).map((e) => e.seq), [4, 5]);
  assert.equal(journal.query()[0]?.system?.length, 500);
  journal.clear();
  assert.equal(journal.size, 0);
  assert.equal(add(journal, "openai", "x").seq, 6, "seq keeps counting after a clear");
});
