/**
 * What Zapa answers matches what it publishes: every operation of both `/openapi.json`
 * documents is called in-process (a user's and an admin's journey, plus the shared error
 * answers), and each status must be documented for its operation and each JSON body valid
 * against the published schema, checked with ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { type BothApps, startBothApps } from "../testing/apps.ts";
import { issueUserToken } from "../auth/tokens.ts";

// deno-lint-ignore no-explicit-any
const addFormats = addFormatsModule as unknown as (ajv: any) => void;

type Json = Record<string, unknown>;
type Entrypoint = "public" | "private";

let env: BothApps | undefined;
const docs: Record<Entrypoint, Json> = { public: {}, private: {} };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

/** Every call made, by `METHOD template` of its operation: the statuses seen. */
const seen: Record<Entrypoint, Map<string, Set<number>>> = {
  public: new Map(),
  private: new Map(),
};
const problems: string[] = [];

Deno.test.beforeAll(async () => {
  env = await startBothApps();
  for (const name of ["public", "private"] as const) {
    const app = name === "public" ? env.app : env.privateApp;
    docs[name] = await (await app.request("/openapi.json")).json();
    ajv.addSchema(docs[name], `urn:zapa:${name}`);
  }
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

/** The documented operation a request resolves to (template matched segment by segment). */
function operationOf(entrypoint: Entrypoint, method: string, url: string) {
  const path = new URL(url, "http://x").pathname.replace(/(.)\/$/, "$1");
  const paths = docs[entrypoint].paths as Record<string, Json>;
  for (const [template, item] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(path) && item[method.toLowerCase()]) return { template, item };
  }
  return null;
}

const pointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Sends a request, then checks its status is documented and its JSON body matches. */
async function check(
  entrypoint: Entrypoint,
  method: string,
  url: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const call = entrypoint === "public" ? env!.call : env!.callPrivate;
  const res = await call(method, url, options);
  const text = await res.text();
  const found = operationOf(entrypoint, method, url);
  if (!found) {
    problems.push(`${entrypoint} ${method} ${url}: no documented operation`);
    return rebuilt(text, res);
  }
  const key = `${method} ${found.template}`;
  if (!seen[entrypoint].has(key)) seen[entrypoint].set(key, new Set());
  seen[entrypoint].get(key)!.add(res.status);
  const op = found.item[method.toLowerCase()] as Json;
  const documented = (op.responses as Record<string, Json>)[String(res.status)];
  if (!documented) {
    problems.push(
      `${entrypoint} ${key}: status ${res.status} is not documented (${text.slice(0, 120)})`,
    );
    return rebuilt(text, res);
  }
  const type = res.headers.get("content-type") ?? "";
  const content = documented.content as Record<string, Json> | undefined;
  if (type.startsWith("application/json") && content?.["application/json"]) {
    const ref = `urn:zapa:${entrypoint}#/paths/${pointer(found.template)}/${method.toLowerCase()}` +
      `/responses/${res.status}/content/application~1json/schema`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    if (!validate(JSON.parse(text))) {
      problems.push(
        `${entrypoint} ${key} ${res.status}: body does not match its schema: ` +
          `${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`,
      );
    }
  } else if (content && !Object.keys(content).some((t) => type.startsWith(t))) {
    problems.push(`${entrypoint} ${key} ${res.status}: content type ${type} is not documented`);
  }
  return rebuilt(text, res);
}

const LLM = {
  provider: "openai",
  api_key: "sk-test-9876",
  model_settings: { model: "gpt-4o-mini" },
};

Deno.test("spec: every public operation answers documented statuses with bodies matching the published schemas", async () => {
  const phone = "+15558000001";
  await check("public", "POST", "/api/v1/auth/request-code", { body: { phone_number: phone } });
  await check("public", "POST", "/api/v1/auth/request-code", { body: { phone_number: "12" } });
  const verified = await check("public", "POST", "/api/v1/auth/verify", {
    body: { phone_number: phone, code: "123456" },
  });
  const { access_token: token, user_id: userId } = await verified.json();
  await check("public", "POST", "/api/v1/auth/verify", {
    body: { phone_number: phone, code: "000000" },
  });
  await env!.pg.sql`INSERT INTO messages (user_id, direction, message_type, content, status,
      whatsapp_message_id, metadata)
    VALUES (${userId}, 'inbound', 'text', 'hello <b>there</b>', 'delivered', 'WA-SPEC-1', '{}'),
           (${userId}, 'outbound', 'text', 'hi!', 'sent', NULL, '{"provider":"openai"}')`;
  const asUser = { token };
  for (const path of ["/health", "/api/v1/health", "/ready", "/api/v1/ready", "/metrics"]) {
    await check("public", "GET", path);
  }
  await check("public", "GET", "/api/v1/metrics");
  await check("public", "GET", "/openapi.json");
  await check("public", "GET", "/api/v1/openapi.json");
  await check("public", "GET", "/api/v1/auth/me", asUser);
  await check("public", "PATCH", "/api/v1/auth/me", {
    ...asUser,
    body: { display_name: "Ana 🌟" },
  });
  await check("public", "GET", "/api/v1/messages?limit=1&offset=0&direction=inbound", asUser);
  await check("public", "GET", "/api/v1/messages?limit=0", asUser);
  await check("public", "GET", "/api/v1/messages/search?q=hello&limit=5", asUser);
  await check("public", "GET", "/api/v1/messages/search?q=%20", asUser);
  await check("public", "GET", "/api/v1/messages/search", asUser);
  await check("public", "GET", "/api/v1/messages/stats", asUser);
  await check("public", "GET", "/api/v1/stats", asUser);
  await check("public", "GET", "/api/v1/messages/export?format=json", asUser);
  await check("public", "GET", "/api/v1/messages/export?format=csv", asUser);
  await check("public", "GET", "/api/v1/messages/export?format=xml", asUser);
  await check("public", "GET", "/api/v1/llm-config/providers");
  await check("public", "GET", "/api/v1/llm-config", asUser);
  await check("public", "POST", "/api/v1/llm-config/test", asUser);
  await check("public", "POST", "/api/v1/llm-config", { ...asUser, body: LLM });
  await check("public", "POST", "/api/v1/llm/configure", {
    ...asUser,
    body: { ...LLM, fallback: { ...LLM, provider: "google", model_settings: { model: "x" } } },
  });
  await check("public", "POST", "/api/v1/llm-config", {
    ...asUser,
    body: { ...LLM, api_key: " " },
  });
  await check("public", "GET", "/api/v1/llm-config", asUser);
  await check("public", "POST", "/api/v1/llm-config/test?target=fallback", asUser);
  await check("public", "POST", "/api/v1/llm-config/test", { ...asUser, body: LLM });
  await check("public", "DELETE", "/api/v1/llm-config", asUser);
  await check("public", "DELETE", "/api/v1/llm-config", asUser);
  await check("public", "POST", "/api/v1/auth/logout", asUser);
  // The shared answers: no token, and the wrong method, on every operation.
  for (const [path, item] of Object.entries(docs.public.paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) {
      const op = item[method] as Json;
      if (op.security) await check("public", method.toUpperCase(), path);
    }
    const other = item.delete ? "PUT" : "DELETE";
    const res = await env!.call(other, path);
    assert.equal(res.status, 405, `${other} ${path}`);
    await res.body?.cancel();
  }
  assertCovered("public");
});

Deno.test("spec: every private operation answers documented statuses with bodies matching the published schemas", async () => {
  const asAdmin = { token: env!.adminToken };
  for (const path of ["/health", "/api/v1/health", "/ready", "/api/v1/ready", "/metrics"]) {
    await check("private", "GET", path);
  }
  await check("private", "GET", "/api/v1/metrics");
  await check("private", "GET", "/openapi.json");
  await check("private", "GET", "/api/v1/openapi.json");
  await check("private", "POST", "/api/v1/auth/login", {
    body: { username: "admin", password: "admin123" },
  });
  await check("private", "POST", "/api/v1/auth/login", {
    body: { username: "admin", password: "x" },
  });
  await check("private", "GET", "/api/v1/auth/me", asAdmin);
  const created = await check("private", "POST", "/api/v1/admin/users", {
    ...asAdmin,
    body: { phone_number: "+1 (555) 800-0002", first_name: "Bo", user_metadata: { tier: 1 } },
  });
  const { id } = await created.json();
  await check("private", "POST", "/api/v1/admin/users", {
    ...asAdmin,
    body: { phone_number: "+15558000002" },
  });
  await env!.pg.sql`INSERT INTO messages (user_id, direction, message_type, content, status)
    VALUES (${id}, 'inbound', 'text', 'hey', 'delivered')`;
  await check(
    "private",
    "GET",
    "/api/v1/admin/users?page=1&page_size=5&search=555&status=all",
    asAdmin,
  );
  await check("private", "GET", "/api/v1/admin/users?page=0", asAdmin);
  await check("private", "GET", `/api/v1/admin/users/${id}`, asAdmin);
  await check("private", "GET", "/api/v1/admin/users/2147483647", asAdmin);
  await check("private", "PUT", `/api/v1/admin/users/${id}`, {
    ...asAdmin,
    body: { display_name: "Bo B", is_active: false },
  });
  await check("private", "PATCH", `/api/v1/admin/users/${id}`, {
    ...asAdmin,
    body: { last_name: "B" },
  });
  await check("private", "GET", `/api/v1/admin/users/${id}/conversations?page_size=10`, asAdmin);
  await check("private", "GET", `/api/v1/admin/llm-config/${id}`, asAdmin);
  await check("private", "POST", `/api/v1/admin/llm-config/${id}`, { ...asAdmin, body: LLM });
  await check("private", "GET", `/api/v1/admin/llm-config/${id}`, asAdmin);
  await check("private", "GET", `/api/v1/admin/users/${id}`, asAdmin);
  await check("private", "POST", `/api/v1/admin/llm-config/${id}/test`, asAdmin);
  await check("private", "POST", `/api/v1/admin/llm-config/${id}/test?target=fallback`, asAdmin);
  await check("private", "POST", `/api/v1/admin/llm-config/${id}/test`, { ...asAdmin, body: LLM });
  await check("private", "DELETE", `/api/v1/admin/users/${id}/conversations`, asAdmin);
  await check("private", "GET", "/api/v1/admin/system/health", asAdmin);
  await check("private", "GET", "/api/v1/admin/system/stats", asAdmin);
  await check("private", "GET", "/api/v1/admin/queue", asAdmin);
  await check("private", "GET", "/api/v1/admin/queue/failed", asAdmin);
  await check("private", "POST", "/api/v1/admin/queue/requeue-failed", asAdmin);
  await check("private", "POST", "/api/v1/admin/queue/clear-failed", asAdmin);
  await check("private", "GET", "/api/v1/admin/sessions", asAdmin);
  await check("private", "POST", "/api/v1/admin/sessions", {
    ...asAdmin,
    body: { session_id: "s1" },
  });
  await check("private", "POST", "/api/v1/admin/sessions", {
    ...asAdmin,
    body: { session_id: "a b" },
  });
  await check("private", "GET", "/api/v1/admin/sessions/main", asAdmin);
  await check("private", "DELETE", "/api/v1/admin/sessions/main", asAdmin);
  await check("private", "DELETE", `/api/v1/admin/users/${id}`, asAdmin);
  await check("private", "DELETE", `/api/v1/admin/users/${id}`, asAdmin);
  await check("private", "GET", `/api/v1/admin/llm-config/${id}`, asAdmin);
  const hook = "/api/v1/webhooks/whatsapp";
  await check("private", "POST", `${hook}?secret=hook-secret`, {
    body: {
      sessionId: "main",
      eventType: "message.received",
      timestamp: Date.now(),
      data: { messageId: "WA-SPEC-2", from: "15558000003@s.whatsapp.net", text: "hi" },
    },
  });
  await check("private", "POST", hook, { body: { eventType: "session.connected", data: {} } });
  await check("private", "POST", `${hook}?secret=hook-secret`, { body: "{nope" });
  const userToken = await issueUserToken(env!.deps.config.jwtSecret, {
    id: 1,
    phone_number: "+15558000001",
  }, 600);
  await check("private", "GET", "/api/v1/admin/queue", { token: userToken });
  await check("private", "POST", "/api/v1/auth/logout", asAdmin);
  for (const [path, item] of Object.entries(docs.private.paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) {
      if ((item[method] as Json).security && !path.startsWith("/api/v1/webhooks/")) {
        await check("private", method.toUpperCase(), path.replace(/\{[^}]+\}/g, "1"));
      }
    }
  }
  assertCovered("private");
});

/** Every documented operation was called, and nothing undocumented or invalid came back. */
function assertCovered(entrypoint: Entrypoint): void {
  const missing: string[] = [];
  for (const [path, item] of Object.entries(docs[entrypoint].paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) {
      if (!seen[entrypoint].has(`${method.toUpperCase()} ${path}`)) {
        missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  assert.deepEqual(missing, [], `${entrypoint}: operations this test never called`);
  const mine = problems.filter((p) => p.startsWith(entrypoint));
  assert.deepEqual(mine, [], mine.join("\n"));
}

/** The response again, its body already read. */
function rebuilt(text: string, res: Response): Response {
  return new Response([204, 304].includes(res.status) ? null : text, res);
}
