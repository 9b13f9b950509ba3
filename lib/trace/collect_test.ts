/**
 * The trace collector against the real doubles on loopback sockets (lib/trace/_doubles.ts):
 * every hop the journals can show is there, in order, and missing sources are named.
 */
import assert from "node:assert/strict";
import { keyFingerprint } from "../clients/llm.ts";
import { type Doubles, DOUBLES_KEY, startDoubles } from "./_doubles.ts";
import { collectTrace, renderHtml, renderJson, renderText, type TraceTarget } from "./mod.ts";

let doubles: Doubles | undefined;

Deno.test.beforeAll(async () => {
  doubles = await startDoubles();
});

Deno.test.afterAll(async () => {
  await doubles?.close();
});

const inbound = (text: string, from?: string) => doubles!.inbound(text, from);
const untilRead = () => doubles!.untilRead();
const target = (overrides: Partial<TraceTarget> = {}) => doubles!.target(overrides);

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
    keyFingerprints: [await keyFingerprint(DOUBLES_KEY)],
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

Deno.test("trace: Zapa's records join in, and a reply's id traces the message it answers", async () => {
  const id = await inbound("answered, as Zapa's records say", "+15551230005");
  await untilRead();
  const sent = await (await fetch(`${doubles!.bridge.controlUrl}/__mock/sent?to=15551230005`))
    .json();
  const replyId: string = sent.items[0].message_id;
  // Times of a stand-in record: after the phone's message reached the bridge.
  const now = Date.parse(sent.items[0].at) + 600;
  const record = {
    message: {
      id: 7,
      direction: "inbound",
      content: "answered, as Zapa's records say",
      status: null,
      whatsapp_message_id: id,
      created_at: new Date(now - 500).toISOString(),
    },
    reply: {
      id: 8,
      direction: "outbound",
      content: "…",
      status: "read",
      whatsapp_message_id: replyId,
      created_at: new Date(now - 400).toISOString(),
    },
    hops: [{
      hop: "agent",
      service: "zapa",
      start: new Date(now - 450).toISOString(),
      end: new Date(now - 400).toISOString(),
      duration_ms: 50,
      status: "replied",
      detail: "",
    }],
  };
  const seen: string[] = [];
  const zapa = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path} ${req.headers.get("authorization") ?? ""}`);
    if (path === "/api/v1/auth/login") return Response.json({ access_token: "admin-token" });
    const asked = decodeURIComponent(path.split("/")[5] ?? "");
    return asked === id || asked === replyId
      ? Response.json(record)
      : Response.json({ detail: "No message with this WhatsApp id" }, { status: 404 });
  });
  try {
    const zapaTarget = target({
      private: `http://127.0.0.1:${zapa.addr.port}`,
      admin: { username: "admin", password: "admin123" },
    });
    for (const asked of [id, replyId]) {
      const trace = await collectTrace(zapaTarget, asked);
      const names = trace.hops.map((h) => h.hop);
      assert.equal(names[0], "phone → bridge", `${asked}: ${names}`);
      assert.ok(names.includes("agent") && names.includes("receipt message.read #1"), `${names}`);
      assert.equal(names.filter((n) => n === "send to bridge").length, 1);
    }
    const unknown = await collectTrace(zapaTarget, "3EB0UNKNOWN");
    assert.equal(
      unknown.sources.find((s) => s.name === "zapa records")?.note,
      "Zapa has no message with this id",
    );
    assert.ok(seen.some((s) => s.endsWith("Bearer admin-token")), seen.join("\n"));
  } finally {
    await zapa.shutdown();
  }
});
