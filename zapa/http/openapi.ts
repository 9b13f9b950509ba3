/**
 * What both entrypoints publish at `/openapi.json`, finished in one place from the routes' own
 * definitions: the security schemes, and per operation the answers every route shares (401 and
 * 403 from the guards, 405 from the method rule, 413 from the body limit, 422 from validation
 * and the R-HTTP-8 text rules, 503 from the revocation store), the request strings' text rule as a
 * `pattern`, and a stable key order so the committed copies in `spec/openapi/` diff cleanly.
 */
import { z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { SAFE_TEXT_PATTERN } from "./text_input.ts";
import { isBridgeFacing } from "./surface.ts";

/** `{detail}`: every API error (R-HTTP-*). */
export const Detail = z.object({ detail: z.string() }).openapi("Detail");

export const USER_SECURITY = [{ userBearer: [] }];
export const ADMIN_SECURITY = [{ adminBearer: [] }];
const WEBHOOK_SECURITY = [{ webhookSecretHeader: [] }, { webhookSecretQuery: [] }];

/** A JSON response of a route definition. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** A JSON request body of a route definition (`required: false` for optional bodies). */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { "application/json": { schema } }, required };
}

const SCHEMES = {
  "zapa-public": {
    userBearer: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "User token from POST /api/v1/auth/verify (HS256, aud zapa-public, 24 h).",
    },
  },
  "zapa-private": {
    adminBearer: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "Admin token from POST /api/v1/auth/login (HS256, aud zapa-admin, 8 h). " +
        "A user token gets 403.",
    },
    webhookSecretHeader: {
      type: "apiKey",
      in: "header",
      name: "X-Webhook-Secret",
      description: "The bridge webhook's shared secret (when WEBHOOK_SECRET is set).",
    },
    webhookSecretQuery: {
      type: "apiKey",
      in: "query",
      name: "secret",
      description: "The same secret in the URL, as zapw sends it.",
    },
  },
} as const;

const DESCRIPTION = [
  "Conventions (both entrypoints):",
  "- Errors are `{detail}`; validation failures are 422 and name the field.",
  "- A known path asked with a method it does not answer is 405 with an `Allow` header and " +
  '`{detail:"Method Not Allowed"}`. HEAD is answered wherever GET is; OPTIONS only as a CORS ' +
  "preflight where CORS is configured, otherwise 405.",
  "- Unknown query parameters are ignored.",
  "- API input (any JSON string or key, declared query and path parameters) must not hold " +
  "U+0000 or a lone surrogate, and query values must be valid percent-encoded UTF-8: 422. " +
  "Bodies are UTF-8 JSON of at most 1 MB (413) nested at most 64 levels (422).",
  "- A write that refers to a row deleted meanwhile is 404; a uniqueness clash is 409.",
  '- A dependency outage is 503 `{detail:"Service temporarily unavailable"}`, never a 500.',
].join("\n");

const DETAIL_REF = { $ref: "#/components/schemas/Detail" };
const detailResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: DETAIL_REF } },
});
const header = (description: string) => ({ description, schema: { type: "string" } });

const SHARED_RESPONSES: Record<string, Record<string, unknown>> = {
  "401": detailResponse("Missing, malformed, expired, revoked or wrong-audience token", {
    "WWW-Authenticate": header("Bearer"),
  }),
  "403": detailResponse("A valid user token on an admin route"),
  "405": detailResponse("This path does not answer this method", {
    Allow: header("The methods this path answers"),
  }),
  "413": detailResponse("Request body larger than 1 MB"),
  "422": detailResponse("Invalid input; the detail names the field"),
  "503": detailResponse("A dependency (PostgreSQL or Redis) is unavailable", {
    "Retry-After": header("Seconds"),
  }),
};

/** A JSON value whose strings and keys PostgreSQL can hold (free-form metadata). */
const JSON_VALUE_SCHEMA = {
  description: "Any JSON value; strings and keys without U+0000 or lone surrogates, numbers " +
    "a double can hold (1e400 is refused with 422).",
  anyOf: [
    { type: ["null", "boolean"] },
    { type: "number", minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE },
    { type: "string", pattern: SAFE_TEXT_PATTERN },
    { type: "array", items: { $ref: "#/components/schemas/JsonValue" } },
    {
      type: "object",
      propertyNames: { pattern: SAFE_TEXT_PATTERN },
      additionalProperties: { $ref: "#/components/schemas/JsonValue" },
    },
  ],
};

type Json = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type AnyOpenApiHono = OpenAPIHono<any, any, any>;

export interface DocumentInfo {
  service: "zapa-private" | "zapa-public";
  title: string;
  version: string;
}

/** The finished OpenAPI 3.1 document of an app. */
export function publishedDocument(app: AnyOpenApiHono, info: DocumentInfo): Json {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, description: DESCRIPTION },
  }) as unknown as Json;
  const components = (doc.components ??= {}) as Json;
  components.securitySchemes = SCHEMES[info.service];
  const schemas = (components.schemas ??= {}) as Json;
  schemas.JsonValue = JSON_VALUE_SCHEMA;
  const requestComponents = new Set<string>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const op of Object.values(item) as Json[]) {
      finishOperation(path, op, schemas, requestComponents);
    }
  }
  for (const name of requestComponents) hardenRequestSchema(schemas[name], schemas, new Set());
  if (Object.keys(components.parameters as Json ?? {}).length === 0) delete components.parameters;
  return sortKeys(doc) as Json;
}

function finishOperation(
  path: string,
  op: Json,
  schemas: Json,
  requestComponents: Set<string>,
): void {
  const bridgeFacing = isBridgeFacing(path);
  if (bridgeFacing && !op.security) op.security = WEBHOOK_SECURITY;
  const schemes = ((op.security ?? []) as Json[]).flatMap((s) => Object.keys(s));
  const responses = (op.responses ??= {}) as Json;
  const add = (status: string) => {
    responses[status] ??= SHARED_RESPONSES[status];
  };
  if (schemes.includes("userBearer") || schemes.includes("adminBearer")) {
    add("401");
    add("503");
  }
  if (schemes.includes("adminBearer")) add("403");
  add("405");
  const parameters = (op.parameters ?? []) as Json[];
  if (op.requestBody) add("413");
  if (!bridgeFacing && (parameters.length > 0 || op.requestBody)) add("422");
  if (bridgeFacing) return;
  for (const p of parameters) hardenRequestSchema(p.schema, schemas, requestComponents);
  const body = op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
  for (const media of Object.values(body?.content ?? {})) {
    hardenRequestSchema(media.schema, schemas, requestComponents);
  }
}

/**
 * Publishes the R-HTTP-8 text rule on request schemas: every string without a pattern, enum or
 * const gets SAFE_TEXT_PATTERN, free-form objects take JsonValue. Referenced components are
 * collected and hardened once.
 */
function hardenRequestSchema(schema: unknown, schemas: Json, refs: Set<string>): void {
  if (!schema || typeof schema !== "object") return;
  const s = schema as Json;
  if (typeof s.$ref === "string") {
    const name = s.$ref.replace("#/components/schemas/", "");
    if (name !== "JsonValue" && !refs.has(name) && schemas[name]) {
      refs.add(name);
      hardenRequestSchema(schemas[name], schemas, refs);
    }
    return;
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes("string") && !s.pattern && !s.enum && s.const === undefined) {
    s.pattern = SAFE_TEXT_PATTERN;
  }
  if (types.includes("object")) {
    const extra = s.additionalProperties;
    if (extra !== undefined && extra !== false) {
      s.propertyNames = { pattern: SAFE_TEXT_PATTERN };
      if (extra === true || (typeof extra === "object" && Object.keys(extra!).length === 0)) {
        s.additionalProperties = { $ref: "#/components/schemas/JsonValue" };
      } else {
        hardenRequestSchema(extra, schemas, refs);
      }
    }
    for (const property of Object.values((s.properties ?? {}) as Json)) {
      hardenRequestSchema(property, schemas, refs);
    }
  }
  if (s.items) hardenRequestSchema(s.items, schemas, refs);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    for (const sub of (s[key] ?? []) as unknown[]) hardenRequestSchema(sub, schemas, refs);
  }
}

/** Objects with sorted keys, recursively (arrays keep their order). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value).sort().map((k) => [k, sortKeys((value as Json)[k])]),
  );
}
