/**
 * A fake of the slice of Zapa + mock bridge the load scripts touch, in one server: code login,
 * LLM config, messages and stats (public API), and `/__mock/inbound`, the long-poll
 * `/__mock/sent` and `/__mock/webhooks` (bridge). Replies quote the message after
 * `replyDelayMs`, like the mock LLM's `You said: "…"`. For the runner's own tests only.
 */

interface Sent {
  seq: number;
  to: string;
  text: string;
}

export interface FakeZapa {
  url: string;
  replies: () => number;
  shutdown: () => Promise<void>;
}

function digits(s: string): string {
  return s.replace(/\D/g, "");
}

export function startFakeZapa(
  opts: {
    replyDelayMs?: number;
    journalLimit?: number;
    /** Webhook journal entries each inbound message seems to write (to fake a wrap). */
    webhookEntriesPerInbound?: number;
  } = {},
): FakeZapa {
  const sent: Sent[] = [];
  const waiters = new Set<() => void>();
  const codes = new Map<string, string>();
  const messages = new Map<string, { id: number; direction: string; content: string }[]>();
  let seq = 0;
  let inboundSeq = 0;
  let nextId = 1;
  let replies = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const push = (to: string, text: string) => {
    sent.push({ seq: ++seq, to: digits(to), text });
    for (const w of waiters) w();
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const phoneOf = (req: Request) =>
    (req.headers.get("authorization") ?? "").replace(/^Bearer tok-/, "+");

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.json().catch(() => ({})) : {};
    switch (`${req.method} ${url.pathname}`) {
      case "POST /api/v1/auth/request-code": {
        const code = String(100000 + Math.floor(Math.random() * 900000));
        codes.set(body.phone_number, code);
        later(
          5,
          () =>
            push(body.phone_number, `Your Zapa login code is ${code}. It expires in 5 minutes.`),
        );
        return Response.json({ success: true, phone_number: body.phone_number });
      }
      case "POST /api/v1/auth/verify":
        if (codes.get(body.phone_number) !== body.code) {
          return Response.json({ detail: "Invalid or expired code" }, { status: 401 });
        }
        return Response.json({
          access_token: `tok-${digits(body.phone_number)}`,
          token_type: "bearer",
        });
      case "POST /api/v1/llm-config":
        return Response.json({ primary: { provider: body.provider }, fallback: null });
      case "GET /api/v1/messages": {
        const items = messages.get(phoneOf(req)) ?? [];
        return Response.json({ items: items.slice(-20).reverse(), total: items.length });
      }
      case "GET /api/v1/messages/stats":
        return Response.json({ total_messages: (messages.get(phoneOf(req)) ?? []).length });
      case "POST /__mock/inbound": {
        const id = `MSG${nextId++}`;
        inboundSeq++;
        const from = `+${digits(body.from)}`;
        const list = messages.get(from) ?? [];
        messages.set(from, list);
        list.push({ id: nextId, direction: "inbound", content: body.text });
        later(opts.replyDelayMs ?? 20, () => {
          const reply = `You said: "${body.text}"`;
          list.push({ id: nextId++, direction: "outbound", content: reply });
          replies++;
          push(from, reply);
        });
        return Response.json({
          status: "simulated",
          message_id: id,
          webhook: { status: 200, body: { status: "accepted", message_id: id } },
        });
      }
      case "GET /__mock/state":
        return Response.json({
          settings: { journal_limit: opts.journalLimit ?? 10_000 },
          seqs: {
            sent: seq,
            inbound: inboundSeq,
            webhooks: inboundSeq * (opts.webhookEntriesPerInbound ?? 4),
          },
        });
      case "GET /__mock/webhooks":
        return Response.json({ items: [{ seq: 1, attempt: 1, status: 200, duration_ms: 2 }] });
      case "GET /__mock/sent": {
        const to = digits(url.searchParams.get("to") ?? "");
        const since = Number(url.searchParams.get("since") ?? 0);
        const deadline = Date.now() + Number(url.searchParams.get("wait_ms") ?? 0);
        const match = () => sent.filter((s) => s.seq > since && (!to || s.to === to));
        while (match().length === 0 && Date.now() < deadline) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              waiters.delete(done);
              resolve();
            };
            const t = setTimeout(done, deadline - Date.now());
            waiters.add(done);
          });
        }
        return Response.json({ items: match(), now: seq });
      }
      default:
        return Response.json({ detail: "Not Found" }, { status: 404 });
    }
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    replies: () => replies,
    shutdown: async () => {
      for (const t of timers) clearTimeout(t);
      for (const w of waiters) w();
      await server.shutdown();
    },
  };
}

if (import.meta.main) {
  const fake = startFakeZapa({ replyDelayMs: Number(Deno.args[0] ?? 20) });
  console.log(fake.url);
}
