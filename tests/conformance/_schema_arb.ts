/**
 * JSON Schema (the subset OpenAPI 3.1 documents use) → a fast-check arbitrary of values the
 * schema admits, so that generated requests shrink like any fast-check value.
 *
 * Hand-written on purpose: the one npm package that maps JSON Schema to fast-check
 * (json-schema-fast-check 0.0.6) pins fast-check 1 and faker 4 and is unmaintained; json-schema-faker
 * and openapi-sampler generate without fast-check, so their values would not shrink.
 */
import fc from "fast-check";
import type { JsonSchema } from "./_openapi.ts";

type Schema = Record<string, unknown>;

/** Longest free text generated for a valid value (longer strings belong to the hostile set). */
const TEXT_CAP = 40;
const NESTING_CAP = 3;

/**
 * Text a JSON Schema string admits and the contract does not refuse: any code point but U+0000
 * (contract v1.1: NUL and lone surrogates in API input are validation failures). Mostly ASCII,
 * sometimes any code point (emoji, right-to-left marks, combining marks).
 */
export function validText(minLength = 0, maxLength = TEXT_CAP): fc.Arbitrary<string> {
  const max = Math.max(minLength, Math.min(maxLength, minLength + TEXT_CAP));
  const units = [
    fc.string({ unit: "grapheme-ascii", minLength, maxLength: max }),
    fc.string({ unit: "binary", minLength, maxLength: max }),
  ];
  // The declared maximum itself is a boundary worth sending now and then.
  if (maxLength !== max && maxLength <= 10_000) {
    units.push(fc.string({ unit: "grapheme-ascii", minLength: maxLength, maxLength }));
  }
  return fc.oneof(...units).filter((s) => !s.includes("\u0000"));
}

/** Any small JSON value (for `{}` / `additionalProperties: {}` schemas). */
export function anyJson(depth = 0): fc.Arbitrary<unknown> {
  const leaves = [
    validText(0, 12),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ];
  if (depth >= 2) return fc.oneof(...leaves);
  return fc.oneof(
    { arbitrary: fc.oneof(...leaves), weight: 4 },
    { arbitrary: fc.array(anyJson(depth + 1), { maxLength: 3 }), weight: 1 },
    {
      arbitrary: fc.dictionary(validText(1, 8), anyJson(depth + 1), { maxKeys: 3 }),
      weight: 1,
    },
  );
}

function types(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === "string") return [schema.type];
  if (schema.properties || schema.additionalProperties !== undefined) return ["object"];
  if (schema.items) return ["array"];
  if (schema.pattern || schema.minLength !== undefined || schema.maxLength !== undefined) {
    return ["string"];
  }
  return [];
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength) ?? Math.max(min, TEXT_CAP);
  const fits = (s: string) => [...s].length >= min && [...s].length <= max;
  switch (schema.format) {
    case "date-time":
      return fc.date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2099-12-31T23:59:59Z"),
        noInvalidDate: true,
      }).map((d) => d.toISOString());
    case "date":
      return fc.date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2099-12-31T00:00:00Z"),
        noInvalidDate: true,
      }).map((d) => d.toISOString().slice(0, 10));
    case "email":
      return fc.emailAddress().filter(fits);
    case "uri":
    case "url":
      return fc.webUrl().filter(fits);
    case "uuid":
      return fc.uuid();
  }
  if (typeof schema.pattern === "string") {
    const pattern = new RegExp(schema.pattern, "u");
    try {
      return fc.stringMatching(pattern).filter((s) => fits(s) && !s.includes("\u0000"));
    } catch {
      // fast-check cannot build strings from lookaheads: build from the pattern without them,
      // then keep what the whole pattern admits.
      const relaxed = new RegExp(schema.pattern.replace(/\(\?<?[=!][^()]*\)/g, ""), "u");
      return fc.stringMatching(relaxed).filter((s) =>
        pattern.test(s) && fits(s) && !s.includes("\u0000")
      );
    }
  }
  return validText(min, max);
}

function bound(schema: Schema, integer: boolean): { min: number; max: number } {
  let min = num(schema.minimum) ?? -Number.MAX_SAFE_INTEGER;
  let max = num(schema.maximum) ?? Number.MAX_SAFE_INTEGER;
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  const step = integer ? 1 : 1e-9;
  if (exMin !== undefined) min = Math.max(min, exMin + step);
  if (exMax !== undefined) max = Math.min(max, exMax - step);
  if (integer) {
    min = Math.max(Math.ceil(min), -Number.MAX_SAFE_INTEGER);
    max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  }
  return { min, max };
}

function integerArb(schema: Schema): fc.Arbitrary<number> {
  const { min, max } = bound(schema, true);
  const wide = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  // Small values are where the interesting cases are (0, 1, the page after the last).
  const small = fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) });
  const edges = fc.constantFrom(min, max);
  return min <= 1000 && max >= -1000 ? fc.oneof(small, edges, wide) : fc.oneof(edges, wide);
}

function numberArb(schema: Schema): fc.Arbitrary<number> {
  const { min, max } = bound(schema, false);
  return fc.oneof(
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    integerArb(schema),
  ).filter((n) => n >= min && n <= max && !Object.is(n, -0));
}

function objectArb(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = ((schema.required ?? []) as string[]).filter((k) => k in properties);
  const names = Object.keys(properties);
  if (names.length === 0) {
    const extra = schema.additionalProperties;
    const maxKeys = Math.min(num(schema.maxProperties) ?? 3, 3);
    if (extra === false || depth >= NESTING_CAP || maxKeys === 0) return fc.constant({});
    const value = typeof extra === "object" && extra !== null
      ? arbitraryFor(extra as JsonSchema, depth + 1)
      : anyJson(1);
    const keys = typeof schema.propertyNames === "object"
      ? (arbitraryFor({ type: "string", ...schema.propertyNames } as JsonSchema) as fc.Arbitrary<
        string
      >)
      : validText(1, 12);
    return fc.dictionary(keys, value, { minKeys: num(schema.minProperties) ?? 0, maxKeys });
  }
  const model = Object.fromEntries(names.map((n) => [n, arbitraryFor(properties[n]!, depth + 1)]));
  return fc.record(model, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

function ofType(type: string, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case "string":
      return stringArb(schema);
    case "integer":
      return integerArb(schema);
    case "number":
      return numberArb(schema);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = (schema.items ?? {}) as JsonSchema;
      const minLength = num(schema.minItems) ?? 0;
      const maxLength = Math.min(num(schema.maxItems) ?? 4, minLength + 4);
      return fc.array(arbitraryFor(items, depth + 1), { minLength, maxLength });
    }
    case "object":
      return objectArb(schema, depth);
    default:
      return anyJson(1);
  }
}

/** Values the schema admits (and the contract's text rule accepts). */
export function arbitraryFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema === true || schema === undefined) return anyJson(depth);
  if (schema === false) throw new Error("schema `false` admits no value");
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives?.length) {
    const { anyOf: _a, oneOf: _o, ...rest } = schema;
    return fc.oneof(
      ...alternatives.map((alt) =>
        arbitraryFor(typeof alt === "object" ? { ...rest, ...alt } : alt, depth)
      ),
    );
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const merged = (allOf as Schema[]).reduce<Schema>((acc, part) => ({
      ...acc,
      ...part,
      properties: { ...(acc.properties as Schema), ...(part.properties as Schema) },
      required: [...((acc.required ?? []) as string[]), ...((part.required ?? []) as string[])],
    }), rest);
    return arbitraryFor(merged, depth);
  }
  const list = types(schema);
  if (list.length === 0) return anyJson(depth);
  return fc.oneof(...list.map((type) => ofType(type, schema, depth)));
}
