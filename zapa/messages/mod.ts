/**
 * One user's message history, shared by the public messages API and the agent's tools:
 * listing, search, stats and streamed exports, each scoped to a single `user_id`.
 */
export * from "./item.ts";
export * from "./query.ts";
export * from "./stats.ts";
export * from "./export.ts";
