/**
 * Typed client for the mock bridge's test controls (R-BRIDGE-9 to R-BRIDGE-12): inject inbound messages,
 * wait for what Zapa sent (long-poll, no sleeps), read webhook attempts, set faults, reset.
 * Point it at the control URL (`urls.bridge_control`), which stays up while `offline`;
 * the API URL works too while the API port is open.
 */
import { noteMessage } from "../evidence_notes.ts";
import { expectStatus, query, request, type RequestOptions } from "./http.ts";

export type ReceiptStatus = "sent" | "delivered" | "read" | "failed";

/** One send in `/__mock/sent`, oldest first. */
export interface SentItem {
  seq: number;
  /** null when the send was rejected by a fault. */
  message_id: string | null;
  session_id: string;
  /** `to` as the client sent it. */
  to: string;
  to_jid: string;
  type: string;
  /** The text, or a media caption; null otherwise. */
  text: string | null;
  /** The request body as received (long base64 media cut short). */
  body: Record<string, unknown>;
  at: string;
  rejected: boolean;
  /** HTTP status the bridge answered (200, or the fault's). */
  http_status: number;
  /** Receipt reached by now, from the MOCK_*_DELAY_MS settings. */
  status: ReceiptStatus;
}

export interface SentPage {
  items: SentItem[];
  /** Newest seq of the journal: pass it as `since` to see only later sends. */
  now: number;
}

/** One webhook delivery attempt in `/__mock/webhooks`. */
export interface WebhookAttempt {
  seq: number;
  event_type: string;
  message_id: string | null;
  session_id: string;
  attempt: number;
  /** HTTP status; 0 = network error or timeout. */
  status: number;
  error: string | null;
  duration_ms: number;
  at: string;
  response: unknown;
  /** 2 for the extra copy under `duplicate_webhooks`. */
  copy: number;
}

export interface WebhookPage {
  items: WebhookAttempt[];
  now: number;
}

/** Body of `/__mock/inbound` (zapw `data` names). */
export interface InboundBody {
  from: string;
  to?: string;
  type?: "text" | "image" | "video" | "audio" | "document" | "location" | "contact" | "unknown";
  text?: string;
  caption?: string;
  fileName?: string;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contact?: { name: string; number: string };
  /** Reuse one to test duplicate handling. */
  messageId?: string;
  isGroup?: boolean;
  groupId?: string;
  sessionId?: string;
  /** WhatsApp time in ms (defaults to now). */
  timestamp?: number;
}

export interface InboundResult {
  status: "simulated";
  message_id: string;
  /** The first delivery attempt; status null when no webhook was sent. */
  webhook: { status: number | null; body: unknown; error: string | null };
}

export interface InboundItem {
  seq: number;
  message_id: string;
  session_id: string;
  from: string;
  to: string;
  type: string;
  text: string | null;
  caption: string | null;
  is_group: boolean;
  group_id: string | null;
  at: string;
  forwarded: boolean;
  webhook_status: number | null;
}

export interface BridgeFaults {
  offline: boolean;
  send_fail_times: number | null;
  send_status: number | null;
  /** Only sends to this number fail (our extension); null = every send. */
  send_fail_to: string | null;
  latency_ms: number;
  duplicate_webhooks: boolean;
  disconnect_session: boolean;
}

export interface BridgeSession {
  id: string;
  status: "initializing" | "connecting" | "qr_waiting" | "connected" | "disconnected";
  phoneNumber?: string;
  name?: string;
  createdAt: string;
  connectedAt?: string;
  qrCode?: string;
  qrExpiresAt?: string;
}

export interface BridgeMockState {
  sessions: BridgeSession[];
  faults: BridgeFaults;
  settings: {
    session_id: string;
    phone_number: string;
    webhooks_enabled: boolean;
    sent_delay_ms: number;
    delivered_delay_ms: number;
    read_delay_ms: number;
    journal_limit: number;
  };
  seqs: { sent: number; inbound: number; webhooks: number };
}

export interface WaitForSentOptions {
  /** Recipient, matched by digits ("+1 555…" = "1555…"); all recipients when absent. */
  to?: string;
  /** Only sends with a seq above this (from `lastSeq()` or a page's `now`). */
  since?: number;
  timeoutMs?: number;
  /** Include sends rejected by faults. */
  all?: boolean;
  /** How many matching sends to wait for (default 1). */
  count?: number;
}

const MAX_WAIT_MS = 30_000;

export class BridgeClient {
  readonly baseUrl: string;
  #options: { apiKey?: string };

  constructor(baseUrl: string, options: { apiKey?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#options = options;
  }

  async #call<T>(method: string, path: string, what: string, options: RequestOptions = {}) {
    const token = this.#options.apiKey;
    const r = await request<T>(method, `${this.baseUrl}${path}`, { token, ...options });
    return expectStatus(r, 200, `bridge ${what}`).json;
  }

  /** Simulates a phone sending a message; resolves after the first webhook attempt. */
  async inbound(body: InboundBody): Promise<InboundResult> {
    const result = await this.#call<InboundResult>("POST", "/__mock/inbound", "inbound", { body });
    noteMessage(result.message_id); // traced if the running test fails (lib/evidence.ts)
    return result;
  }

  /** The inbound simulations journal (what the simulator page shows on the right). */
  inboundLog(
    options: { from?: string; since?: number } = {},
  ): Promise<{ items: InboundItem[]; now: number }> {
    return this.#call("GET", `/__mock/inbound${query(options)}`, "inbound journal");
  }

  /** Sends seen so far (no waiting). */
  sent(options: { to?: string; since?: number; all?: boolean } = {}): Promise<SentPage> {
    const q = query({ to: options.to, since: options.since, all: options.all ? 1 : undefined });
    return this.#call("GET", `/__mock/sent${q}`, "sent journal");
  }

  /** Newest seq of the sent journal: wait for sends after this point with `since`. */
  async lastSeq(): Promise<number> {
    return (await this.sent({ since: Number.MAX_SAFE_INTEGER })).now;
  }

  /**
   * Waits (long-poll) for `count` sends matching `to` after `since`, and returns them.
   * Throws on timeout, saying what it waited for and what the journal held.
   */
  async waitForSent(options: WaitForSentOptions = {}): Promise<SentItem[]> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const count = options.count ?? 1;
    const deadline = Date.now() + timeoutMs;
    const found: SentItem[] = [];
    let cursor = options.since ?? 0;
    let lastError = "";
    // First (and after an error) ask without waiting: if the bridge restarted, its seqs count
    // from 0 again and a long-poll for seq > since would wait for nothing.
    let quick = true;
    while (found.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const waitMs = quick ? 0 : Math.min(remaining, MAX_WAIT_MS);
      const q = query({
        to: options.to,
        since: cursor,
        all: options.all ? 1 : undefined,
        wait_ms: waitMs,
      });
      try {
        const page = await this.#call<SentPage>("GET", `/__mock/sent${q}`, "sent long-poll", {
          timeoutMs: waitMs + 5000,
        });
        if (page.now < cursor) {
          cursor = 0;
          continue;
        }
        for (const item of page.items) {
          found.push(item);
          cursor = Math.max(cursor, item.seq);
        }
        quick = false;
      } catch (error) {
        // The bridge may be restarting: keep trying until the deadline.
        lastError = (error as Error).message;
        quick = true;
        await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
      }
    }
    if (found.length >= count) return found.slice(0, count);
    throw new Error(await this.#describeTimeout(options, timeoutMs, found, lastError));
  }

  async #describeTimeout(
    options: WaitForSentOptions,
    timeoutMs: number,
    found: SentItem[],
    lastError: string,
  ): Promise<string> {
    const since = options.since ?? 0;
    const wanted =
      `${options.count ?? 1} send(s)${options.to ? ` to ${options.to}` : ""} after seq ${since}` +
      `${options.all ? " (rejected included)" : ""}`;
    let held: string;
    try {
      const page = await this.sent({ since, all: true });
      const lines = page.items.slice(-10).map((i) =>
        `  #${i.seq} to=${i.to} type=${i.type}${
          i.rejected ? ` REJECTED ${i.http_status}` : ""
        } text=${JSON.stringify((i.text ?? "").slice(0, 80))}`
      );
      held = page.items.length === 0
        ? `the journal held no sends after seq ${since} (newest seq ${page.now})`
        : `the journal held ${page.items.length} send(s) after seq ${since} (last 10 shown):\n${
          lines.join("\n")
        }`;
    } catch (error) {
      held = `the journal could not be read: ${(error as Error).message}`;
    }
    return `waitForSent: timed out after ${timeoutMs} ms waiting for ${wanted}; matched ${found.length}. ` +
      `${held}${lastError ? `\nlast error: ${lastError}` : ""}`;
  }

  /** Webhook attempts, optionally long-polling `waitMs` for a first match. */
  webhooks(
    options: { message_id?: string; event_type?: string; since?: number; waitMs?: number } = {},
  ): Promise<WebhookPage> {
    const { waitMs, ...rest } = options;
    const q = query({
      ...rest,
      wait_ms: waitMs === undefined ? undefined : Math.min(waitMs, MAX_WAIT_MS),
    });
    return this.#call("GET", `/__mock/webhooks${q}`, "webhook journal", {
      timeoutMs: (waitMs ?? 0) + 10_000,
    });
  }

  /** Reads the faults, or merges `patch` into them (offline resolves once the port is shut). */
  faults(patch?: Partial<BridgeFaults>): Promise<BridgeFaults> {
    if (patch === undefined) return this.#call("GET", "/__mock/faults", "faults");
    return this.#call("POST", "/__mock/faults", "faults", { body: patch });
  }

  /** Clears journals and faults and restores the connected default session. */
  async reset(): Promise<void> {
    await this.#call("POST", "/__mock/reset", "reset", { body: {} });
  }

  /** Sessions, faults, delays and journal seqs in one read. */
  state(): Promise<BridgeMockState> {
    return this.#call("GET", "/__mock/state", "state");
  }

  /** True when `GET /health` answers 200 at this URL (API or control port). */
  async healthy(): Promise<boolean> {
    try {
      return (await request("GET", `${this.baseUrl}/health`, { timeoutMs: 2000 })).status === 200;
    } catch {
      return false;
    }
  }
}
