/**
 * E2E, opt-in smoke test against a real zapw bridge (issue 10): its health, the session Zapa
 * uses, the auth error shape, and one text sent to a test phone through Zapa's own bridge
 * client (zapa/pipeline/bridge_client.ts), checking the answer's shape — so a change in zapw
 * shows up as a failing test rather than as silence in production.
 *
 * Enabled by ZAPA_LIVE_BRIDGE_URL and ZAPA_LIVE_BRIDGE_API_KEY; the send also needs
 * ZAPA_LIVE_TEST_PHONE (E.164). ZAPA_LIVE_SESSION_ID picks the session (default `main`). Run it
 * through the test command (`deno task test:e2e`), which allows the bridge's host; needs no
 * Zapa stack.
 */
import assert from "node:assert/strict";
import { bridgeFetch, probeBridge, sendText } from "../../zapa/pipeline/bridge_client.ts";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

const url = readEnv("ZAPA_LIVE_BRIDGE_URL")?.replace(/\/+$/, "");
const apiKey = readEnv("ZAPA_LIVE_BRIDGE_API_KEY");
const phone = readEnv("ZAPA_LIVE_TEST_PHONE");
const sessionId = readEnv("ZAPA_LIVE_SESSION_ID") ?? "main";
const missing = [
  ...(url ? [] : ["ZAPA_LIVE_BRIDGE_URL"]),
  ...(apiKey ? [] : ["ZAPA_LIVE_BRIDGE_API_KEY"]),
];

/** The slice of Zapa's config its bridge client reads. */
const config = {
  whatsapp: { apiUrl: url ?? "", apiKey: apiKey ?? null, sessionId, systemNumber: "" },
  outbound: {
    retryBaseMs: 500,
    retryMaxMs: 30_000,
    maxAgeSeconds: 86_400,
    sendTimeoutMs: 10_000,
    permanentFailureAttempts: 3,
  },
};

function liveTest(name: string, needsPhone: boolean, fn: () => Promise<void>): void {
  const lacking = needsPhone && !phone ? [...missing, "ZAPA_LIVE_TEST_PHONE"] : missing;
  if (lacking.length > 0) {
    console.log(`IGNORED "${name}": set ${lacking.join(" and ")} to run it against a real zapw`);
  }
  Deno.test({ name, ignore: lacking.length > 0, fn });
}

// rules: R-BRIDGE-2, R-BRIDGE-3
liveTest("e2e: live zapw is healthy and Zapa's session is connected", false, async () => {
  const health = await bridgeFetch(config, `${url}/health`, { timeoutMs: 10_000 });
  assert.equal(health.status, 200, `GET /health: ${JSON.stringify(health.body)}`);
  const h = health.body as Record<string, unknown>;
  assert.equal(h.status, "ok");
  assert.equal(typeof h.timestamp, "string", "health.timestamp");
  assert.equal(typeof h.uptime, "number", "health.uptime");

  const session = await bridgeFetch(config, `${url}/sessions/${encodeURIComponent(sessionId)}`, {
    timeoutMs: 10_000,
  });
  assert.equal(session.status, 200, `GET /sessions/${sessionId}: ${JSON.stringify(session.body)}`);
  const s = session.body as { status?: string; data?: Record<string, unknown> };
  assert.equal(s.status, "success", "envelope {status:'success', data}");
  assert.equal(s.data?.id, sessionId);
  assert.ok(
    ["initializing", "connecting", "qr_waiting", "connected", "disconnected"].includes(
      String(s.data?.status),
    ),
    `session status ${s.data?.status}`,
  );
  assert.equal(typeof s.data?.createdAt, "string", "session.createdAt");
  // Zapa's own readiness probe must read the same state.
  const probe = await probeBridge(config, 10_000);
  assert.equal(probe.session, "connected", `Zapa's probe sees session ${probe.session}`);
});

// rules: R-BRIDGE-1
liveTest("e2e: live zapw refuses a missing API key with its documented error", false, async () => {
  const r = await bridgeFetch(
    { whatsapp: { ...config.whatsapp, apiKey: null } },
    `${url}/sessions`,
    {
      timeoutMs: 10_000,
    },
  );
  assert.equal(r.status, 401, JSON.stringify(r.body));
  const body = r.body as Record<string, unknown>;
  assert.equal(body.error, "Unauthorized");
  assert.equal(typeof body.message, "string");
});

// rules: R-BRIDGE-4, R-DELIVERY-1
liveTest("e2e: live zapw accepts one text from Zapa's bridge client", true, async () => {
  const text = `Zapa live bridge smoke test ${new Date().toISOString()}`;
  // Zapa's own send, with zapw's whole answer captured on the way back.
  const answers: unknown[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const response = await original(input, init);
    answers.push(await response.clone().json().catch(() => null));
    return response;
  };
  let result;
  try {
    result = await sendText(config, { to: phone!, text });
  } finally {
    globalThis.fetch = original;
  }
  assert.ok(result.ok, `zapw refused Zapa's send: ${JSON.stringify(result)}`);
  assert.ok(result.messageId, "Zapa read data.messageId");
  const body = answers[0] as { status?: string; data?: Record<string, unknown> };
  assert.equal(body?.status, "success", JSON.stringify(body));
  assert.equal(typeof body.data?.messageId, "string", "data.messageId");
  assert.equal(typeof body.data?.timestamp, "number", "data.timestamp (ms)");
  assert.equal(body.data?.status, "sent");

  // An unknown session is a permanent failure for Zapa's delivery; nothing is sent.
  const missingSession = await sendText(
    { ...config, whatsapp: { ...config.whatsapp, sessionId: `zapa-missing-${Date.now()}` } },
    { to: phone!, text },
  );
  assert.equal(missingSession.ok, false);
  if (!missingSession.ok) {
    assert.equal(missingSession.status, 404, missingSession.error);
    assert.equal(missingSession.transient, false, missingSession.error);
    assert.match(missingSession.error, /not found/i);
  }
});
