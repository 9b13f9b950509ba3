/**
 * The zapw bridge API as Zapa uses it (R-DELIVERY-*, R-BRIDGE-*): send a text, probe health, and the
 * session calls the admin API proxies. Every call has a timeout and sends the Bearer key.
 */
import type { Config } from "../config.ts";

export type SendResult =
  | { ok: true; messageId: string }
  | { ok: false; transient: boolean; status: number; error: string };

export interface BridgeResponse {
  status: number;
  body: unknown;
}

export class BridgeUnavailable extends Error {
  override name = "BridgeUnavailable";
}

type BridgeConfig = Pick<Config, "whatsapp" | "outbound">;

/**
 * Sends one text message. Transient: network errors, timeouts, 5xx, 429 and a 400 that says the
 * session is not connected; any other 4xx is permanent.
 */
export async function sendText(
  config: BridgeConfig,
  message: { to: string; text: string },
): Promise<SendResult> {
  const url = `${config.whatsapp.apiUrl}/sessions/${
    encodeURIComponent(config.whatsapp.sessionId)
  }/messages`;
  let response: BridgeResponse;
  try {
    response = await bridgeFetch(config, url, {
      method: "POST",
      body: { type: "text", to: message.to, text: message.text },
      timeoutMs: config.outbound.sendTimeoutMs,
    });
  } catch (error) {
    return { ok: false, transient: true, status: 0, error: errorMessage(error) };
  }
  if (response.status >= 200 && response.status < 300) {
    const messageId = messageIdOf(response.body);
    if (messageId) return { ok: true, messageId };
    // Accepted but unreadable: treat as sent-without-id rather than risk a duplicate send.
    return { ok: true, messageId: "" };
  }
  const error = `bridge ${response.status}: ${bodyError(response.body)}`.slice(0, 300);
  return {
    ok: false,
    transient: isTransient(response.status, error),
    status: response.status,
    error,
  };
}

export function isTransient(status: number, error: string): boolean {
  if (status === 0 || status === 429 || status >= 500) return true;
  return status === 400 && /not connected/i.test(error);
}

/** One JSON request to the bridge; throws on network errors and timeouts. */
export async function bridgeFetch(
  config: Pick<Config, "whatsapp">,
  url: string,
  options: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<BridgeResponse> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (config.whatsapp.apiKey) headers.authorization = `Bearer ${config.whatsapp.apiKey}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  const raw = await res.text();
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    // keep the raw text
  }
  return { status: res.status, body };
}

/** `GET /health`, then the configured session: resolves with its state, throws when down. */
export async function probeBridge(
  config: Pick<Config, "whatsapp">,
  timeoutMs = 1_500,
): Promise<{ session: string }> {
  let health: BridgeResponse;
  try {
    health = await bridgeFetch(config, `${config.whatsapp.apiUrl}/health`, { timeoutMs });
  } catch (error) {
    throw new BridgeUnavailable(`bridge unreachable: ${errorMessage(error)}`);
  }
  if (health.status !== 200) throw new BridgeUnavailable(`bridge health ${health.status}`);
  const session = await bridgeFetch(
    config,
    `${config.whatsapp.apiUrl}/sessions/${encodeURIComponent(config.whatsapp.sessionId)}`,
    { timeoutMs },
  ).catch((error) => {
    throw new BridgeUnavailable(`bridge unreachable: ${errorMessage(error)}`);
  });
  if (session.status === 404) return { session: "missing" };
  const data = (session.body as { data?: { status?: unknown } } | null)?.data;
  return { session: typeof data?.status === "string" ? data.status : "unknown" };
}

function messageIdOf(body: unknown): string | null {
  const data = (body as { data?: { messageId?: unknown } } | null)?.data;
  const id = data?.messageId;
  return typeof id === "string" && id ? id : typeof id === "number" ? String(id) : null;
}

export function bodyError(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 200);
  const b = body as { error?: unknown; message?: unknown } | null;
  const text = b?.error ?? b?.message;
  return typeof text === "string" ? text : JSON.stringify(body ?? null).slice(0, 200);
}

function errorMessage(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return "timeout";
  return error instanceof Error ? error.message.slice(0, 200) : String(error);
}
