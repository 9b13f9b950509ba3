/**
 * The middleware that applies the API's input rules in one place, before authentication and
 * before any route (R-HTTP-*, R-HTTP-8):
 * - a known path asked with a method it does not answer → 405 `{detail}` with `Allow`;
 * - in a documented operation, a declared query or path parameter, or any string or key of
 *   its JSON body, holding U+0000, a lone surrogate or malformed percent-encoding → 422
 *   `{detail}` naming the field; a body that is not UTF-8 or nests too deep → 422.
 * Undeclared query parameters are ignored. The bridge-facing webhook keeps its own rules
 * (its text is sanitised and stored, never refused), so it only gets the 405.
 *
 * HEAD is answered wherever GET is (Hono runs the GET handler without the body). OPTIONS is
 * a CORS preflight where CORS is configured; any other OPTIONS is a 405 like other methods.
 */
import type { Context, MiddlewareHandler } from "hono";
import { type ApiSurface, isBridgeFacing } from "./surface.ts";
import { jsonProblem, queryProblem, textProblem } from "./text_input.ts";

type Reply = (status: number, detail: string, headers?: Record<string, string>) => Response;

export function inputGuard(surface: ApiSurface, reply: Reply): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    const path = c.req.path;
    const allowed = surface.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(method)) {
      const notAllowed = () => reply(405, "Method Not Allowed", { Allow: allowed.join(", ") });
      if (method !== "OPTIONS" || !isPreflight(c)) return notAllowed();
      await next();
      // A preflight nobody answered (no CORS for this origin) is still a wrong method.
      if (c.res.status === 404 || c.res.status === 401) c.res = notAllowed();
      return;
    }
    const found = surface.operation(method, path);
    if (found && !isBridgeFacing(found.operation.path)) {
      const problem = paramProblem(found.params) ??
        queryProblem(new URL(c.req.url).search, found.operation.query) ??
        (found.operation.hasBody ? await bodyProblem(c.req.raw) : null);
      if (problem) return reply(422, problem);
    }
    await next();
  };
}

function isPreflight(c: Context): boolean {
  return c.req.header("origin") !== undefined &&
    c.req.header("access-control-request-method") !== undefined;
}

function paramProblem(params: Record<string, string>): string | null {
  for (const [name, raw] of Object.entries(params)) {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return `${name}: is not valid percent-encoded UTF-8`;
    }
    const problem = textProblem(value);
    if (problem) return `${name}: ${problem}`;
  }
  return null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a copy of the body (the route reads the original); unparsable JSON is the route's 422. */
async function bodyProblem(request: Request): Promise<string | null> {
  if (!request.body) return null;
  const bytes = await request.clone().arrayBuffer();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return "body: is not valid UTF-8";
  }
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return jsonProblem(value);
}
