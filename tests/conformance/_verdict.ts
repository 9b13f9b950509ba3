/**
 * Judging one exchange against the published contract: is its status documented, does its body
 * match the documented schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), is it a server
 * error or a leaked stack trace, and was a valid request refused or an invalid one accepted.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { JsonSchema, Operation, ResponseSpec } from "./_openapi.ts";

// ajv-formats is CommonJS: its function is the default export's default under Deno's npm interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => void;

function newAjv(coerceTypes: boolean): Ajv2020 {
  // strict: false, because OpenAPI adds keywords JSON Schema does not know (example, xml, …).
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

const bodies = newAjv(false);
/** Query and path parameters arrive as text: "5" is a valid `integer` there. */
const params = newAjv(true);
const compiled = {
  bodies: new WeakMap<object, ReturnType<Ajv2020["compile"]>>(),
  params: new WeakMap<object, ReturnType<Ajv2020["compile"]>>(),
};

/** ajv's complaints about `value` (null when it is valid). */
export function schemaErrors(
  schema: JsonSchema,
  value: unknown,
  options: { coerce?: boolean } = {},
): string | null {
  if (typeof schema === "boolean") return schema ? null : "schema `false` admits nothing";
  const cache = options.coerce ? compiled.params : compiled.bodies;
  let validate = cache.get(schema);
  if (!validate) {
    validate = (options.coerce ? params : bodies).compile(schema);
    cache.set(schema, validate);
  }
  // Coercion rewrites its input in place: validate a copy.
  const ok = validate(options.coerce ? structuredClone({ v: value }).v : value);
  if (ok) return null;
  return (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || "/"} ${e.message}`)
    .join("; ");
}

/** Does the value hold text contract v1.1 refuses in API input (U+0000, lone surrogates)? */
export function hasForbiddenText(value: unknown): boolean {
  // Iterative: hostile bodies nest 10 000 deep.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "string") {
      if (item.includes("\u0000") || !item.isWellFormed()) return true;
    } else if (Array.isArray(item)) pending.push(...item);
    else if (item !== null && typeof item === "object") {
      for (const [k, v] of Object.entries(item)) pending.push(k, v);
    }
  }
  return false;
}

/** Traces of a leaked exception: V8/Deno frames, file URLs, driver error names. */
const STACK_TRACE = [
  /\n\s+at \S.*[:(]\d+:\d+\)?/,
  /file:\/\/\//,
  /\/node_modules\//,
  /\.(ts|js|mjs):\d+:\d+/,
  /\b(PostgresError|TypeError|ReferenceError|SyntaxError|RangeError)\b/,
  /Traceback \(most recent call last\)/,
];

export function looksLikeStackTrace(text: string): boolean {
  return STACK_TRACE.some((pattern) => pattern.test(text));
}

/** The documented answer for a status: exact code, then `4XX`-style ranges, then `default`. */
export function documentedResponse(op: Operation, status: number): ResponseSpec | undefined {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ??
    op.responses[`${String(status)[0]}xx`] ?? op.responses.default;
}

export type ProblemKind =
  | "server_error"
  | "undocumented_status"
  | "schema_mismatch"
  | "valid_refused"
  | "invalid_accepted";

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

/** What the request should get: `valid` a non-validation answer, `invalid` a 4xx, `any` either. */
export type Expectation = "valid" | "invalid" | "any";

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

function bodyProblem(spec: ResponseSpec, answer: Answer): string | null {
  const declared = Object.keys(spec.content);
  if (declared.length === 0 || answer.status === 204 || answer.status === 304) return null;
  const type = mediaType(answer.contentType);
  const match = declared.find((d) => mediaType(d) === type) ??
    declared.find((d) => d === "*/*" || (d.endsWith("/*") && type.startsWith(d.slice(0, -1))));
  if (!match) {
    return `content type "${type}" is not documented (documented: ${declared.join(", ")})`;
  }
  const schema = spec.content[match];
  if (schema === undefined) return null;
  if (!/[/+]json$/.test(type)) return null;
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    return "the body is not JSON";
  }
  const errors = schemaErrors(schema, value);
  return errors ? `the body does not match the documented schema: ${errors}` : null;
}

/** Everything wrong with one exchange. */
export function problemsOf(op: Operation, answer: Answer, expect: Expectation): Problem[] {
  const problems: Problem[] = [];
  if (answer.status >= 500) {
    problems.push({ kind: "server_error", detail: `HTTP ${answer.status}` });
  } else if (looksLikeStackTrace(answer.text)) {
    problems.push({ kind: "server_error", detail: `a stack trace in a ${answer.status} body` });
  }
  const spec = documentedResponse(op, answer.status);
  // A 5xx is a server error first: it is reported as one, not again as undocumented.
  if (!spec && answer.status < 500) {
    problems.push({
      kind: "undocumented_status",
      detail: `HTTP ${answer.status} is not documented (documented: ${
        Object.keys(op.responses).join(", ")
      })`,
    });
  } else if (spec) {
    const body = bodyProblem(spec, answer);
    if (body) problems.push({ kind: "schema_mismatch", detail: `HTTP ${answer.status}: ${body}` });
  }
  if (expect === "valid" && (answer.status === 400 || answer.status === 422)) {
    problems.push({
      kind: "valid_refused",
      detail: `a request valid by the published schema got HTTP ${answer.status}`,
    });
  }
  if (expect === "invalid" && answer.status < 400) {
    problems.push({
      kind: "invalid_accepted",
      detail: `a request the published schema (or the text rule) refuses got HTTP ${answer.status}`,
    });
  }
  return problems;
}
