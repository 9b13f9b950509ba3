/**
 * `./run up --doubles-only`: PostgreSQL, Redis, the mock bridge and the mock LLM without our Zapa,
 * for judging a Zapa we did not write. Prints what that Zapa must be configured with (the test
 * profile of R-CONFIG-4 with this boot's URLs and secrets) and writes it to `.zapa/doubles.json`.
 */
import { webhookUrl, type Wiring, zapaEnv } from "./services.ts";

/** The services a foreign Zapa needs around it. */
export const DOUBLES = ["postgres", "redis", "bridge", "llm"] as const;

export interface DoublesInfo {
  started_at: string;
  pid: number;
  urls: { bridge: string; bridge_control: string; llm: string };
  database_url: string;
  redis_url: string;
  bridge_api_key: string;
  /** Where the bridge posts webhooks now; `POST /__mock/webhook` moves it. */
  webhook_url: string;
  webhook_secret: string;
  /** The environment a Zapa following the contract's test profile reads (R-CONFIG-4). */
  zapa_env: Record<string, string>;
}

export function doublesInfo(wiring: Wiring): DoublesInfo {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  return {
    started_at: new Date().toISOString(),
    pid: Deno.pid,
    urls: {
      bridge: url(wiring.ports.bridge),
      bridge_control: url(wiring.ports.bridge_control),
      llm: url(wiring.ports.llm),
    },
    database_url: wiring.database_url,
    redis_url: wiring.redis_url,
    bridge_api_key: wiring.secrets.bridge_api_key,
    webhook_url: webhookUrl(wiring),
    webhook_secret: wiring.secrets.webhook_secret,
    zapa_env: zapaEnv(wiring),
  };
}

/** What to tell the operator of a foreign Zapa, and how to point the suites at it. */
export function doublesBanner(info: DoublesInfo, file: string, seconds: number): string {
  const env = Object.entries(info.zapa_env).map(([k, v]) => `  ${k}=${v}`);
  return [
    `The doubles are up (no Zapa) in ${seconds.toFixed(2)} s; written to ${file}`,
    "",
    `  Mock bridge (zapw API)  ${info.urls.bridge}   (API key: WHATSAPP_API_KEY below)`,
    `  Mock bridge control     ${info.urls.bridge_control}/__mock/`,
    `  Mock LLM                ${info.urls.llm}   (OpenAI ${info.urls.llm}/v1)`,
    `  PostgreSQL              ${info.database_url}`,
    `  Redis                   ${info.redis_url}`,
    "",
    "Configure your Zapa with (the contract's test profile, R-CONFIG-4):",
    ...env,
    "",
    "The bridge posts webhooks (zapw envelope, X-Webhook-Event header) to:",
    `  ${info.webhook_url}`,
    "A Zapa with another path or secret: move it at run time, e.g.",
    `  curl -X POST ${info.urls.bridge_control}/__mock/webhook -d '{"url":"http://127.0.0.1:8001/your/path","secret":"…"}'`,
    "",
    "Then run the suites against it:",
    `  ZAPA_STACK=external ZAPA_PUBLIC_URL=… ZAPA_PRIVATE_URL=… ZAPA_BRIDGE_URL=${info.urls.bridge} \\`,
    `  ZAPA_BRIDGE_CONTROL_URL=${info.urls.bridge_control} ZAPA_LLM_URL=${info.urls.llm} \\`,
    `  ZAPA_BRIDGE_API_KEY=${info.bridge_api_key} ZAPA_WEBHOOK_SECRET=${info.webhook_secret} \\`,
    "  ZAPA_ADMIN_USERNAME=… ZAPA_ADMIN_PASSWORD=… ZAPA_SYSTEM_NUMBER=… ZAPA_SESSION_ID=… \\",
    "  deno task test --group=security --target-report",
    "",
    "Ctrl-C stops everything.",
  ].join("\n");
}
