/**
 * Users' LLM settings (contract §5.3, §6.4): validation, the encrypted store and key rotation.
 */
export * from "./schema.ts";
export * from "./store.ts";
export { rotateStoredKeys } from "./rotate.ts";
