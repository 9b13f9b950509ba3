/**
 * The ceiling of the pipeline benchmarks: the least a Zapa could do with the same wire. It
 * answers each zapw webhook at once and sends the message's text straight back to its sender
 * through the bridge's send API — no PostgreSQL, no Redis, no LLM. The benchmarks load it with
 * the same sender, events and reply pairing as Zapa, so "Zapa ÷ ceiling" says what Zapa costs
 * on top of the box, whatever the box's speed that day.
 *
 *   deno run --allow-net=127.0.0.1 --allow-env=PORT,BRIDGE_URL,BRIDGE_API_KEY,SESSION_ID \
 *     tests/performance/bench/ceiling_receiver.ts
 */

interface ReceivedEvent {
  eventType?: string;
  data?: { from?: string; text?: string };
}

/** The reply the loop sends for an event, or null when there is nothing to answer. */
export function echoFor(event: ReceivedEvent): { to: string; text: string } | null {
  if (event.eventType !== "message.received") return null;
  const digits = (event.data?.from ?? "").split("@")[0]!.split(":")[0]!.replace(/\D/g, "");
  const text = event.data?.text;
  if (!digits || typeof text !== "string" || text.trim() === "") return null;
  return { to: `+${digits}`, text };
}

export function serveCeiling(options: {
  port: number;
  bridgeUrl: string;
  apiKey: string | null;
  sessionId: string;
}): Deno.HttpServer<Deno.NetAddr> {
  const sendUrl = `${options.bridgeUrl}/sessions/${encodeURIComponent(options.sessionId)}/messages`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const accepted = JSON.stringify({ status: "accepted" });
  let failures = 0;
  const send = async (reply: { to: string; text: string }) => {
    try {
      const res = await fetch(sendUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "text", ...reply }),
      });
      await res.body?.cancel();
      if (!res.ok) failures++;
    } catch {
      failures++;
    }
  };
  return Deno.serve({ hostname: "127.0.0.1", port: options.port, onListen() {} }, async (req) => {
    if (req.method === "GET") return Response.json({ status: "ok", send_failures: failures });
    let event: ReceivedEvent;
    try {
      event = await req.json();
    } catch {
      return Response.json({ status: "error", error: "invalid_payload" }, { status: 400 });
    }
    const reply = echoFor(event);
    // Acknowledge first, as Zapa does; the send runs after the answer.
    if (reply) queueMicrotask(() => void send(reply));
    return new Response(accepted, { headers: { "content-type": "application/json" } });
  });
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name);
  const bridgeUrl = env("BRIDGE_URL");
  if (!bridgeUrl) throw new Error("BRIDGE_URL is required");
  const server = serveCeiling({
    port: Number(env("PORT") ?? 0),
    bridgeUrl,
    apiKey: env("BRIDGE_API_KEY") || null,
    sessionId: env("SESSION_ID") ?? "main",
  });
  console.log(JSON.stringify({ listening: server.addr.port }));
}
