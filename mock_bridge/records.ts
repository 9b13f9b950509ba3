/**
 * The entries of the mock bridge's journals and of zapw's `/events`, as stored in memory
 * (`at` is epoch ms; routes format it when a journal is read), and the result type of
 * state operations that routes turn into HTTP answers.
 */

export interface SentRecord {
  seq: number;
  message_id: string | null;
  session_id: string;
  to: string;
  to_jid: string;
  to_digits: string;
  type: string;
  text: string | null;
  body: unknown;
  at: number;
  rejected: boolean;
  http_status: number;
}

export interface InboundRecord {
  seq: number;
  message_id: string;
  session_id: string;
  from: string;
  from_digits: string;
  to: string;
  type: string;
  text: string | null;
  caption: string | null;
  location: { latitude: number; longitude: number; name?: string; address?: string } | null;
  contact: { name: string; number: string } | null;
  is_group: boolean;
  group_id: string | null;
  at: number;
  forwarded: boolean;
  webhook_status: number | null;
}

export interface WebhookRecord {
  seq: number;
  event_type: string;
  message_id: string | null;
  session_id: string;
  attempt: number;
  status: number;
  error: string | null;
  duration_ms: number;
  at: number;
  response: unknown;
  copy: number;
}

export interface StoredEvent {
  id: string;
  sessionId: string;
  eventType: string;
  timestamp: number;
  data: Record<string, unknown>;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

export interface InboundResult {
  message_id: string;
  webhook: { status: number | null; body: unknown; error: string | null };
}
