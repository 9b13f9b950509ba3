/**
 * Users' LLM settings (R-LLMCFG-*): validation, the encrypted store and key rotation.
 */
export * from "./schema.ts";
export * from "./store.ts";
export { rotateStoredKeys } from "./rotate.ts";
