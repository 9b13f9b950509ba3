/**
 * The published documents of `spec/` loaded into one ajv (JSON Schema 2020-12) instance, and a
 * checker that validates an HTTP answer against the OpenAPI operation it belongs to. ajv is used
 * rather than hand-written checks because the documents are the contract: the same schemas a
 * reimplementer reads are the ones the tests apply.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/** Base URI the `spec/` documents are known by (their `$id`s resolve against it). */
export const SPEC_BASE = "https://zapa.example/spec/";
const SPEC_DIR = new URL("../spec/", import.meta.url);
const EVENT_SCHEMAS = ["zapw", "legacy", "webhook"] as const;

type Json = Record<string, unknown>;
type Operation = { responses: Record<string, Json> };

export interface SpecSchemas {
  ajv: Ajv2020;
  /** The validator of a schema by URI (`events/zapw.schema.json#/$defs/message.received`). */
  validator(uri: string): ValidateFunction;
}

/** Reads every event schema and the given OpenAPI documents (`["bridge"]`) from `spec/`. */
export function loadSpec(openapi: readonly string[] = []): SpecSchemas & { docs: Json } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  for (const name of EVENT_SCHEMAS) {
    ajv.addSchema(readJson(`events/${name}.schema.json`));
  }
  const docs: Json = {};
  for (const name of openapi) {
    const doc = readJson(`openapi/${name}.json`);
    docs[name] = doc;
    // An OpenAPI 3.1 document is a JSON Schema container: fragments resolve by JSON pointer.
    ajv.addSchema({ ...doc, $id: `${SPEC_BASE}openapi/${name}.json` });
  }
  return {
    ajv,
    docs,
    validator(uri: string) {
      const fn = ajv.getSchema(uri.startsWith("https:") ? uri : SPEC_BASE + uri);
      if (!fn) throw new Error(`no schema at ${uri}`);
      return fn;
    },
  };
}

function readJson(path: string): Json {
  return JSON.parse(Deno.readTextFileSync(new URL(path, SPEC_DIR)));
}

/** ajv's errors as one readable line each. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
}

function pointer(parts: string[]): string {
  return parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
}

/**
 * Checks answers against one OpenAPI document and records which operations were exercised, so
 * a test can also fail when the document lists an operation nobody called.
 */
export class OpenApiChecker {
  readonly #spec: SpecSchemas;
  readonly #name: string;
  readonly #doc: Json;
  readonly seen = new Set<string>();

  constructor(spec: SpecSchemas & { docs: Json }, name: string) {
    this.#spec = spec;
    this.#name = name;
    this.#doc = spec.docs[name] as Json;
  }

  /** Every `METHOD /template` the document declares. */
  operations(): string[] {
    const out: string[] = [];
    for (const [path, item] of Object.entries(this.#doc.paths as Record<string, Json>)) {
      for (const method of ["get", "put", "post", "patch", "delete"]) {
        if (item[method]) out.push(`${method.toUpperCase()} ${path}`);
      }
    }
    return out;
  }

  /**
   * Throws unless `status` is documented for the operation and `body` (parsed JSON, when the
   * documented answer is JSON) is valid against its schema.
   */
  check(method: string, template: string, status: number, body: unknown): void {
    const m = method.toLowerCase();
    const op = (this.#doc.paths as Record<string, Json>)[template]?.[m] as Operation | undefined;
    if (!op) throw new Error(`${method} ${template} is not in ${this.#name}.json`);
    this.seen.add(`${method.toUpperCase()} ${template}`);
    const key = [String(status), `${Math.floor(status / 100)}XX`, "default"]
      .find((k) => k in op.responses);
    if (!key) {
      throw new Error(`${method} ${template} answered ${status}, which ${this.#name}.json omits`);
    }
    let parts = ["paths", template, m, "responses", key];
    let response = op.responses[key]!;
    const ref = response.$ref;
    if (typeof ref === "string") {
      parts = ref.slice(2).split("/");
      response = (this.#doc.components as Json & { responses: Record<string, Json> })
        .responses[parts[2]!]!;
    }
    if (!(response.content as Json | undefined)?.["application/json"]) return;
    const uri = `openapi/${this.#name}.json#/${
      pointer([...parts, "content", "application/json", "schema"])
    }`;
    const validate = this.#spec.validator(uri);
    if (!validate(body)) {
      throw new Error(
        `${method} ${template} ${status}: body does not match ${this.#name}.json: ${
          describeErrors(validate.errors)
        }\n${JSON.stringify(body).slice(0, 500)}`,
      );
    }
  }
}
