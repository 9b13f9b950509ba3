/**
 * Reads the raw material of a trace from a running stack: the mock bridge's journals, the mock
 * LLM's journal, Zapa's admin trace (R-ADMIN-8) and the services' logs. Each reader throws an
 * error naming what failed; the collector turns that into "source not reachable".
 */
import type { InboundItem, SentItem, WebhookAttempt } from "../clients/bridge.ts";
import type { LlmJournalEntry } from "../clients/llm.ts";
import type { TraceTarget } from "./types.ts";

export type { InboundItem, LlmJournalEntry, SentItem, WebhookAttempt };

/** Zapa's answer to `GET /api/v1/admin/messages/{id}/trace`, the parts the collector uses. */
export interface ZapaTrace {
  message: ZapaMessage;
  reply: ZapaMessage | null;
  hops: {
    hop: string;
    service: string;
    start: string;
    end: string | null;
    duration_ms: number | null;
    status: string;
    detail: string;
  }[];
}

export interface ZapaMessage {
  id: number;
  direction: string;
  content: string | null;
  status: string | null;
  whatsapp_message_id: string | null;
  created_at: string;
}

async function getJson<T>(url: string, timeoutMs: number, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`${new URL(url).origin} not reachable (${(error as Error).message})`);
  }
  if (!response.ok) {
    const text = (await response.text()).slice(0, 200);
    throw new HttpError(
      `${url.replace(/\?.*/, "")} → HTTP ${response.status} ${text}`,
      response.status,
    );
  }
  return await response.json() as T;
}

export class HttpError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export interface BridgeJournals {
  inbound: InboundItem[];
  sent: SentItem[];
  webhooks: (messageId: string) => Promise<WebhookAttempt[]>;
}

/** The bridge's inbound and sent journals (every entry it still keeps) and a webhook reader. */
export async function readBridge(target: TraceTarget, timeoutMs: number): Promise<BridgeJournals> {
  const base = `${target.bridgeControl.replace(/\/+$/, "")}/__mock`;
  const [inbound, sent] = await Promise.all([
    getJson<{ items: InboundItem[] }>(`${base}/inbound?since=0`, timeoutMs),
    getJson<{ items: SentItem[] }>(`${base}/sent?since=0&all=true`, timeoutMs),
  ]);
  return {
    inbound: inbound.items,
    sent: sent.items,
    webhooks: async (messageId) =>
      (await getJson<{ items: WebhookAttempt[] }>(
        `${base}/webhooks?since=0&message_id=${encodeURIComponent(messageId)}`,
        timeoutMs,
      )).items,
  };
}

/** The mock LLM's journal: every call it keeps, or only those of the given key fingerprints. */
export async function readLlm(
  target: TraceTarget,
  fingerprints: string[],
  timeoutMs: number,
): Promise<LlmJournalEntry[]> {
  const base = `${target.llm.replace(/\/+$/, "")}/__mock/requests?limit=100000`;
  if (fingerprints.length === 0) {
    return (await getJson<{ items: LlmJournalEntry[] }>(base, timeoutMs)).items;
  }
  const pages = await Promise.all(fingerprints.map((fp) =>
    getJson<{ items: LlmJournalEntry[] }>(
      `${base}&key_fingerprint=${encodeURIComponent(fp)}`,
      timeoutMs,
    )
  ));
  return pages.flatMap((p) => p.items).sort((a, b) => a.seq - b.seq);
}

const tokens = new Map<string, Promise<string>>();

/** Zapa's own view of the message, or null when Zapa has no message with this id. */
export async function readZapa(
  target: TraceTarget,
  messageId: string,
  timeoutMs: number,
): Promise<ZapaTrace | null> {
  if (!target.private || !target.admin) throw new Error("no private URL or admin account given");
  const base = target.private.replace(/\/+$/, "");
  const { username, password } = target.admin;
  const key = `${base} ${username}`;
  if (!tokens.has(key)) {
    const login = getJson<{ access_token: string }>(`${base}/api/v1/auth/login`, timeoutMs, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    }).then((r) => r.access_token);
    tokens.set(key, login);
    login.catch(() => tokens.delete(key));
  }
  const token = await tokens.get(key)!;
  try {
    return await getJson<ZapaTrace>(
      `${base}/api/v1/admin/messages/${encodeURIComponent(messageId)}/trace`,
      timeoutMs,
      { headers: { authorization: `Bearer ${token}` } },
    );
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null;
    if (error instanceof HttpError && error.status === 401) tokens.delete(key);
    throw error;
  }
}

/** One parsed JSON log line and the service whose log it came from. */
export interface LogLine {
  service: string;
  raw: string;
  fields: Record<string, unknown>;
}

/** The last `lines` lines of each service's log that are JSON objects. */
export async function readLogs(
  target: TraceTarget,
  lines: number,
): Promise<{ lines: LogLine[]; failed: string[] }> {
  if (!target.logs) throw new Error("no service-control endpoint on this target");
  const services = target.logServices ?? ["private", "public", "bridge", "llm"];
  const out: LogLine[] = [];
  const failed: string[] = [];
  await Promise.all(services.map(async (service) => {
    let text: string;
    try {
      text = await target.logs!(service, lines);
    } catch (error) {
      failed.push(`${service} (${(error as Error).message.slice(0, 120)})`);
      return;
    }
    for (const raw of text.split("\n")) {
      if (!raw.startsWith("{")) continue;
      try {
        const fields = JSON.parse(raw);
        if (fields && typeof fields === "object") out.push({ service, raw, fields });
      } catch { /* a line cut by the tail, or not JSON: not evidence */ }
    }
  }));
  return { lines: out, failed };
}
