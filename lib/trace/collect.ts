/**
 * Builds one WhatsApp message's trace from a running stack: the bridge journal (inbound, webhook
 * attempts, sends, receipts), Zapa's own records, the LLM journal (by key fingerprint, else by
 * the message's text, within the time from arrival to reply) and the services' JSON logs (by
 * WhatsApp id, row id, job id, then request id). A source that cannot be read is named, and the
 * trace is built from the rest.
 */
import {
  type BridgeJournals,
  type LlmJournalEntry,
  type LogLine,
  readBridge,
  readLlm,
  readLogs,
  readZapa,
  type SentItem,
  type WebhookAttempt,
  type ZapaTrace,
} from "./sources.ts";
import type { Hop, SourceState, Trace, TraceOptions, TraceTarget } from "./types.ts";

const DEFAULT_WINDOW_MS = 120_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function point(hop: string, service: string, at: number, status: string, detail: string): Hop {
  return { hop, service, start: iso(at), end: iso(at), durationMs: 0, status, detail };
}

function span(
  hop: string,
  service: string,
  at: number,
  ms: number | null,
  status: string,
  detail: string,
): Hop {
  const end = ms === null ? null : iso(at + ms);
  return { hop, service, start: iso(at), end, durationMs: ms, status, detail };
}

function quote(text: string | null | undefined, max = 60): string {
  if (!text) return "";
  const one = text.replace(/\s+/g, " ");
  return JSON.stringify(one.length > max ? `${one.slice(0, max)}…` : one);
}

/** `+15551234567` → `+155***4567`, as Zapa's logs show numbers. */
function maskPhone(value: string): string {
  const digits = value.replace(/@.*$/, "").replace(/\D/g, "");
  return digits.length <= 7 ? "***" : `+${digits.slice(0, 3)}***${digits.slice(-4)}`;
}

function digits(value: string): string {
  return value.replace(/@.*$/, "").replace(/:\d+$/, "").replace(/\D/g, "");
}

function webhookHop(w: WebhookAttempt, label: string): Hop {
  const status = w.status === 0 ? "no answer" : String(w.status);
  const copy = w.copy > 1 ? ` (copy ${w.copy})` : "";
  return span(
    `${label} ${w.event_type} #${w.attempt}${copy}`,
    "bridge → zapa",
    Date.parse(w.at),
    w.duration_ms,
    status,
    w.error ?? "",
  );
}

function sendHop(s: SentItem): Hop {
  return point(
    s.rejected ? "send attempt (rejected)" : "send to bridge",
    "zapa → bridge",
    Date.parse(s.at),
    String(s.http_status),
    s.rejected
      ? `fault answered ${s.http_status}`
      : `WhatsApp id ${s.message_id}; ${quote(s.text)}; receipt reached: ${s.status}`,
  );
}

function llmHop(e: LlmJournalEntry): Hop {
  const parts = [e.model ?? "no model", `key ${e.key_fingerprint ?? "none"}`];
  if (e.tools.length > 0) parts.push(`tools ${e.tools.length}`);
  if (e.tool_result_present) parts.push("with tool results");
  if (e.stream) parts.push("stream");
  if (e.fault) parts.push(`fault ${e.fault}`);
  return span(
    `LLM call (${e.provider})`,
    "llm",
    Date.parse(e.at),
    e.duration_ms,
    e.status === null ? "held" : String(e.status),
    parts.join("; "),
  );
}

/** What is known about the message once the bridge and Zapa have been asked. */
interface Facts {
  inboundAt: number | null;
  phoneDigits: string | null;
  text: string | null;
  replyWaId: string | null;
  /** Zapa row ids of the message and its reply, for log lines that carry only those. */
  rowIds: number[];
}

/** The inbound message's WhatsApp id: the one asked for, or (for a reply's) what it answers. */
function inboundIdOf(messageId: string, zapa: ZapaTrace | null): string {
  const m = zapa?.message;
  return m?.direction === "inbound" && m.whatsapp_message_id ? m.whatsapp_message_id : messageId;
}

function facts(messageId: string, bridge: BridgeJournals | null, zapa: ZapaTrace | null): Facts {
  const inboundId = inboundIdOf(messageId, zapa);
  const inbound = bridge?.inbound.find((i) => i.message_id === inboundId) ?? null;
  const zapaInbound = zapa?.message.direction === "inbound" ? zapa.message : null;
  const sentAsReply = bridge?.sent.find((s) => s.message_id === messageId) ?? null;
  return {
    inboundAt: inbound
      ? Date.parse(inbound.at)
      : zapaInbound
      ? Date.parse(zapaInbound.created_at)
      : null,
    phoneDigits: inbound ? digits(inbound.from) : sentAsReply ? digits(sentAsReply.to) : null,
    text: inbound?.text ?? inbound?.caption ?? zapaInbound?.content ?? null,
    replyWaId: zapa?.reply?.whatsapp_message_id ??
      (zapa?.message.direction === "outbound" ? zapa.message.whatsapp_message_id : null) ?? null,
    rowIds: [zapa?.message.id, zapa?.reply?.id].filter((n): n is number => typeof n === "number"),
  };
}

/** The accepted send that carried the reply, and the rejected attempts before it. */
function sends(messageId: string, f: Facts, bridge: BridgeJournals, windowMs: number): SentItem[] {
  const own = bridge.sent.find((s) => s.message_id === messageId);
  if (own) return [own]; // the id is itself a send (a reply or a code message)
  if (f.inboundAt === null) return [];
  const accepted = f.replyWaId
    ? bridge.sent.find((s) => s.message_id === f.replyWaId)
    : bridge.sent.find((s) =>
      !s.rejected && f.phoneDigits !== null && digits(s.to) === f.phoneDigits &&
      Date.parse(s.at) >= f.inboundAt!
    );
  const until = accepted ? Date.parse(accepted.at) : f.inboundAt + windowMs;
  const phone = f.phoneDigits ?? (accepted ? digits(accepted.to) : null);
  const rejected = bridge.sent.filter((s) =>
    s.rejected && phone !== null && digits(s.to) === phone &&
    Date.parse(s.at) >= f.inboundAt! && Date.parse(s.at) <= until
  );
  return [...rejected, ...(accepted ? [accepted] : [])];
}

/** Log lines about the message: by WhatsApp id, Zapa row id or job, then their request ids. */
export function matchLogs(lines: LogLine[], waIds: string[], rowIds: number[]): LogLine[] {
  const jobs = rowIds.map((id) => `reply:${id}`);
  const direct = (l: LogLine) =>
    waIds.some((id) => l.raw.includes(id)) ||
    rowIds.includes(l.fields.message_id as number) ||
    jobs.includes(l.fields.job as string);
  const first = lines.filter(direct);
  const requests = new Set(
    first.map((l) => l.fields.request_id).filter((r): r is string => typeof r === "string"),
  );
  return lines.filter((l) =>
    direct(l) || (typeof l.fields.request_id === "string" && requests.has(l.fields.request_id))
  );
}

function logHop(l: LogLine): Hop | null {
  const at = Date.parse(String(l.fields.ts ?? l.fields.time ?? l.fields.timestamp ?? ""));
  if (Number.isNaN(at)) return null;
  const { ts: _ts, time: _time, level, service, msg, ...rest } = l.fields;
  const detail = Object.entries(rest).map(([k, v]) =>
    `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
  ).join(" ");
  return point(
    `log: ${String(msg ?? "")}`,
    `${String(service ?? l.service)} log`,
    at,
    String(level ?? ""),
    detail.slice(0, 300),
  );
}

async function attempt<T>(
  name: string,
  sources: SourceState[],
  read: () => Promise<T>,
): Promise<T | null> {
  try {
    const value = await read();
    sources.push({ name, ok: true });
    return value;
  } catch (error) {
    sources.push({ name, ok: false, note: (error as Error).message });
    return null;
  }
}

/** Collects the trace of one WhatsApp message id (inbound, or a reply's / code's send id). */
export async function collectTrace(
  target: TraceTarget,
  messageId: string,
  options: TraceOptions = {},
): Promise<Trace> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const sources: SourceState[] = [];
  const [bridge, zapa] = await Promise.all([
    attempt("bridge journal", sources, () => readBridge(target, timeoutMs)),
    attempt("zapa records", sources, () => readZapa(target, messageId, timeoutMs)),
  ]);
  const zapaSource = sources.find((s) => s.name === "zapa records")!;
  if (zapaSource.ok && zapa === null) zapaSource.note = "Zapa has no message with this id";
  const f = facts(messageId, bridge, zapa);
  const hops: Hop[] = [];

  const sent = bridge ? sends(messageId, f, bridge, windowMs) : [];
  const accepted = sent.find((s) => !s.rejected) ?? null;
  if (bridge) {
    const inboundId = inboundIdOf(messageId, zapa);
    const inbound = bridge.inbound.find((i) => i.message_id === inboundId);
    if (inbound) {
      hops.push(point(
        "phone → bridge",
        "bridge",
        Date.parse(inbound.at),
        inbound.forwarded ? "received" : "own message",
        `from ${maskPhone(inbound.from)}; ${inbound.type} ${
          quote(inbound.text ?? inbound.caption)
        }`,
      ));
    }
    const receiptId = accepted?.message_id ?? f.replyWaId;
    const [received, receipts] = await Promise.all([
      inbound ? bridge.webhooks(inboundId).catch(() => []) : Promise.resolve([]),
      receiptId ? bridge.webhooks(receiptId).catch(() => []) : Promise.resolve([]),
    ]);
    hops.push(...received.map((w) => webhookHop(w, "webhook")));
    hops.push(...sent.map(sendHop));
    hops.push(...receipts.map((w) => webhookHop(w, "receipt")));
  }
  if (zapa) {
    hops.push(...zapa.hops.map((h) => ({
      hop: h.hop,
      service: h.service,
      start: h.start,
      end: h.end,
      durationMs: h.duration_ms,
      status: h.status,
      detail: h.detail,
    })));
  }

  const fingerprints = options.keyFingerprints ?? [];
  const calls = await attempt(
    "LLM journal",
    sources,
    () => readLlm(target, fingerprints, timeoutMs),
  );
  if (calls && f.inboundAt !== null) {
    const until = accepted ? Date.parse(accepted.at) : f.inboundAt + windowMs;
    const inWindow = calls.filter((c) => {
      const at = Date.parse(c.at);
      return at >= f.inboundAt! && at <= until;
    });
    const byText = inWindow.filter((c) => f.text !== null && c.last_user_message === f.text);
    // A key may serve several messages at once (a drill's users share none, a test's may):
    // the fingerprint narrows to the user, the text to the message when it can.
    const byKey = inWindow.filter((c) => fingerprints.includes(c.key_fingerprint ?? ""));
    const byBoth = byKey.filter((c) => byText.includes(c));
    const mine = fingerprints.length === 0 ? byText : byBoth.length > 0 ? byBoth : byKey;
    hops.push(...mine.map(llmHop));
    if (fingerprints.length === 0 && f.text === null) {
      sources.find((s) => s.name === "LLM journal")!.note =
        "neither a key fingerprint nor the message's text to match calls by";
    }
  }

  const logs = await attempt(
    "service logs",
    sources,
    () => readLogs(target, options.logLines ?? 2000),
  );
  if (logs) {
    const waIds = [messageId, inboundIdOf(messageId, zapa), f.replyWaId, accepted?.message_id]
      .filter((x): x is string => typeof x === "string" && x.length > 0);
    for (const l of matchLogs(logs.lines, [...new Set(waIds)], f.rowIds)) {
      const h = logHop(l);
      if (h) hops.push(h);
    }
    if (logs.failed.length > 0) {
      sources.find((s) => s.name === "service logs")!.note = `unreadable: ${
        logs.failed.join(", ")
      }`;
    }
  }

  return {
    messageId,
    collectedAt: new Date().toISOString(),
    hops: orderHops(hops),
    sources,
  };
}

/** Oldest first; hops that start together keep the order they were found in. */
export function orderHops(hops: Hop[]): Hop[] {
  return hops
    .map((h, i) => ({ h, i, t: Date.parse(h.start) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.h);
}
