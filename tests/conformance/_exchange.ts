/**
 * A generated request, how it goes on the wire (including what `fetch` would refuse to encode:
 * lone surrogates in a URL, raw JSON text), and how a failure report prints it.
 */
import { target } from "../../lib/target.ts";
import type { Operation } from "./_openapi.ts";
import type { Answer, Expectation } from "./_verdict.ts";

/** A raw JSON fragment spliced into the serialised body in place of its placeholder. */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `\u0001raw:${this.text}\u0001`;
  }
}

export interface GenRequest {
  path: Record<string, unknown>;
  /** Query parameters; a value of `undefined` is left out. */
  query: Record<string, unknown>;
  /** A JSON body (`undefined`: none), or raw text with its own content type. */
  body?: unknown;
  raw?: { text: string; contentType: string | null };
  /** Extra headers (auth comes from the caller). */
  headers?: Record<string, string>;
  /** What the contract says the answer must be. */
  expect: Expectation;
  /** Why this case exists, for reports (`NUL in body.display_name`). */
  label: string;
}

/** encodeURIComponent, except that a lone surrogate becomes its (ill-formed) UTF-8 bytes. */
export function encodeComponent(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

/** The serialised JSON body, with RawJson fragments spliced in. */
export function serialiseBody(body: unknown): string {
  return JSON.stringify(body).replace(
    /"\\u0001raw:((?:[^"\\]|\\.)*)\\u0001"/g,
    (_, inner: string) => JSON.parse(`"${inner}"`),
  );
}

export interface Wire {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export function toWire(op: Operation, req: GenRequest, token: string | null): Wire {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = req.path[name];
    return encodeComponent(value === undefined ? "" : String(value));
  });
  const query = Object.entries(req.query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(String(v))}`)
    .join("&");
  const headers: Record<string, string> = { ...req.headers };
  let body: string | null = null;
  if (req.raw) {
    body = req.raw.text;
    if (req.raw.contentType !== null) headers["content-type"] = req.raw.contentType;
  } else if (req.body !== undefined) {
    body = serialiseBody(req.body);
    headers["content-type"] = op.body?.contentType ?? "application/json";
  }
  if (token) headers["authorization"] = `Bearer ${token}`;
  return {
    method: op.method,
    url: `${target.urls[op.entrypoint]}${path}${query ? `?${query}` : ""}`,
    headers,
    body,
  };
}

export interface Exchange extends Answer {
  wire: Wire;
  headers: Headers;
  ms: number;
}

/**
 * Sends a request. A 503 is asked again twice, 250 and 500 ms later: it is the contract's answer
 * to a dependency blip (a Redis command timing out on an overloaded box), and only one that
 * persists is a finding.
 */
export async function send(wire: Wire, timeoutMs = 30_000): Promise<Exchange> {
  let answer = await sendOnce(wire, timeoutMs);
  for (const pauseMs of [250, 500]) {
    if (answer.status !== 503) break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    answer = await sendOnce(wire, timeoutMs);
  }
  return answer;
}

/** One request; a refused connection or a timeout is an exchange with status 599. */
async function sendOnce(wire: Wire, timeoutMs: number): Promise<Exchange> {
  const started = performance.now();
  try {
    const response = await fetch(wire.url, {
      method: wire.method,
      headers: wire.headers,
      body: wire.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return {
      wire,
      status: response.status,
      headers: response.headers,
      contentType: response.headers.get("content-type") ?? "",
      text,
      ms: performance.now() - started,
    };
  } catch (error) {
    return {
      wire,
      status: 599,
      headers: new Headers(),
      contentType: "",
      text: `no answer: ${(error as Error).message}`,
      ms: performance.now() - started,
    };
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** A readable, copy-pasteable account of one exchange (auth header elided). */
export function describe(exchange: Exchange, label: string): string {
  const { wire } = exchange;
  const headers = Object.entries(wire.headers)
    .filter(([k]) => k !== "authorization")
    .map(([k, v]) => `${k}: ${v}`);
  const lines = [
    `    case: ${label}`,
    `    request: ${wire.method} ${clip(wire.url, 300)}${
      wire.headers.authorization ? " (with a bearer token)" : " (no token)"
    }`,
  ];
  if (headers.length) lines.push(`    headers: ${headers.join("; ")}`);
  if (wire.body !== null) lines.push(`    body: ${clip(JSON.stringify(wire.body), 400)}`);
  lines.push(
    `    answer: HTTP ${exchange.status} ${clip(exchange.text.replace(/\s+/g, " "), 300)}`,
  );
  return lines.join("\n");
}
