/**
 * WhatsApp sessions of the mock bridge, following zapw's session manager and mock client:
 * a new session shows a QR code after 100 ms (`qr_waiting`, expires after 60 s, refreshed when
 * read after expiry) and connects after `connectDelayMs`. Connect/disconnect are reported to
 * `onChange`, which turns them into `session.connected` / `session.disconnected` webhooks.
 */
import type { BridgeConfig } from "./config.ts";
import { qrDataUrl } from "./qr.ts";

export type SessionStatus =
  | "initializing"
  | "connecting"
  | "qr_waiting"
  | "connected"
  | "disconnected";

export interface SessionRecord {
  id: string;
  status: SessionStatus;
  phoneNumber?: string;
  name?: string;
  createdAt: Date;
  connectedAt?: Date;
  qrCode?: string;
  qrExpiresAt?: Date;
}

/** The zapw Session JSON; undefined fields are left out, as Express's JSON does. */
export interface SessionJson {
  id: string;
  status: SessionStatus;
  phoneNumber?: string;
  name?: string;
  createdAt: string;
  connectedAt?: string;
  qrCode?: string;
  qrExpiresAt?: string;
}

export function sessionJson(s: SessionRecord): SessionJson {
  return {
    id: s.id,
    status: s.status,
    phoneNumber: s.phoneNumber,
    name: s.name,
    createdAt: s.createdAt.toISOString(),
    connectedAt: s.connectedAt?.toISOString(),
    qrCode: s.qrCode,
    qrExpiresAt: s.qrExpiresAt?.toISOString(),
  };
}

export type SessionChange = "connected" | "disconnected";

export class SessionStore {
  #config: BridgeConfig;
  #sessions = new Map<string, SessionRecord>();
  #timers = new Map<string, ReturnType<typeof setTimeout>[]>();
  #onChange: (change: SessionChange, session: SessionRecord, reason?: string) => void;

  constructor(
    config: BridgeConfig,
    onChange: (change: SessionChange, session: SessionRecord, reason?: string) => void,
  ) {
    this.#config = config;
    this.#onChange = onChange;
  }

  get(id: string): SessionRecord | undefined {
    return this.#sessions.get(id);
  }

  all(): SessionRecord[] {
    return [...this.#sessions.values()];
  }

  /** The default session (`MOCK_SESSION_ID`), already connected, as at start-up. */
  addConnectedDefault(): SessionRecord {
    const now = new Date();
    const s: SessionRecord = {
      id: this.#config.sessionId,
      status: "connected",
      phoneNumber: this.#config.phoneNumber,
      name: this.#config.phoneName,
      createdAt: now,
      connectedAt: now,
    };
    this.#sessions.set(s.id, s);
    return s;
  }

  /**
   * Creates a session and resolves once its QR code exists (zapw's POST blocks until then).
   * Returns undefined when the id is taken.
   */
  async create(id: string): Promise<SessionRecord | undefined> {
    if (this.#sessions.has(id)) return undefined;
    const s: SessionRecord = { id, status: "initializing", createdAt: new Date() };
    this.#sessions.set(id, s);
    if (this.#config.connectDelayMs >= 0) {
      this.#later(id, this.#config.connectDelayMs, () => this.connect(id));
    }
    // Not a tracked timer: deleting the session meanwhile must not leave this promise hanging.
    await new Promise<void>((resolve) => setTimeout(resolve, this.#config.qrDelayMs));
    if (this.#sessions.get(id) === s && s.status !== "connected") await this.#newQr(s);
    return s;
  }

  /** Reads a session; an expired QR code is replaced first (zapw's GET does the same). */
  async refreshed(id: string): Promise<SessionRecord | undefined> {
    const s = this.#sessions.get(id);
    if (s?.status === "qr_waiting" && s.qrExpiresAt && s.qrExpiresAt.getTime() <= Date.now()) {
      await this.#newQr(s);
    }
    return s;
  }

  async #newQr(s: SessionRecord): Promise<void> {
    const qr = await qrDataUrl(s.id);
    if (s.status === "connected" || this.#sessions.get(s.id) !== s) return;
    s.qrCode = qr;
    s.qrExpiresAt = new Date(Date.now() + this.#config.qrTtlMs);
    s.status = "qr_waiting";
  }

  /** Marks a session connected (a scanned QR, or a reconnect) and reports it. */
  connect(id: string): SessionRecord | undefined {
    const s = this.#sessions.get(id);
    if (!s || s.status === "connected") return s;
    s.status = "connected";
    s.phoneNumber = this.#config.phoneNumber;
    s.name = this.#config.phoneName;
    s.connectedAt = new Date();
    s.qrCode = undefined;
    s.qrExpiresAt = undefined;
    this.#onChange("connected", s);
    return s;
  }

  disconnect(id: string, reason: string): SessionRecord | undefined {
    const s = this.#sessions.get(id);
    if (!s || s.status === "disconnected") return s;
    this.#clearTimers(id);
    s.status = "disconnected";
    this.#onChange("disconnected", s, reason);
    return s;
  }

  delete(id: string): boolean {
    const s = this.#sessions.get(id);
    if (!s) return false;
    this.#clearTimers(id);
    this.#sessions.delete(id);
    if (s.status === "connected") this.#onChange("disconnected", s, "Manual disconnect");
    return true;
  }

  /** Drops every session and timer (reset and shutdown). */
  clear(): void {
    for (const id of this.#timers.keys()) this.#clearTimers(id);
    this.#sessions.clear();
  }

  #later(id: string, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      const list = this.#timers.get(id);
      if (list) list.splice(list.indexOf(timer), 1);
      fn();
    }, ms);
    const list = this.#timers.get(id) ?? [];
    list.push(timer);
    this.#timers.set(id, list);
  }

  #clearTimers(id: string): void {
    for (const t of this.#timers.get(id) ?? []) clearTimeout(t);
    this.#timers.delete(id);
  }
}
