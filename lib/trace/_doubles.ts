/**
 * Test kit: the real mock bridge and mock LLM on loopback sockets, and a small stand-in for Zapa
 * that answers each message with one LLM call and one send, so a message leaves every hop the
 * journals can show (inbound, webhook, LLM call, send, three receipts).
 */
import { eventually } from "../eventually.ts";
import { type RunningBridge, startBridge } from "../../mock_bridge/server.ts";
import { testConfig } from "../../mock_bridge/testing.ts";
import { startTestServer, type TestServer } from "../../mock_llm/_test_server.ts";
import type { TraceTarget } from "./types.ts";

export const DOUBLES_KEY = "sk-trace-unit-key";

export interface Doubles {
  bridge: RunningBridge;
  llm: TestServer;
  /** A phone's message to Zapa; resolves with its WhatsApp id. */
  inbound(text: string, from?: string): Promise<string>;
  /** Waits until every message sent so far has its reply read (the last receipt). */
  untilRead(): Promise<void>;
  target(overrides?: Partial<TraceTarget>): TraceTarget;
  close(): Promise<void>;
}

export async function startDoubles(): Promise<Doubles> {
  const llm = startTestServer();
  const pending: Promise<void>[] = [];
  let bridgeApi = ""; // known once the bridge is up; the stand-in only runs after that
  let inbounds = 0;

  /** Plays Zapa: asks the LLM with the message's text, sends the answer through the bridge. */
  async function answer(body: { eventType: string; data: Record<string, unknown> }) {
    if (body.eventType !== "message.received") return;
    const from = String(body.data.from).replace(/@.*/, "");
    const completion = await fetch(`${llm.base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${DOUBLES_KEY}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: String(body.data.text ?? "") }],
      }),
    }).then((r) => r.json());
    const sent = await fetch(`${bridgeApi}/sessions/main/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer unit-key" },
      body: JSON.stringify({
        to: `+${from}`,
        type: "text",
        text: completion.choices[0].message.content,
      }),
    });
    await sent.body?.cancel();
  }

  const zapa = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    pending.push(answer(await req.json()));
    return Response.json({ status: "accepted" });
  });
  const bridge = startBridge(
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
  bridgeApi = bridge.apiUrl;
  const control = bridge.controlUrl;
  await eventually(async () => {
    const state = await (await fetch(`${control}/__mock/state`)).json();
    return state.sessions.some((s: { status: string }) => s.status === "connected");
  }, { message: "the bridge's main session connected" });

  return {
    bridge,
    llm,
    async inbound(text, from = "+15551230001") {
      inbounds++;
      const res = await fetch(`${control}/__mock/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ from, text }),
      });
      return (await res.json()).message_id;
    },
    async untilRead() {
      await eventually(async () => {
        const page = await (await fetch(`${control}/__mock/webhooks?event_type=message.read`))
          .json();
        return page.items.length >= inbounds;
      }, { message: `${inbounds} read receipts in the webhook journal` });
    },
    target: (overrides = {}) => ({ bridgeControl: control, llm: llm.base, ...overrides }),
    async close() {
      await Promise.allSettled(pending);
      await bridge.close();
      await zapa.shutdown();
      await llm.close();
    },
  };
}
