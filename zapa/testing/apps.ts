/**
 * Both entrypoints' apps in-process over one real PostgreSQL + Redis (the public test kit's),
 * wired as the entrypoints wire them, for tests that walk the whole published API surface.
 */
import { createPrivateApp } from "../private_app.ts";
import { assemblePipeline, idleWorkers } from "../pipeline/mod.ts";
import { issueAdminToken } from "../auth/tokens.ts";
import type { App } from "../http/app.ts";
import { type PublicTestEnv, startPublicEnv } from "../public/testing.ts";
import { freePort } from "./stores.ts";

export interface BothApps extends PublicTestEnv {
  /** The private app (admin API, webhook, admin console). */
  privateApp: App;
  /** A valid admin token. */
  adminToken: string;
  /** `privateApp.request` with a JSON body and optional Bearer token. */
  callPrivate(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
}

/** Starts PostgreSQL + Redis and builds both apps; the bridge URL points at a closed port. */
export async function startBothApps(): Promise<BothApps> {
  // Nothing listens on these: the bridge is down, LLM test calls fail fast (success:false).
  const closed = `http://127.0.0.1:${freePort()}`;
  const env = await startPublicEnv({
    env: {
      WHATSAPP_API_URL: closed,
      WEBHOOK_SECRET: "hook-secret",
      OPENAI_BASE_URL: `${closed}/v1`,
      ANTHROPIC_BASE_URL: closed,
      GOOGLE_BASE_URL: closed,
    },
  });
  const deps = env.deps;
  const privateApp = createPrivateApp(deps, assemblePipeline(deps, idleWorkers()));
  const adminToken = await issueAdminToken(deps.config.adminJwtSecret, "admin", 3600);
  const callPrivate: BothApps["callPrivate"] = (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: BodyInit | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    return Promise.resolve(privateApp.request(path, { method, body, headers }));
  };
  return { ...env, privateApp, adminToken, callPrivate };
}
