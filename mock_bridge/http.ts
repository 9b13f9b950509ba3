/**
 * HTTP plumbing shared by the mock's routes: bounded JSON body reading, zapw's envelopes,
 * API-key auth exactly as zapw's authMiddleware, and the `latency_ms` fault.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { BridgeState } from "./state.ts";

export type Body = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string };

/**
 * Reads a JSON body of at most `maxBytes`. An empty body reads as `{}` (Express's json()
 * does the same), so a missing field gets zapw's "… is required" message.
 */
export async function readJson(req: Request, maxBytes: number): Promise<Body> {
  const tooLarge: Body = {
    ok: false,
    status: 413,
    error: `Request body larger than ${Math.round(maxBytes / 1048576)} MB`,
  };
  let text: string;
  try {
    const length = req.headers.get("content-length");
    if (length !== null) {
      if (Number(length) > maxBytes) return tooLarge;
      text = await req.text();
    } else {
      const read = await readLimited(req.body, maxBytes);
      if (read === undefined) return tooLarge;
      text = read;
    }
  } catch {
    return { ok: false, status: 400, error: "Could not read request body" };
  }
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, error: "Invalid JSON body" };
  }
}

async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string | undefined> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** zapw's error envelope. */
export function fail(c: Context, status: number, error: string): Response {
  return c.json({ status: "error", error }, status as 400);
}

/** zapw's success envelope. */
export function success(c: Context, data: unknown, status = 200): Response {
  return c.json({ status: "success", data }, status as 200);
}

/** Routes every client may call without a key: health, the simulator and the test controls. */
function isOpenPath(method: string, path: string): boolean {
  if (path.startsWith("/__mock/") || path === "/__mock") return true;
  if (path.startsWith("/static/")) return true;
  return method === "GET" && (path === "/health" || path === "/" || path === "/favicon.ico");
}

/** The `latency_ms` fault, then zapw's API-key check (both headers, same 401 bodies). */
export function apiGuard(state: BridgeState): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    const open = isOpenPath(c.req.method, path);
    const latency = state.faults.latency_ms;
    if (
      latency > 0 && !(path.startsWith("/__mock") || path === "/" || path.startsWith("/static/"))
    ) {
      await new Promise((resolve) => setTimeout(resolve, latency));
    }
    const apiKey = state.config.apiKey;
    if (apiKey && !open) {
      const auth = c.req.header("authorization");
      const provided = auth?.startsWith("Bearer ") ? auth.slice(7) : c.req.header("x-api-key");
      if (!provided) return c.json({ error: "Unauthorized", message: "API key is required" }, 401);
      if (!timingSafeEqual(provided, apiKey)) {
        return c.json({ error: "Unauthorized", message: "Invalid API key" }, 401);
      }
    }
    await next();
  };
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Parses an optional non-negative integer query value; undefined when absent. */
export function intQuery(value: string | undefined, name: string): number | string | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    return `${name} must be a non-negative integer`;
  }
  return n;
}

export function isTrue(value: string | undefined): boolean {
  return value === "1" || value === "true" || value === "yes";
}
