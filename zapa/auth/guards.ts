/**
 * Route guards for Bearer tokens (R-HTTP-5, R-TOKEN-4): every failure is the same 401; a valid
 * user token on an admin route is 403; an admin token on a user route is 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Deps } from "../deps.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import {
  type AdminClaims,
  bearerToken,
  isRevoked,
  type UserClaims,
  verifyAdminToken,
  verifyUserToken,
} from "./tokens.ts";

export type UserEnv = { Variables: { user: UserClaims } };
export type AdminEnv = { Variables: { admin: AdminClaims } };

/** Requires a valid, unrevoked user token; sets `c.var.user`. */
export function requireUser(deps: Pick<Deps, "config" | "redis">): MiddlewareHandler<UserEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw unauthorized();
    const claims = await verifyUserToken(deps.config.jwtSecret, token);
    if (!claims) throw unauthorized();
    if (await isRevoked(deps.redis, claims.jti)) throw unauthorized();
    c.set("user", claims);
    await next();
  };
}

/** Requires a valid, unrevoked admin token; a user token gets 403. Sets `c.var.admin`. */
export function requireAdmin(deps: Pick<Deps, "config" | "redis">): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw unauthorized();
    const claims = await verifyAdminToken(deps.config.adminJwtSecret, token);
    if (!claims) {
      const user = await verifyUserToken(deps.config.jwtSecret, token);
      if (user && !(await isRevoked(deps.redis, user.jti))) throw forbidden();
      throw unauthorized();
    }
    if (await isRevoked(deps.redis, claims.jti)) throw unauthorized();
    c.set("admin", claims);
    await next();
  };
}

export function currentUser(c: Context<UserEnv>): UserClaims {
  return c.get("user");
}
