/**
 * The trace collector against the real doubles on loopback sockets — the mock bridge and the
 * mock LLM — and a small stand-in for Zapa that answers each message with one LLM call and one
 * send, so every hop the journals can show is there, in order.
 */
import assert from "node:assert/strict";
import { eventually } from "../eventually.ts";
import { type RunningBridge, startBridge } from "../../mock_bridge/server.ts";
import { testConfig } from "../../mock_bridge/testing.ts";
import { startTestServer, type TestServer } from "../../mock_llm/_test_server.ts";
import { keyFingerprint } from "../clients/llm.ts";
import { collectTrace, renderHtml, renderJson, renderText, type TraceTarget } from "./mod.ts";

let bridge: RunningBridge | undefined;
let llm: TestServer | undefined;
let zapa: Deno.HttpServer<Deno.NetAddr> | undefined;
const KEY = "sk-trace-unit-key";
const pending: Promise<void>[] = [];

/** Plays Zapa: acknowledges the webhook, asks the LLM, sends the answer through the bridge. */
async function answer(body: { eventType: string; data: Record<string, unknown> }) {
  if (body.eventType !== "message.received") return;
  const from = String(body.data.from).replace(/@.*/, "");
  const completion = await fetch(`${llm!.base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: String(body.data.text ?? body.data.body ?? "") }],
    }),
  }).then((r) => r.json());
  const text = completion.choices[0].message.content as string;
  const sent = await fetch(`${bridge!.apiUrl}/sessions/main/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer unit-key" },
    body: JSON.stringify({ to: `+${from}`, type: "text", text }),
  });
  await sent.body?.cancel();
}

Deno.test.beforeAll(async () => {
  llm = startTestServer();
  zapa = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    pending.push(answer(body));
    return Response.json({ status: "accepted" });
  });
  bridge = startBridge(
    testConfig({
      webhookUrl: `http://127.0.0.1:${zapa.addr.port}/api/v1/webhooks/whatsapp`,
      apiKey: "unit-key",
      connectDelayMs: 0,
      sentDelayMs: 20,
      deliveredDelayMs: 40,
      readDelayMs: 60,
    }),
    { announce: false },
  );
  await eventually(async () => {
    const state = await (await fetch(`${bridge!.controlUrl}/__mock/state`)).json();
    return state.sessions.some((s: { status: string }) => s.status === "connected");
  }, { message: "the bridge's main session connected" });
});

Deno.test.afterAll(async () => {
  await Promise.allSettled(pending);
  await bridge?.close();
  await zapa?.shutdown();
  await llm?.close();
});

let inboundCount = 0;

async function inbound(text: string, from = "+15551230001"): Promise<string> {
  inboundCount++;
  const res = await fetch(`${bridge!.controlUrl}/__mock/inbound`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ from, text }),
  });
  return (await res.json()).message_id;
}

/** Waits until every message sent so far has its reply read (the last receipt webhook). */
async function untilRead(): Promise<void> {
  await eventually(async () => {
    const page = await (await fetch(
      `${bridge!.controlUrl}/__mock/webhooks?event_type=message.read`,
    )).json();
    return page.items.length >= inboundCount;
  }, { message: `${inboundCount} read receipts in the webhook journal` });
}

function target(overrides: Partial<TraceTarget> = {}): TraceTarget {
  return { bridgeControl: bridge!.controlUrl, llm: llm!.base, ...overrides };
}

Deno.test("trace: a message's hops come in order — inbound, webhook, LLM call, send, receipts, its log line", async () => {
  const id = await inbound("hello <b>trace</b>");
  await untilRead();
  const logs = (service: string) =>
    Promise.resolve(
      service === "private"
        ? [
          `{"ts":"${
            new Date().toISOString()
          }","level":"info","service":"zapa-private","msg":"ingest: note","wa":"${id}","request_id":"r-1"}`,
          `{"ts":"${
            new Date().toISOString()
          }","level":"info","service":"zapa-private","msg":"same request","request_id":"r-1"}`,
          `{"ts":"${
            new Date().toISOString()
          }","level":"info","service":"zapa-private","msg":"someone else","wa":"3EB0OTHER"}`,
          "not json",
        ].join("\n")
        : "",
    );
  const trace = await collectTrace(target({ logs, logServices: ["private"] }), id, {
    keyFingerprints: [await keyFingerprint(KEY)],
  });
  const names = trace.hops.map((h) => h.hop);
  const first = (prefix: string) => names.findIndex((n) => n.startsWith(prefix));
  assert.equal(names[0], "phone → bridge");
  assert.equal(names[1], "webhook message.received #1");
  assert.ok(first("LLM call (openai)") > 1, names.join(", "));
  assert.ok(first("send to bridge") > first("LLM call"), names.join(", "));
  assert.ok(first("receipt message.sent") > first("send to bridge"), names.join(", "));
  assert.ok(first("receipt message.delivered") > first("receipt message.sent"));
  assert.ok(first("receipt message.read") > first("receipt message.delivered"));
  assert.deepEqual(names.filter((n) => n.startsWith("log: ")), [
    "log: ingest: note",
    "log: same request",
  ]);
  const starts = trace.hops.map((h) => Date.parse(h.start));
  assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  const llmHop = trace.hops[first("LLM call")]!;
  assert.equal(llmHop.status, "200");
  assert.ok(llmHop.durationMs !== null && llmHop.end !== null);
  assert.deepEqual(trace.sources.find((s) => s.name === "zapa records")?.ok, false);

  const text = renderText(trace);
  assert.match(text, /phone → bridge[\s\S]*webhook[\s\S]*LLM call[\s\S]*send to bridge/);
  assert.match(text, /zapa records NOT REACHABLE/);
  const html = renderHtml(trace);
  assert.ok(!html.includes("<b>trace</b>"), "message text is escaped");
  assert.ok(!/<script|src=|href=/.test(html), "no script, no external asset");
  assert.equal(html.match(/<li /g)?.length, trace.hops.length);
  assert.deepEqual(JSON.parse(renderJson(trace)).hops.length, trace.hops.length);
});

Deno.test("trace: without a key fingerprint, LLM calls are matched by the message's text", async () => {
  const other = await inbound("another user's words", "+15551230002");
  const id = await inbound("words only this message has", "+15551230003");
  await untilRead();
  const trace = await collectTrace(target(), id);
  const calls = trace.hops.filter((h) => h.hop.startsWith("LLM call"));
  assert.equal(calls.length, 1);
  const sends = trace.hops.filter((h) => h.hop === "send to bridge");
  assert.equal(sends.length, 1);
  assert.match(sends[0]!.detail, /words only this message has/);
  assert.notEqual(other, id);
});

Deno.test("trace: unreachable sources are named and the rest still traces the message", async () => {
  const id = await inbound("when the LLM journal is gone", "+15551230004");
  await untilRead();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = `http://127.0.0.1:${closed.addr.port}`;
  closed.close();
  const trace = await collectTrace(
    target({ llm: deadUrl, private: deadUrl, admin: { username: "a", password: "b" } }),
    id,
    { timeoutMs: 2_000 },
  );
  const state = Object.fromEntries(trace.sources.map((s) => [s.name, s.ok]));
  assert.deepEqual(state, {
    "bridge journal": true,
    "zapa records": false,
    "LLM journal": false,
    "service logs": false,
  });
  assert.match(trace.sources.find((s) => s.name === "LLM journal")!.note!, /not reachable/);
  assert.equal(trace.hops[0]!.hop, "phone → bridge");
  assert.ok(trace.hops.some((h) => h.hop === "send to bridge"));
  assert.match(renderText(trace), /LLM journal NOT REACHABLE/);
});

Deno.test("trace: an id no source knows gives an empty trace that says so", async () => {
  const trace = await collectTrace(target(), "3EB0NOBODYKNOWSME");
  assert.deepEqual(trace.hops, []);
  assert.match(renderText(trace), /no hop found/);
});
