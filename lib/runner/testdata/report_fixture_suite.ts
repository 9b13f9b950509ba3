/**
 * A tiny suite for the report's own tests (not part of any group: testdata is skipped): one
 * test with steps, one ignored with its reason, one failing with a message, a log tail and a
 * message trace attached, and one failing with nothing attached (the runner adds log tails).
 */
import assert from "node:assert/strict";
import { attach } from "../../attachments.ts";

/** The hops of a message's journey, in order, as the trace fixture shows them. */
export const HOPS = [
  "bridge: inbound message wamid.FIXTURE1",
  "bridge: webhook attempt 1 → 503",
  "bridge: webhook attempt 2 → 200",
  "private: intake stored message",
  "agent: LLM call (key fp 3f2a)",
  "bridge: send reply",
  "bridge: receipt delivered",
];

function traceHtml(): string {
  const rows = HOPS.map((hop, i) =>
    `<li class="hop" data-hop="${i + 1}"><span>${hop}</span> <small>+${i * 40} ms, ${
      10 + i
    } ms</small></li>`
  ).join("");
  return `<!doctype html><html><head><style>li.hop{margin:.2rem 0}</style></head><body>` +
    `<h1>Trace of wamid.FIXTURE1</h1><ol class="hops">${rows}</ol></body></html>`;
}

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
