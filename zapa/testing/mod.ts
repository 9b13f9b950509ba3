/**
 * Zapa's own test kit, for the unit tests beside the code: real PostgreSQL 15 and Redis servers
 * (`stores.ts`), the test profile's settings and `Deps`, the mock bridge in-process, zapw
 * envelopes and the per-file echo pipeline (`pipeline.ts`), and `eventually`. Everything Zapa's
 * tests share starts here; two narrower kits sit beside it and are imported directly: `admin_env.ts` (migrated stores and `Deps` for
 * the admin API) and `agent.ts` (the agent's `Deps` pointed at an LLM, and row writers). The
 * public entrypoint's kit is still `zapa/public/testing.ts`.
 */
export * from "./eventually.ts";
export * from "./pipeline.ts";
export * from "./stores.ts";
