/**
 * Test helpers for mock_bridge/: a config for tests (loopback, port 0, short delays) and a
 * webhook receiver on a real socket that records every request and answers from a script.
 */
import { type BridgeConfig, bridgeConfig } from "./config.ts";

export function testConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return bridgeConfig({
    port: 0,
    controlPort: 0,
    hostname: "127.0.0.1",
    qrDelayMs: 5,
    connectDelayMs: 200,
    sentDelayMs: -1,
    deliveredDelayMs: -1,
    readDelayMs: -1,
    webhookRetryDelayMs: 20,
    journalLimit: 1000,
    ...overrides,
  });
}

export interface ReceivedWebhook {
  at: number;
  event: string | null;
  body: {
    sessionId: string;
    origin: string;
    eventType: string;
    timestamp: number;
    data: Record<string, unknown>;
  };
  url: string;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests of one event type. */
  of(eventType: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A webhook receiver. `statuses` scripts the answers in order (then 200 for the rest);
 * each answer's body is `{status:"accepted", n}` so tests can see which one they got.
 */
export function startReceiver(options: { statuses?: number[]; delayMs?: number } = {}): Receiver {
  const received: ReceivedWebhook[] = [];
  const script = [...(options.statuses ?? [])];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    received.push({
      at: performance.now(),
      event: req.headers.get("x-webhook-event"),
      body,
      url: req.url,
    });
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const status = script.shift() ?? 200;
    return Response.json({ status: status === 200 ? "accepted" : "error", n: received.length }, {
      status,
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/v1/webhooks/whatsapp?secret=s3cret`,
    received,
    of: (eventType) => received.filter((r) => r.body.eventType === eventType),
    close: () => server.shutdown(),
  };
}
