import assert from "node:assert/strict";
import { isTransient, sendText } from "./bridge_client.ts";
import { TestBridge } from "../testing/mod.ts";

// rules: R-DELIVERY-2, R-DELIVERY-3
Deno.test("bridge client: transient and permanent failures", async (t) => {
  const cases: [number, string, boolean][] = [
    [0, "connection refused", true],
    [500, "Failed to send message", true],
    [503, "unavailable", true],
    [429, "slow down", true],
    [400, "bridge 400: Session not connected", true],
    [400, "bridge 400: Text is required for text messages", false],
    [401, "Invalid API key", false],
    [404, "Session main not found", false],
    [422, "bad", false],
  ];
  for (const [status, error, transient] of cases) {
    await t.step(`${status} ${error}`, () => assert.equal(isTransient(status, error), transient));
  }
});

// rules: R-DELIVERY-1
Deno.test("bridge client: sends the zapw body with the Bearer key and reads data.messageId", async () => {
  const bridge = new TestBridge();
  const config = (apiKey: string) => ({
    whatsapp: { apiUrl: bridge.url, apiKey, sessionId: "main", systemNumber: "+1234567890" },
    outbound: {
      retryBaseMs: 1,
      retryMaxMs: 1,
      maxAgeSeconds: 1,
      sendTimeoutMs: 2_000,
      permanentFailureAttempts: 3,
    },
  });
  try {
    // The mock bridge validates the body as zapw does and checks the key.
    const result = await sendText(config("bridge-key"), { to: "+15551234567", text: "hi <there>" });
    const [sent] = bridge.sent;
    assert.deepEqual(result, { ok: true, messageId: sent?.messageId });
    assert.deepEqual({ ...sent, at: 0 }, {
      to: "+15551234567",
      text: "hi <there>",
      messageId: sent?.messageId,
      at: 0,
    });
    const refused = await sendText(config("wrong-key"), { to: "+15551234567", text: "x" });
    assert.ok(!refused.ok && refused.status === 401 && !refused.transient);
  } finally {
    await bridge.close();
  }
});

// rules: R-DELIVERY-2
Deno.test("bridge client: a refused connection is a transient failure", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const result = await sendText({
    whatsapp: {
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey: null,
      sessionId: "main",
      systemNumber: "+1234567890",
    },
    outbound: {
      retryBaseMs: 1,
      retryMaxMs: 1,
      maxAgeSeconds: 1,
      sendTimeoutMs: 1_000,
      permanentFailureAttempts: 3,
    },
  }, { to: "+15551234567", text: "x" });
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.transient && result.status === 0);
});
