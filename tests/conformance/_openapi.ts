/**
 * The published contract as the conformance group reads it: each entrypoint's OpenAPI document
 * (from `spec/openapi/<entrypoint>.json` when the repository has it, else from the target's own
 * `/openapi.json`), with every local `$ref` inlined, flattened into a list of operations.
 */
import { target } from "../../lib/target.ts";

export type Entrypoint = "public" | "private";
export type JsonSchema = Record<string, unknown> | boolean;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
}

export interface ResponseSpec {
  /** media type → schema (undefined when the media type declares none). */
  content: Record<string, JsonSchema | undefined>;
}

export interface Operation {
  entrypoint: Entrypoint;
  method: string;
  /** The path template, e.g. `/api/v1/admin/users/{id}`. */
  path: string;
  /** `PUBLIC GET /api/v1/messages`: how reports name the operation. */
  id: string;
  parameters: Parameter[];
  body: { required: boolean; contentType: string; schema: JsonSchema } | null;
  /** Status code (or `4XX`, `default`) → what the document promises for it. */
  responses: Record<string, ResponseSpec>;
  /** Security schemes the operation requires (empty: it needs none, or declares none). */
  security: string[];
  /** Its API-key schemes (e.g. the webhook secret): where the key goes, under which name. */
  apiKeys: Array<{ in: "query" | "header" | "cookie"; name: string }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { securitySchemes?: Record<string, unknown>; [key: string]: unknown };
  security?: Array<Record<string, string[]>>;
  [key: string]: unknown;
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Where the document came from, for the summary: a repository file or the target's URL. */
export interface LoadedDocument {
  entrypoint: Entrypoint;
  source: string;
  document: OpenApiDocument;
}

async function readSpecFile(entrypoint: Entrypoint): Promise<LoadedDocument | null> {
  const path = `spec/openapi/${entrypoint}.json`;
  try {
    return { entrypoint, source: path, document: JSON.parse(await Deno.readTextFile(path)) };
  } catch (error) {
    // No spec/ yet (or no read permission for it): fall back to what the target publishes.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotCapable) {
      return null;
    }
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

async function fetchPublished(entrypoint: Entrypoint): Promise<LoadedDocument> {
  const url = `${target.urls[entrypoint]}/openapi.json`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return { entrypoint, source: url, document: await response.json() };
}

const cache = new Map<Entrypoint, Promise<LoadedDocument>>();

/** The entrypoint's OpenAPI document (loaded once per test process). */
export function loadDocument(entrypoint: Entrypoint): Promise<LoadedDocument> {
  let loaded = cache.get(entrypoint);
  if (!loaded) {
    loaded = readSpecFile(entrypoint).then((file) => file ?? fetchPublished(entrypoint));
    cache.set(entrypoint, loaded);
  }
  return loaded;
}

/** Follows a local JSON pointer (`#/components/schemas/X`); undefined when nothing is there. */
function pointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * A copy of `node` with every local `$ref` replaced by its target (siblings of `$ref` are kept,
 * as JSON Schema 2020-12 allows). A reference cycle stops at `{}` (anything); a reference to
 * nothing also becomes `{}` and is added to `missing`, for the test that reports it.
 */
export function inlineRefs(
  node: unknown,
  root: unknown,
  missing: Set<string> = new Set(),
  seen: readonly string[] = [],
): unknown {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, root, missing, seen));
  if (node === null || typeof node !== "object") return node;
  const { $ref, ...rest } = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof $ref === "string") {
    const targetNode = pointer(root, $ref);
    if (targetNode === undefined) missing.add($ref);
    else if (!seen.includes($ref)) {
      Object.assign(out, inlineRefs(targetNode, root, missing, [...seen, $ref]));
    }
  }
  for (const [key, value] of Object.entries(rest)) {
    out[key] = inlineRefs(value, root, missing, seen);
  }
  return out;
}

/** The `$ref`s of a document that point at nothing. */
export function danglingRefs(loaded: LoadedDocument): string[] {
  const missing = new Set<string>();
  inlineRefs(loaded.document, loaded.document, missing);
  return [...missing].sort();
}

function securityOf(op: Record<string, unknown>, doc: OpenApiDocument): string[] {
  const requirements = (op.security ?? doc.security ?? []) as Array<Record<string, string[]>>;
  // `[{}]` (an empty requirement) means "no auth needed", like no requirement at all.
  return [...new Set(requirements.flatMap((r) => Object.keys(r)))];
}

/** Every operation of a (ref-inlined) document. */
export function operationsOf(loaded: LoadedDocument): Operation[] {
  const doc = inlineRefs(loaded.document, loaded.document) as OpenApiDocument;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of HTTP_METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []) as Parameter[];
      const parameters = [
        ...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)),
        ...own,
      ].map((p) => ({ ...p, required: p.required ?? p.in === "path", schema: p.schema ?? {} }));
      const requestBody = op.requestBody as
        | { required?: boolean; content?: Record<string, { schema?: JsonSchema }> }
        | undefined;
      const [contentType, media] = Object.entries(requestBody?.content ?? {})[0] ?? [];
      const responses: Record<string, ResponseSpec> = {};
      for (const [status, spec] of Object.entries(op.responses ?? {})) {
        const content = (spec as { content?: Record<string, { schema?: JsonSchema }> }).content;
        responses[status] = {
          content: Object.fromEntries(
            Object.entries(content ?? {}).map(([type, m]) => [type, m.schema]),
          ),
        };
      }
      operations.push({
        entrypoint: loaded.entrypoint,
        method: method.toUpperCase(),
        path,
        id: `${loaded.entrypoint.toUpperCase()} ${method.toUpperCase()} ${path}`,
        parameters,
        body: contentType
          ? {
            required: requestBody?.required ?? false,
            contentType,
            schema: media?.schema ?? {},
          }
          : null,
        responses,
        security: securityOf(op, doc),
        apiKeys: securityOf(op, doc)
          .map((name) => doc.components?.securitySchemes?.[name] as Record<string, string>)
          .filter((scheme) => scheme?.type === "apiKey")
          .map((scheme) => ({ in: scheme.in as "query" | "header", name: scheme.name! })),
      });
    }
  }
  return operations;
}

/** The operations of both entrypoints, public first. */
export async function allOperations(): Promise<Operation[]> {
  const docs = await Promise.all((["public", "private"] as const).map(loadDocument));
  return docs.flatMap(operationsOf);
}

/** Where each entrypoint's document came from (for the summary). */
export async function documentSources(): Promise<Record<Entrypoint, string>> {
  const [pub, priv] = await Promise.all((["public", "private"] as const).map(loadDocument));
  return { public: pub!.source, private: priv!.source };
}
