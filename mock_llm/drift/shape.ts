/**
 * Structure, not content: the JSON shape of a response (every path with its value types, array
 * elements merged under `[]`) and the order of events in an SSE stream, so a real provider's
 * answer and the mock's can be compared while the text itself is ignored.
 */

export type JsonType = "string" | "number" | "boolean" | "null" | "object" | "array";

/** path → the types seen there, e.g. `choices[].message.content` → {string, null}. */
export type Shape = Map<string, Set<JsonType>>;

function typeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return "object";
}

/** The shape of a JSON value (merging into `into` when given). */
export function shapeOf(value: unknown, path = "$", into: Shape = new Map()): Shape {
  const type = typeOf(value);
  const seen = into.get(path) ?? new Set<JsonType>();
  seen.add(type);
  into.set(path, seen);
  if (type === "array") {
    for (const item of value as unknown[]) shapeOf(item, `${path}[]`, into);
  } else if (type === "object") {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      shapeOf(child, `${path}.${key}`, into);
    }
  }
  return into;
}

export interface ShapeDifference {
  path: string;
  kind: "missing_in_mock" | "extra_in_mock" | "type_mismatch";
  real: JsonType[];
  mock: JsonType[];
}

/**
 * Paths only one side has, and paths whose types differ. `null` on one side against a value
 * on the other is a mismatch too: clients that skip null checks break on it.
 */
export function compareShapes(real: Shape, mock: Shape): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  const paths = [...new Set([...real.keys(), ...mock.keys()])].sort();
  for (const path of paths) {
    const r = [...(real.get(path) ?? [])].sort();
    const m = [...(mock.get(path) ?? [])].sort();
    if (r.length === 0) {
      // Only report the top of a subtree that is missing, not every leaf below it.
      if (!hasAncestorOnlyIn(path, mock, real)) {
        out.push({ path, kind: "extra_in_mock", real: r, mock: m });
      }
    } else if (m.length === 0) {
      if (!hasAncestorOnlyIn(path, real, mock)) {
        out.push({ path, kind: "missing_in_mock", real: r, mock: m });
      }
    } else if (r.join() !== m.join()) {
      out.push({ path, kind: "type_mismatch", real: r, mock: m });
    }
  }
  return out;
}

function hasAncestorOnlyIn(path: string, present: Shape, absent: Shape): boolean {
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "." && path[i] !== "[") continue;
    const parent = path.slice(0, i);
    if (present.has(parent) && !absent.has(parent)) return true;
  }
  return false;
}

export interface SseEvent {
  event: string | null;
  data: string;
}

/** Splits an SSE body into events (`event:` name, joined `data:` lines). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.replace(/\r\n/g, "\n").split(/\n\n+/)) {
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (event !== null || data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return events;
}

/**
 * A label per event for order comparison: the `event:` name when the provider sends one
 * (Anthropic), else `[DONE]` or a signature of the chunk's structure (OpenAI, Gemini), e.g.
 * `choices[].delta{content}` or `usage`.
 */
export function eventLabel(e: SseEvent): string {
  if (e.event) {
    if (e.event === "content_block_delta") {
      try {
        const delta = (JSON.parse(e.data) as { delta?: { type?: string } }).delta?.type;
        if (delta) return `${e.event}(${delta})`;
      } catch {
        // fall through
      }
    }
    return e.event;
  }
  if (e.data.trim() === "[DONE]") return "[DONE]";
  let chunk: unknown;
  try {
    chunk = JSON.parse(e.data);
  } catch {
    return "unparsable";
  }
  const c = chunk as Record<string, unknown>;
  const parts: string[] = [];
  const choice = (c.choices as Array<Record<string, unknown>> | undefined)?.[0];
  if (choice) {
    const delta = choice.delta as Record<string, unknown> | undefined;
    const keys = Object.keys(delta ?? {}).filter((k) =>
      delta![k] !== null && delta![k] !== undefined && delta![k] !== ""
    ).sort();
    parts.push(`delta{${keys.join(",")}}`);
    if (choice.finish_reason) parts.push("finish");
  } else if (Array.isArray(c.choices)) parts.push("no-choices");
  const candidate = (c.candidates as Array<Record<string, unknown>> | undefined)?.[0];
  if (candidate) {
    const content = candidate.content as { parts?: Array<Record<string, unknown>> } | undefined;
    const kinds = [...new Set((content?.parts ?? []).flatMap((p) => Object.keys(p)))].sort();
    parts.push(`parts{${kinds.join(",")}}`);
    if (candidate.finishReason) parts.push("finish");
  }
  if (c.usage || c.usageMetadata) parts.push("usage");
  return parts.join("+") || "other";
}

/** Event labels in order, consecutive repeats collapsed (`delta{content}` × n → once). */
export function eventOrder(events: readonly SseEvent[]): string[] {
  const out: string[] = [];
  for (const label of events.map(eventLabel)) {
    if (out[out.length - 1] !== label) out.push(label);
  }
  return out;
}
