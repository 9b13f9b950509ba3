/**
 * JSON output rules of R-OUTPUT-1: `<`, `>` and `&` are written as `\u003c`, `\u003e` and
 * `\u0026`, so a raw body never contains `<` while parsers still recover the exact text.
 */

const UNSAFE = /[<>&\u2028\u2029]/g;
const REPLACEMENT: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Escapes an already serialised JSON text. Safe because these characters only occur in strings. */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE, (ch) => REPLACEMENT[ch]!);
}

/** `JSON.stringify` with the R-OUTPUT-1 escaping. */
export function safeStringify(value: unknown): string {
  return escapeJsonText(JSON.stringify(value));
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

const escaped = new WeakSet<Response>();

/** Marks a response whose body is already escaped (e.g. a streamed export) so it is not buffered. */
export function markEscaped(response: Response): Response {
  escaped.add(response);
  return response;
}

export function isMarkedEscaped(response: Response): boolean {
  return escaped.has(response);
}

/** A JSON response that follows R-OUTPUT-1, for code paths outside Hono's `c.json`. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return markEscaped(
    new Response(safeStringify(body), {
      status,
      headers: {
        "content-type": JSON_CONTENT_TYPE,
        "x-content-type-options": "nosniff",
        ...headers,
      },
    }),
  );
}
