/**
 * Zapa's own test kit, for the unit tests beside the code: real PostgreSQL 15 and Redis servers
 * (`stores.ts`), the test profile's settings and `Deps`, a fake bridge and zapw envelopes
 * (`pipeline.ts`), and `eventually`. Everything Zapa's tests share starts here.
 */
export * from "./eventually.ts";
export * from "./pipeline.ts";
export * from "./stores.ts";
