/**
 * Shared pieces of the public routers: the API sub-router (zapa/http/router.ts) and response
 * helpers for the OpenAPI descriptions (zapa/http/openapi.ts adds the answers every route
 * shares: 401, 405, 413, 422, 503).
 */
import { Detail, json, USER_SECURITY } from "../http/openapi.ts";

export { newRouter } from "../http/router.ts";
export { Detail, json };

export const BEARER = USER_SECURITY;

/** 401 + 503 documented on every Bearer route. */
export const AUTH_RESPONSES = {
  401: json(Detail, "Missing, invalid, expired or revoked token"),
  503: json(Detail, "A dependency is unavailable"),
};
