/**
 * Streamed exports of one user's messages (R-MSG-7): JSON (an array of MessageItem, each
 * chunk escaped per R-OUTPUT-1) and CSV (RFC 4180 with a formula-injection guard). Rows are read in
 * keyset batches, so memory stays flat and no connection is held between batches.
 */
import type { Sql } from "../db/mod.ts";
import { escapeJsonText } from "../http/json.ts";
import { itemColumns, type MessageItem, type MessageRow, toItem } from "./item.ts";

export const CSV_COLUMNS = [
  "id",
  "created_at",
  "timestamp",
  "direction",
  "message_type",
  "status",
  "content",
  "caption",
  "whatsapp_message_id",
] as const;

const BATCH = 1_000;

/** Every message of the user, oldest first, in batches (keyset on the exact timestamp). */
export async function* exportRows(sql: Sql, userId: number): AsyncGenerator<MessageItem[]> {
  let after: { ts: string; id: number } | null = null;
  while (true) {
    const cursor = after
      ? sql`AND (created_at, id) > (${after.ts}::text::timestamptz, ${after.id})`
      : sql``;
    const rows: (MessageRow & { cursor_ts: string })[] = await sql<
      (MessageRow & { cursor_ts: string })[]
    >`SELECT ${itemColumns(sql)}, created_at::text AS cursor_ts
      FROM messages WHERE user_id = ${userId} ${cursor}
      ORDER BY created_at ASC, id ASC LIMIT ${BATCH}`;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = { ts: last.cursor_ts, id: last.id };
    yield rows.map(toItem);
    if (rows.length < BATCH) return;
  }
}

/**
 * Runs the first batch now, so an outage is a 503 before any byte is sent rather than a
 * truncated download; the rest streams on demand.
 */
export async function prefetched<T>(batches: AsyncGenerator<T>): Promise<AsyncGenerator<T>> {
  const first = await batches.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* batches;
  })();
}

/** A cell that a spreadsheet would run as a formula gets a leading `'`. */
export function guardFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field: quoted when it holds a quote, comma, CR or LF; quotes doubled. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = guardFormula(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: unknown[]): string {
  return values.map(csvField).join(",") + "\r\n";
}

export function csvLine(item: MessageItem): string {
  return csvRow(CSV_COLUMNS.map((c) => item[c]));
}

function streamOf(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/** The CSV export as a byte stream. */
export function csvStream(batches: AsyncGenerator<MessageItem[]>): ReadableStream<Uint8Array> {
  return streamOf((async function* () {
    yield csvRow([...CSV_COLUMNS]);
    for await (const batch of batches) yield batch.map(csvLine).join("");
  })());
}

/** The JSON export as a byte stream; every chunk carries the R-OUTPUT-1 escaping. */
export function jsonStream(batches: AsyncGenerator<MessageItem[]>): ReadableStream<Uint8Array> {
  return streamOf((async function* () {
    yield "[";
    let first = true;
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      const body = batch.map((item) => JSON.stringify(item)).join(",");
      yield escapeJsonText(first ? body : `,${body}`);
      first = false;
    }
    yield "]";
  })());
}

/** `zapa-messages-<user_id>-<YYYYMMDD>.<ext>` (UTC date). */
export function exportFilename(userId: number, ext: "json" | "csv", now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, "");
  return `zapa-messages-${userId}-${day}.${ext}`;
}
