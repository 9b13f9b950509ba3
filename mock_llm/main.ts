/**
 * Entrypoint of the mock LLM (OpenAI, Anthropic, Gemini wire formats) on `PORT` (4000).
 *
 *   deno run --allow-net --allow-env mock_llm/main.ts
 *
 * Env: `PORT` (4000), `HOST` (0.0.0.0), `MOCK_JOURNAL_LIMIT` (10000 entries),
 * `MOCK_LOG_REQUESTS` (`1` logs one JSON line per call; off by default to keep the hot path lean).
 */
import { createHandler, createState } from "./app.ts";

function log(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), service: "mock-llm", ...record }));
}

function intEnv(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    log({ level: "error", msg: `${name} must be a non-negative integer`, value: raw });
    Deno.exit(2);
  }
  return value;
}

const port = intEnv("PORT", 4000);
const hostname = Deno.env.get("HOST") || "0.0.0.0";
const logRequests = Deno.env.get("MOCK_LOG_REQUESTS") === "1";
const state = createState({
  journalLimit: intEnv("MOCK_JOURNAL_LIMIT", 10_000),
  log: logRequests ? log : undefined,
});
const handler = createHandler(state);

Deno.serve({
  hostname,
  port,
  onListen: (addr) =>
    log({ level: "info", msg: "listening", hostname: addr.hostname, port: addr.port }),
}, handler);
