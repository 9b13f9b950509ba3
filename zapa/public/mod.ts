/**
 * The public entrypoint's API routers (R-LOGIN-*, R-MSG-*, R-LLMCFG-*), mounted under `/api/v1` by
 * `zapa/public_app.ts`.
 */
export { authRoutes } from "./auth.ts";
export { messageRoutes } from "./messages.ts";
export { llmConfigRoutes, type TestCallResult, type TestLlmConfig } from "./llm_config.ts";
