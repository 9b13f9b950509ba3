/**
 * Request generators for one operation: valid requests (from the published schemas, steered by
 * the sandbox) and hostile ones (a valid request with one thing broken: a field's value, a
 * field missing or unknown, the body's JSON, its type or its size). Each hostile case knows
 * whether the contract requires a refusal, judged with ajv against the same schemas.
 */
import fc from "fast-check";
import type { JsonSchema, Operation } from "./_openapi.ts";
import { arbitraryFor } from "./_schema_arb.ts";
import { type GenRequest, RawJson, serialiseBody } from "./_exchange.ts";
import { apiKeyFields, isUserId, type Sandbox, steeredBody, steeredParameter } from "./_sandbox.ts";
import { type Expectation, hasForbiddenText, schemaErrors } from "./_verdict.ts";

type Schema = Record<string, unknown>;
const BODY_LIMIT = 1024 * 1024;

function recordOf(entries: Array<[string, fc.Arbitrary<unknown>]>, required: string[]) {
  return fc.record(Object.fromEntries(entries), { requiredKeys: required }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

/** Requests valid by the operation's published schemas. */
export function validRequest(op: Operation, box: Sandbox): fc.Arbitrary<GenRequest> {
  const arbFor = (p: Operation["parameters"][number]) =>
    steeredParameter(op, p, box) ?? arbitraryFor(p.schema);
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  // "." and ".." (even as %2E) are dot segments a URL parser resolves away: no request can
  // carry them to this operation.
  const addressable = (p: Operation["parameters"][number]) =>
    arbFor(p).filter((v) => !/^\.{1,2}$/.test(String(v)));
  const path = recordOf(
    pathParams.map((p) => [p.name, addressable(p)]),
    pathParams.map((p) => p.name),
  );
  const query = recordOf(
    queryParams.map((p) => [p.name, arbFor(p)]),
    queryParams.filter((p) => p.required).map((p) => p.name),
  );
  const bodyArb = op.body ? arbitraryFor(op.body.schema).map((b) => steeredBody(op, b)) : null;
  const body = !bodyArb
    ? fc.constant(undefined)
    : op.body!.required
    ? bodyArb
    : fc.option(bodyArb, { nil: undefined });
  const credentials = apiKeyFields(op);
  return fc.record({ path, query, body }).map((r) => ({
    ...r,
    query: { ...credentials.query, ...r.query },
    headers: credentials.headers,
    expect: "valid" as Expectation,
    label: "valid input",
  }));
}

/** Text values that break something somewhere: what the contract and PostgreSQL disagree on. */
const HOSTILE_TEXT: Array<[string, string]> = [
  ["NUL", "a\u0000b"],
  ["a lone high surrogate", "x\ud800y"],
  ["a lone low surrogate", "\udfff"],
  ["control characters", "\u0001\u0007\u001b\u007f"],
  ["4-byte emoji", "😀🧪👨‍👩‍👧"],
  ["right-to-left marks", "\u202eevil\u200f\u061c"],
  ["zero-width characters and a BOM", "\u200b\ufeff"],
  ["blank text", "   "],
  ["empty text", ""],
  ["SQL", "' OR 1=1; --"],
  ["LIKE wildcards", "%_\\"],
  ["markup", "<script>alert(1)</script>"],
  ["10 000 characters", "x".repeat(10_000)],
];

/** Values of the wrong JSON type, and numbers JavaScript cannot hold. */
const WRONG_JSON: Array<[string, unknown]> = [
  ["a number", 0],
  ["a negative integer", -1],
  ["a fraction", 1.5],
  ["true", true],
  ["null", null],
  ["an array", []],
  ["an object", {}],
  ["numeric text", "12"],
  ["1e400 (beyond double)", new RawJson("1e400")],
  ["-1e400", new RawJson("-1e400")],
  ["a 30-digit integer", new RawJson("123456789012345678901234567890")],
  ["2^53 + 1", new RawJson("9007199254740993")],
];

/** Text a query or path parameter should refuse or survive. */
const PARAM_TEXT: Array<[string, string]> = [
  ...HOSTILE_TEXT,
  ["a negative number", "-1"],
  ["zero", "0"],
  ["a fraction", "1.5"],
  ["1e400", "1e400"],
  ["a 30-digit number", "123456789012345678901234567890"],
  ["hex", "0x10"],
  ["NaN", "NaN"],
  ["true", "true"],
];

interface Mutation {
  label: string;
  apply: (base: GenRequest) => GenRequest;
}

function schemaObject(schema: JsonSchema | undefined): Schema {
  return typeof schema === "object" ? schema : {};
}

/** Boundary values just outside what a schema admits. */
function boundaries(schema: Schema): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const { minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof maxLength === "number" && maxLength < BODY_LIMIT) {
    out.push([`maxLength + 1 (${maxLength + 1})`, "y".repeat(maxLength + 1)]);
  }
  if (typeof minLength === "number" && minLength > 0) {
    out.push([`minLength - 1 (${minLength - 1})`, "y".repeat(minLength - 1)]);
  }
  if (typeof maximum === "number") out.push([`maximum + 1 (${maximum + 1})`, maximum + 1]);
  if (typeof minimum === "number") out.push([`minimum - 1 (${minimum - 1})`, minimum - 1]);
  if (typeof exclusiveMaximum === "number") out.push(["exclusiveMaximum", exclusiveMaximum]);
  if (typeof exclusiveMinimum === "number") out.push(["exclusiveMinimum", exclusiveMinimum]);
  if (Array.isArray(schema.enum)) {
    const first = schema.enum.find((v) => typeof v === "string") as string | undefined;
    if (first !== undefined) out.push(["an enum value in upper case", `${first.toUpperCase()}X`]);
  }
  return out;
}

interface Location {
  path: string[];
  schema: Schema;
  required: boolean;
}

/** Every field of a body schema, two levels deep (free-form objects get one new key). */
function bodyLocations(schema: Schema, prefix: string[] = [], depth = 0): Location[] {
  const out: Location[] = [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  for (const [name, child] of Object.entries(properties)) {
    const childSchema = schemaObject(child);
    out.push({ path: [...prefix, name], schema: childSchema, required: required.includes(name) });
    if (depth < 2) out.push(...bodyLocations(childSchema, [...prefix, name], depth + 1));
  }
  const isObject = [schema.type].flat().includes("object");
  if (isObject && Object.keys(properties).length === 0 && schema.additionalProperties !== false) {
    out.push({ path: [...prefix, "conformance"], schema: {}, required: false });
  }
  return out;
}

function setAt(body: unknown, path: string[], value: unknown, remove = false): unknown {
  const root: Record<string, unknown> = body !== null && typeof body === "object" &&
      !Array.isArray(body)
    ? structuredClone(body as Record<string, unknown>)
    : {};
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next !== null && typeof next === "object" && !Array.isArray(next) ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = value;
  return root;
}

/** A JSON object text whose first key appears twice: first with `first`, then as given. */
function duplicateKeyText(body: Record<string, unknown>, first: unknown): string | null {
  const keys = Object.keys(body);
  if (keys.length === 0) return null;
  const key = keys[0]!;
  const text = serialiseBody(body);
  return `{${JSON.stringify(key)}:${JSON.stringify(first)},${text.slice(1)}`;
}

function bodyMutations(op: Operation): Mutation[] {
  if (!op.body) return [];
  const schema = schemaObject(op.body.schema);
  const withBody = (label: string, body: (b: unknown) => unknown): Mutation => ({
    label,
    apply: (base) => ({ ...base, body: body(base.body), raw: undefined, label }),
  });
  const rawBody = (label: string, text: (b: unknown) => string, contentType: string | null) => ({
    label,
    apply: (base: GenRequest) => ({
      ...base,
      body: undefined,
      raw: { text: text(base.body ?? {}), contentType },
      label,
    }),
  });
  const out: Mutation[] = [];
  for (const location of bodyLocations(schema)) {
    const where = `body.${location.path.join(".")}`;
    for (const [name, value] of HOSTILE_TEXT) {
      out.push(withBody(`${name} in ${where}`, (b) => setAt(b, location.path, value)));
    }
    for (const [name, value] of [...WRONG_JSON, ...boundaries(location.schema)]) {
      out.push(withBody(`${name} as ${where}`, (b) => setAt(b, location.path, value)));
    }
    out.push(withBody(
      `${location.required ? "required" : "optional"} ${where} left out`,
      (b) => setAt(b, location.path, undefined, true),
    ));
    if (location.path.at(-1) === "conformance") {
      out.push(
        withBody(
          `a NUL in a key of ${where.replace(/\.conformance$/, "")}`,
          (b) => setAt(b, [...location.path.slice(0, -1), "k\u0000"], 1),
        ),
      );
    }
  }
  out.push(
    withBody("an unknown field", (b) => setAt(b, ["conformance_unknown_field"], "x")),
    withBody(
      "a 1 MB string in an unknown field",
      (b) => setAt(b, ["conformance_padding"], "a".repeat(BODY_LIMIT)),
    ),
    withBody("an array body", () => []),
    withBody("a null body", () => null),
    withBody("a string body", () => "text"),
    withBody("a number body", () => 42),
    withBody("no body", () => undefined),
    rawBody("truncated JSON", (b) => serialiseBody(b).slice(0, -1) || "{", "application/json"),
    rawBody("JSON with single quotes", () => "{'a': 1}", "application/json"),
    rawBody("a bare NUL byte", () => "\u0000", "application/json"),
    rawBody("JSON nested 10 000 deep", () => "[".repeat(10_000) + "]".repeat(10_000), null),
    rawBody("valid JSON sent as text/plain", (b) => serialiseBody(b), "text/plain"),
    rawBody("valid JSON without a content type", (b) => serialiseBody(b), null),
    rawBody("a form body", () => "a=1&b=2", "application/x-www-form-urlencoded"),
    rawBody("an XML body", () => "<a>1</a>", "application/xml"),
  );
  for (const [name, value] of [["a number", 0], ["null", null], ["\\u0000 text", "\u0000"]]) {
    out.push(rawBody(
      `a duplicate first key, first as ${name}`,
      (b) =>
        b !== null && typeof b === "object" && !Array.isArray(b)
          ? duplicateKeyText(b as Record<string, unknown>, value) ?? "{}"
          : serialiseBody(b),
      "application/json",
    ));
  }
  return out;
}

function parameterMutations(op: Operation, box: Sandbox): Mutation[] {
  const out: Mutation[] = [];
  for (const param of op.parameters.filter((p) => p.in === "query" || p.in === "path")) {
    // Text a lenient number parser reads as an id ("0x10" is 16) must name a row of our own.
    const hex = isUserId(op, param) ? `0x${box.ownedUserIds[0]!.toString(16)}` : "0x10";
    const where = `${param.in} parameter ${param.name}`;
    const slot = param.in === "path" ? "path" : "query";
    const set = (label: string, value: unknown): Mutation => ({
      label,
      apply: (base) => ({ ...base, [slot]: { ...base[slot], [param.name]: value }, label }),
    });
    const texts = PARAM_TEXT.map(([name, value]): [string, unknown] =>
      name === "hex" ? ["hex", hex] : [name, value]
    );
    for (const [name, value] of [...texts, ...boundaries(schemaObject(param.schema))]) {
      // An empty path segment names another route (`/users/` is the list), not this one.
      if (param.in === "path" && value === "") continue;
      out.push(set(`${name} as ${where}`, value));
    }
    if (param.in === "query") {
      out.push(set(`${param.required ? "required" : "optional"} ${where} left out`, undefined));
    }
  }
  return out;
}

/** Is a parameter's text admitted by its schema? Numbers must be plain decimals. */
function parameterAdmits(schema: JsonSchema, text: string): boolean {
  const types = typeof schema === "object" ? [schema.type].flat() : [];
  if (types.includes("integer") && !types.includes("string") && !/^-?\d+$/.test(text)) return false;
  if (
    types.includes("number") && !types.includes("string") &&
    !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)
  ) return false;
  if (types.some((t) => t === "integer" || t === "number") && !Number.isFinite(Number(text))) {
    return false;
  }
  return schemaErrors(schema, text, { coerce: true }) === null;
}

/**
 * The contract's verdict on a request: `invalid` (must be refused), `valid` (must not be
 * refused as invalid), or `any` — a URL holding a lone surrogate: no UTF-8 can carry one, and
 * how a server decodes the broken bytes is its own business as long as it answers cleanly.
 */
export function expectationOf(op: Operation, req: GenRequest): Expectation {
  let verdict: Expectation = "valid";
  for (const param of op.parameters) {
    if (param.in !== "query" && param.in !== "path") continue;
    const value = (param.in === "path" ? req.path : req.query)[param.name];
    if (value === undefined) {
      if (param.required) return "invalid";
      continue;
    }
    const text = String(value);
    if (!text.isWellFormed()) verdict = "any";
    else if (text.includes("\u0000") || !parameterAdmits(param.schema, text)) return "invalid";
  }
  if (!op.body) return verdict;
  if (!op.body) return "valid";
  let text: string | undefined;
  if (req.raw) {
    text = req.raw.text;
    const type = req.raw.contentType ?? "";
    if (type && !/json/i.test(type) && !/text\/plain/i.test(type)) return "invalid";
  } else if (req.body !== undefined) text = serialiseBody(req.body);
  if (text === undefined) return op.body.required ? "invalid" : verdict;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "invalid";
  }
  if (hasForbiddenText(value) || schemaErrors(op.body.schema, value)) return "invalid";
  return verdict;
}

/**
 * The mutations every profile sends to every field at least once: the text PostgreSQL refuses,
 * a wrong type, the schema's own boundaries, a missing field, and the body's framing.
 */
const CORE = new RegExp(
  [
    "^(NUL|a lone high surrogate|a number|1e400|a negative number|maxLength \\+ 1",
    "|minLength - 1|maximum \\+ 1|minimum - 1|an enum value in upper case) (in|as) ",
    "|^required .* left out$",
    "|^(an unknown field|a 1 MB string|an array body|truncated JSON|an XML body|JSON nested",
    "|a duplicate first key, first as \\\\u0000 text|a NUL in a key)",
  ].join(""),
);

function mutate(op: Operation, base: GenRequest, mutation: Mutation): GenRequest {
  const mutated = mutation.apply(base);
  return { ...mutated, expect: expectationOf(op, mutated) };
}

export interface HostileCase {
  label: string;
  /** Sent in every profile (the CI one sends only these, once per field). */
  core: boolean;
  arbitrary: fc.Arbitrary<GenRequest>;
}

/** One case per mutation: a generated valid request with that one thing broken. */
export function hostileCases(op: Operation, box: Sandbox): HostileCase[] {
  const valid = validRequest(op, box);
  return [...parameterMutations(op, box), ...bodyMutations(op)].map((m) => ({
    label: m.label,
    core: CORE.test(m.label),
    arbitrary: valid.map((base) => mutate(op, base, m)),
  }));
}

/** Requests with one hostile change, any of them; `expect` says what the contract requires. */
export function hostileRequest(op: Operation, box: Sandbox): fc.Arbitrary<GenRequest> {
  const mutations = [...parameterMutations(op, box), ...bodyMutations(op)];
  if (mutations.length === 0) return validRequest(op, box);
  return fc.tuple(validRequest(op, box), fc.nat({ max: mutations.length - 1 })).map(
    ([base, index]) => mutate(op, base, mutations[index]!),
  );
}
