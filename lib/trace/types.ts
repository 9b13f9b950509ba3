/**
 * The shapes of a message trace: a hop (one step of a WhatsApp message's journey, as one of the
 * services saw it) and the trace (hops in order plus which sources answered).
 */

export interface Hop {
  /** What happened: "webhook message.received #1", "LLM call (openai)", "send to bridge". */
  hop: string;
  /** Who saw it: "bridge", "bridge → zapa", "zapa", "llm", "zapa → bridge", or a log's service. */
  service: string;
  /** ISO time; end is null while a hop is still open (no reply yet, a held LLM call). */
  start: string;
  end: string | null;
  durationMs: number | null;
  status: string;
  detail: string;
}

export interface SourceState {
  /** "bridge journal", "LLM journal", "zapa records", "service logs". */
  name: string;
  ok: boolean;
  /** Why it could not be read, or what it lacked. */
  note?: string;
}

export interface Trace {
  messageId: string;
  collectedAt: string;
  hops: Hop[];
  sources: SourceState[];
}

/** Where a running stack's journals, records and logs are. */
export interface TraceTarget {
  /** The mock bridge's control URL (its `/__mock` journals). */
  bridgeControl: string;
  /** The mock LLM's URL (its `/__mock/requests` journal). */
  llm: string;
  /** Zapa's private URL and admin account, for its own records (R-ADMIN-8). */
  private?: string;
  admin?: { username: string; password: string };
  /** Reads a service's last lines of log (the harness's service-control API), or null. */
  logs?: ((service: string, lines: number) => Promise<string>) | null;
  /** Services whose logs are searched (default private, public, bridge, llm). */
  logServices?: string[];
}

export interface TraceOptions {
  /** Fingerprints of the keys the message's user configured: LLM calls are matched by them. */
  keyFingerprints?: string[];
  /** How long after the inbound message LLM calls and sends still count when no reply was sent. */
  windowMs?: number;
  /** Log lines read per service. */
  logLines?: number;
  /** Per source request timeout. */
  timeoutMs?: number;
}
