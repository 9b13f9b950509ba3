/**
 * The subset of GJSON paths k6's `Response.json(selector)` understands that scripts use:
 * `a.b`, `items.0.text`, `items.#` (length) and `items.#.text` (one field of every element).
 */

export function jsonSelect(value: unknown, selector: string): unknown {
  const parts = selector.split(".").filter((p) => p !== "");
  return walk(value, parts);
}

function walk(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === "#") {
    if (!Array.isArray(value)) return undefined;
    return rest.length === 0 ? value.length : value.map((v) => walk(v, rest));
  }
  if (value === null || typeof value !== "object") return undefined;
  const next = Array.isArray(value) && /^\d+$/.test(head)
    ? value[Number(head)]
    : (value as Record<string, unknown>)[head];
  return next === undefined ? undefined : walk(next, rest);
}
