/**
 * The whole state of the mock bridge: sessions, the bounded journals (sends, inbound
 * simulations, webhook attempts), zapw's last-10 `/events`, faults, and the webhook emitter.
 * Routes are thin wrappers over this class, so tests can drive it directly.
 */
import { preciseNow } from "./clock.ts";
import type { BridgeConfig } from "./config.ts";
import { Journal } from "./journal.ts";
import { log } from "./log.ts";
import { type SessionRecord, SessionStore } from "./sessions.ts";
import {
  checkSend,
  digitsOf,
  type InboundRequest,
  type SendMessage,
  sendText,
  toJid,
} from "./validate.ts";
import { receiveInbound } from "./inbound.ts";
import { ReceiptScheduler } from "./receipts.ts";
import { type AttemptResult, deliverWebhook, Limiter } from "./webhooks.ts";
import { envelope } from "./envelopes.ts";
import { DEFAULT_FAULTS, type Faults, mergeFaults } from "./faults.ts";

import type {
  InboundRecord,
  InboundResult,
  Outcome,
  SentRecord,
  StoredEvent,
  WebhookRecord,
} from "./records.ts";

export type { InboundRecord, InboundResult, Outcome, SentRecord, StoredEvent, WebhookRecord };

const RECEIPTS = [["message.sent", 2], ["message.delivered", 3], ["message.read", 4]] as const;
/** Automatic webhooks (receipts, session events) in flight at once; inbound ones are not capped. */
const AUTO_WEBHOOK_CONCURRENCY = 64;
const EVENTS_KEPT = 10;
const BASE64_KEPT = 256;

export class BridgeState {
  readonly config: BridgeConfig;
  readonly startedAt = Date.now();
  readonly sessions: SessionStore;
  readonly sent: Journal<SentRecord>;
  readonly inbound: Journal<InboundRecord>;
  readonly webhooks: Journal<WebhookRecord>;
  events: StoredEvent[] = [];
  faults: Faults = { ...DEFAULT_FAULTS };
  /** The control listener's actual port (set by the server), for the control page's link. */
  controlPort = 0;
  /** Set by the server: really closes (true) or reopens (false) the API listener. */
  onOffline: ((offline: boolean) => Promise<void>) | undefined;
  #generation = 0;
  #eventCounter = 0;
  #idCounter = 0;
  #idPrefix = Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("").toUpperCase();
  #receipts: ReceiptScheduler;
  #autoLimiter = new Limiter(AUTO_WEBHOOK_CONCURRENCY);
  #droppedWebhooks = 0;

  constructor(config: BridgeConfig) {
    this.config = config;
    this.sent = new Journal(config.journalLimit);
    this.inbound = new Journal(config.journalLimit);
    this.webhooks = new Journal(config.journalLimit);
    this.sessions = new SessionStore(config, (change, s, reason) => {
      if (change === "connected") {
        this.emit(s.id, "session.connected", { phoneNumber: s.phoneNumber, name: s.name });
      } else {
        this.emit(s.id, "session.disconnected", { reason: reason ?? "connection_lost" });
      }
    });
    if (config.autoConnect) this.sessions.addConnectedDefault();
    this.#receipts = new ReceiptScheduler(
      [config.sentDelayMs, config.deliveredDelayMs, config.readDelayMs],
      {
        maxPending: config.journalLimit * 3,
        fire: (r) => {
          const [eventType, code] = RECEIPTS[r.kind]!;
          this.emit(r.sessionId, eventType, { messageId: r.messageId, status: code });
        },
      },
    );
  }

  /** Automatic webhooks (receipts, session events) dropped because the backlog was full. */
  get droppedWebhooks(): number {
    return this.#droppedWebhooks + this.#receipts.dropped * RECEIPTS.length;
  }

  get webhooksEnabled(): boolean {
    return this.config.enableWebhook && !!this.config.webhookUrl;
  }

  /** A Baileys-looking message id, unique in this process and across restarts. */
  newMessageId(): string {
    return `3EB0${this.#idPrefix}${
      (++this.#idCounter).toString(16).toUpperCase().padStart(8, "0")
    }`;
  }

  /** `POST /sessions/{id}/messages`: validation, session checks and faults, in zapw's order. */
  send(sessionId: string, body: unknown): Outcome<{ messageId: string; timestamp: number }> {
    const checked = checkSend(body);
    if (!checked.ok) return { ok: false, status: 400, error: checked.error };
    const session = this.sessions.get(sessionId);
    if (!session) return { ok: false, status: 404, error: `Session ${sessionId} not found` };
    const m = checked.value;
    const failure = this.#sendFailure(session, digitsOf(m.to));
    // Sub-millisecond wall clock (the journal also gives it as `at_ms`); see clock.ts.
    const at = preciseNow();
    const messageId = failure ? null : this.newMessageId();
    this.sent.append({
      seq: this.sent.nextSeq(),
      message_id: messageId,
      session_id: sessionId,
      to: m.to,
      to_jid: toJid(m.to),
      to_digits: digitsOf(m.to),
      type: m.type,
      text: sendText(m),
      body: journalBody(body, m),
      at,
      rejected: failure !== undefined,
      http_status: failure?.status ?? 200,
    });
    if (failure || messageId === null) {
      return failure ?? { ok: false, status: 500, error: "Failed to send message" };
    }
    // zapw's timestamps are whole milliseconds.
    if (this.webhooksEnabled) this.#receipts.schedule(sessionId, messageId, Math.floor(at));
    return { ok: true, value: { messageId, timestamp: Math.floor(at) } };
  }

  #sendFailure(
    session: SessionRecord,
    toDigits: string,
  ): { ok: false; status: number; error: string } | undefined {
    if (session.status !== "connected") {
      return { ok: false, status: 400, error: "Session not connected" };
    }
    const f = this.faults;
    if (f.send_fail_to !== null && f.send_fail_to !== toDigits) return undefined;
    let status: number | undefined;
    if (f.send_fail_times !== null && f.send_fail_times > 0) {
      f.send_fail_times--;
      status = f.send_status ?? 503;
    } else if (f.send_fail_times === null && f.send_status !== null) {
      status = f.send_status;
    }
    if (status === undefined) return undefined;
    return {
      ok: false,
      status,
      error: status === 400 ? "Session not connected" : "Failed to send message",
    };
  }

  /** Receipt status a send has reached by now, from the configured delays. */
  receiptStatus(rec: SentRecord, now = Date.now()): "failed" | "sent" | "delivered" | "read" {
    if (rec.rejected) return "failed";
    const elapsed = now - rec.at;
    const { readDelayMs: r, deliveredDelayMs: d } = this.config;
    if (r >= 0 && elapsed >= r) return "read";
    if (d >= 0 && elapsed >= d) return "delivered";
    return "sent";
  }

  /** `/__mock/inbound`: a message from a phone → `message.received`; answers after attempt 1. */
  receive(req: InboundRequest): Promise<Outcome<InboundResult>> {
    return receiveInbound(this, req);
  }

  /**
   * Records an event for `/events` and sends it to `WEBHOOK_URL` (twice under
   * `duplicate_webhooks`). Automatic events are dropped while `offline`; explicit ones
   * (test-injected inbound) still go out. Resolves with the first attempt of copy 1.
   */
  emit(
    sessionId: string,
    eventType: string,
    data: Record<string, unknown>,
    options: { explicit?: boolean } = {},
  ): Promise<AttemptResult> | undefined {
    this.events.unshift({
      id: `evt_${++this.#eventCounter}`,
      sessionId,
      eventType,
      timestamp: Date.now(),
      data,
    });
    if (this.events.length > EVENTS_KEPT) this.events.length = EVENTS_KEPT;
    const url = this.config.webhookUrl;
    if (!this.webhooksEnabled || !url) return undefined;
    if (this.faults.offline && !options.explicit) return undefined;
    const limiter = options.explicit ? undefined : this.#autoLimiter;
    if (limiter && limiter.queued >= this.config.journalLimit) {
      this.#droppedWebhooks++;
      return undefined;
    }
    const origin = this.sessions.get(sessionId)?.phoneNumber ?? this.config.phoneNumber;
    const event = envelope({ sessionId, origin, eventType }, data);
    const generation = this.#generation;
    const copies = this.faults.duplicate_webhooks ? 2 : 1;
    let first: Promise<AttemptResult> | undefined;
    for (let copy = 1; copy <= copies; copy++) {
      const d = deliverWebhook(event, {
        url,
        attempts: this.config.webhookRetryAttempts,
        delayMs: this.config.webhookRetryDelayMs,
        timeoutMs: this.config.webhookTimeoutMs,
        copy,
        limiter,
        cancelled: () => generation !== this.#generation,
        record: (a) => {
          if (generation === this.#generation) {
            this.webhooks.append({ seq: this.webhooks.nextSeq(), ...a });
          }
        },
      });
      first ??= d.first;
      d.done.then((r) => {
        if (r.status < 200 || r.status >= 300) {
          log("warn", "webhook delivery failed after all attempts", {
            event_type: eventType,
            message_id: data.messageId ?? null,
            status: r.status,
            error: r.error,
          });
        }
      });
    }
    return first;
  }

  /** Reports every connected session again (start-up, and the API port coming back). */
  announce(): void {
    for (const s of this.sessions.all()) {
      if (s.status === "connected") {
        this.emit(s.id, "session.connected", { phoneNumber: s.phoneNumber, name: s.name });
      }
    }
  }

  /** Merges a faults patch and applies its side effects (port, session). */
  async patchFaults(patch: unknown): Promise<Outcome<Faults>> {
    const merged = mergeFaults(this.faults, patch);
    if (!merged.ok) return { ok: false, status: 400, error: merged.error };
    const before = this.faults;
    this.faults = merged.value;
    const id = this.config.sessionId;
    if (merged.value.disconnect_session !== before.disconnect_session) {
      if (merged.value.disconnect_session) this.sessions.disconnect(id, "connection_lost");
      else this.sessions.connect(id);
    }
    if (merged.value.offline !== before.offline) await this.#setOffline(merged.value.offline);
    log("info", "faults changed", { faults: this.faults });
    return { ok: true, value: this.faults };
  }

  async #setOffline(offline: boolean): Promise<void> {
    if (offline) {
      // Long-polls on the closing port would otherwise hold its shutdown for up to 30 s.
      this.sent.releaseAll();
      this.webhooks.releaseAll();
      this.inbound.releaseAll();
    }
    await this.onOffline?.(offline);
    // A restarted zapw reconnects its sessions and says so; Zapa drains its queue on it.
    if (!offline) this.announce();
  }

  /** Where webhooks go, with the secret masked (`GET /__mock/webhook`). */
  webhookView(): { url: string | null; enabled: boolean; secret_set: boolean } {
    const url = this.config.webhookUrl ? new URL(this.config.webhookUrl) : null;
    const secretSet = !!url?.searchParams.get("secret");
    if (url && secretSet) url.searchParams.set("secret", "***");
    return { url: url?.href ?? null, enabled: this.config.enableWebhook, secret_set: secretSet };
  }

  /**
   * Points webhooks elsewhere at run time (`POST /__mock/webhook`), so one bridge serves a Zapa
   * whose webhook path or secret differ from ours. `secret` goes in the URL's `secret` query
   * parameter, as zapw's `WEBHOOK_URL` carries it (null removes it). Survives `reset`: it is
   * configuration, not test state.
   */
  setWebhook(patch: unknown): Outcome<ReturnType<BridgeState["webhookView"]>> {
    const bad = (error: string) => ({ ok: false as const, status: 400, error });
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
      return bad("body must be an object with url, secret and/or enabled");
    }
    const { url, secret, enabled, ...rest } = patch as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) return bad(`unknown field(s): ${unknown.join(", ")}`);
    let next: URL | null = this.config.webhookUrl ? new URL(this.config.webhookUrl) : null;
    if (url !== undefined) {
      if (url === null) next = null;
      else if (
        typeof url !== "string" || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)
      ) {
        return bad("url must be an http(s) URL or null");
      } else next = new URL(url);
    }
    if (secret !== undefined) {
      if (secret !== null && (typeof secret !== "string" || secret === "")) {
        return bad("secret must be a non-empty string or null");
      }
      if (!next) return bad("secret needs a webhook url");
      if (secret === null) next.searchParams.delete("secret");
      else next.searchParams.set("secret", secret);
    }
    if (enabled !== undefined && typeof enabled !== "boolean") {
      return bad("enabled must be a boolean");
    }
    this.config.webhookUrl = next?.href;
    if (typeof enabled === "boolean") this.config.enableWebhook = enabled;
    const view = this.webhookView();
    log("info", "webhook changed", { url: view.url, enabled: view.enabled });
    return { ok: true, value: view };
  }

  /** Clears journals, events and faults; restores the connected default session. */
  async reset(): Promise<void> {
    this.#generation++;
    this.#receipts.clear();
    this.#droppedWebhooks = 0;
    this.#receipts.dropped = 0;
    const wasOffline = this.faults.offline;
    const defaultWasConnected = this.sessions.get(this.config.sessionId)?.status === "connected";
    this.faults = { ...DEFAULT_FAULTS };
    this.sent.clear();
    this.inbound.clear();
    this.webhooks.clear();
    this.events = [];
    this.sessions.clear();
    if (this.config.autoConnect) this.sessions.addConnectedDefault();
    if (wasOffline) await this.onOffline?.(false);
    if (wasOffline || !defaultWasConnected) this.announce();
  }

  /** Stops timers and wakes long-polls (shutdown, end of a test). */
  close(): void {
    this.#generation++;
    this.#receipts.clear();
    this.sessions.clear();
    this.sent.releaseAll();
    this.inbound.releaseAll();
    this.webhooks.releaseAll();
  }
}

/** The body kept in the journal: as sent, but with long base64 media cut short. */
function journalBody(body: unknown, m: SendMessage): unknown {
  if (!m.mediaBase64 || m.mediaBase64.length <= BASE64_KEPT) return body;
  return {
    ...(body as Record<string, unknown>),
    mediaBase64: `${m.mediaBase64.slice(0, BASE64_KEPT)}… (${m.mediaBase64.length} chars)`,
  };
}
