/**
 * A tiny suite for the report's own tests (not part of any group: testdata is skipped): one
 * test with steps, one ignored with its reason, one failing with a message, a log tail and a
 * message trace attached, and one failing with nothing attached (the runner adds log tails).
 */
import assert from "node:assert/strict";
import { attach } from "../../attachments.ts";
import { traceHtml } from "./trace_fixture.ts";

Deno.test("demo: a user signs in, in two steps", async (t) => {
  await t.step("request a code", () => {});
  await t.step("verify the code", () => {});
});

console.log(`IGNORED "demo: an implementation check": the external target lacks a database`);
Deno.test({ name: "demo: an implementation check", ignore: true, fn() {} });

const FAILING = "demo: the agent's reply reaches the user <img src=x onerror=alert(1)>";
Deno.test(FAILING, async () => {
  await attach(FAILING, {
    name: "private log tail",
    type: "text/plain",
    body: '{"level":"info","msg":"webhook accepted","message_id":"wamid.FIXTURE1"}\n' +
      '{"level":"error","msg":"agent gave up: LLM timeout","message_id":"wamid.FIXTURE1"}',
  });
  await attach(FAILING, { name: "trace of wamid.FIXTURE1", type: "text/html", body: traceHtml() });
  const delivered = "failed";
  assert.equal(delivered, "delivered", "expected the reply to be delivered, saw it failed");
});

Deno.test("demo: a test that fails without evidence of its own", () => {
  throw new Error("no reply within 5 s");
});
