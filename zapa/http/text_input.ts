/**
 * Text that PostgreSQL cannot hold, found in API input before it reaches SQL (R-HTTP-8):
 * U+0000 and ill-formed UTF-16 (a lone surrogate from a `\u` escape) in any JSON string or key,
 * and query values that are not valid percent-encoded UTF-8. Each finding names its field.
 */

/**
 * The JSON Schema `pattern` published for every request string without one of its own: no
 * U+0000 and no lone surrogate (under ECMA-262's `u` flag a paired surrogate is one code point
 * above the range, so emoji pass).
 */
export const SAFE_TEXT_PATTERN = "^[^\\u0000\\ud800-\\udfff]*$";

/**
 * ECMAScript's white space and line terminators (what `\s` and `trim()` mean in JS), spelt
 * out: other regex dialects (Python's, used by schema-driven generators) read `\s` differently.
 */
export const JS_WHITESPACE =
  "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

/** SAFE_TEXT_PATTERN with at least one character that is not white space (trimmed, not empty). */
export const NONBLANK_TEXT_PATTERN =
  `^[^\\u0000\\ud800-\\udfff]*[^${JS_WHITESPACE}\\u0000\\ud800-\\udfff][^\\u0000\\ud800-\\udfff]*$`;

/** Nesting deeper than this is refused: nothing the API stores needs it, stringifying it may overflow. */
export const MAX_JSON_DEPTH = 64;

/** Why a string cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain U+0000";
  if (!text.isWellFormed()) return "must be well-formed Unicode (no lone surrogate)";
  return null;
}

/** `a.b.0.c` for messages; the root is `body`. */
function fieldName(path: readonly (string | number)[]): string {
  return path.length ? path.join(".") : "body";
}

/**
 * The first string, key or number in a parsed JSON value that cannot be stored, as a 422
 * detail (`"model_settings.model: must not contain U+0000"`), or null. Iterative, so a deeply
 * nested body cannot overflow the stack here.
 */
export function jsonProblem(value: unknown): string | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (path.length > MAX_JSON_DEPTH) {
      return `${fieldName(path.slice(0, 1))}: nested deeper than ${MAX_JSON_DEPTH} levels`;
    }
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) return `${fieldName(path)}: ${problem}`;
    } else if (typeof v === "number") {
      // JSON.parse turns 1e400 into Infinity; it would be stored as null.
      if (!Number.isFinite(v)) return `${fieldName(path)}: number out of range`;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      for (const [key] of entries) {
        const problem = textProblem(key);
        if (problem) return `${fieldName(path)}: a key ${problem}`;
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
      }
    }
  }
  return null;
}

/**
 * The first query parameter among `names` whose value is not valid percent-encoded UTF-8 or
 * cannot be stored, as a 422 detail, or null. Other parameters are ignored (R-HTTP-7).
 */
export function queryProblem(search: string, names: ReadonlySet<string>): string | null {
  if (names.size === 0 || search.length <= 1) return null;
  for (const pair of search.slice(1).split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = decodeOrNull(rawKey);
    if (key === null || !names.has(key)) continue;
    const value = decodeOrNull(eq < 0 ? "" : pair.slice(eq + 1));
    if (value === null) return `${key}: is not valid percent-encoded UTF-8`;
    const problem = textProblem(value);
    if (problem) return `${key}: ${problem}`;
  }
  return null;
}

function decodeOrNull(component: string): string | null {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return null;
  }
}
