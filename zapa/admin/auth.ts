/**
 * Admin sign-in (R-TOKEN-5): `/auth/login` checks the configured credentials and issues
 * an 8-hour admin JWT; `/auth/me` says who holds the token; `/auth/logout` revokes it.
 * The password is checked with bcrypt against `ZAPA_ADMIN_PASSWORD_HASH`, or, outside
 * production with no hash, against the default plain password, in constant time.
 */
import { createRoute, z } from "@hono/zod-openapi";
import bcrypt from "bcryptjs";
import { timingSafeEqual } from "node:crypto";
import type { Deps } from "../deps.ts";
import { type AdminEnv, requireAdmin } from "../auth/guards.ts";
import { issueAdminToken, revokeToken } from "../auth/tokens.ts";
import { ApiError } from "../http/errors.ts";
import { log } from "../log.ts";
import { ADMIN_SECURITY, Detail, json, newRouter } from "./_router.ts";

const loginRoute = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["admin auth"],
  summary: "Sign in as the administrator",
  request: {
    body: {
      content: {
        "application/json": {
          schema: z.object({ username: z.string().max(200), password: z.string().max(200) }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z.object({
        access_token: z.string(),
        token_type: z.literal("bearer"),
        expires_in: z.number().int(),
      }),
      "An admin token",
    ),
    401: json(Detail, "Invalid credentials"),
  },
});

const meRoute = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["admin auth"],
  summary: "The signed-in administrator",
  security: ADMIN_SECURITY,
  responses: { 200: json(z.object({ username: z.string(), role: z.string() }), "Who") },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["admin auth"],
  summary: "Revoke the admin token",
  security: ADMIN_SECURITY,
  responses: {
    200: json(z.object({ success: z.boolean(), message: z.string() }), "Revoked"),
  },
});

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Equal-length digests make the comparison independent of where the inputs differ. */
async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  return timingSafeEqual(await sha256(a), await sha256(b));
}

/** True when the pair matches the configured administrator. */
export async function checkAdminCredentials(
  admin: Deps["config"]["admin"],
  username: string,
  password: string,
): Promise<boolean> {
  const userOk = admin.username !== "" && await constantTimeEqual(username, admin.username);
  let passwordOk = false;
  if (admin.passwordHash) {
    try {
      passwordOk = await bcrypt.compare(password, admin.passwordHash);
    } catch {
      passwordOk = false;
    }
  } else if (admin.plainPassword !== null) {
    passwordOk = await constantTimeEqual(password, admin.plainPassword);
  }
  return userOk && passwordOk;
}

export function adminAuthRoutes(deps: Deps) {
  const app = newRouter<AdminEnv>();
  const guard = requireAdmin(deps);

  app.openapi(loginRoute, async (c) => {
    const { username, password } = c.req.valid("json");
    if (!(await checkAdminCredentials(deps.config.admin, username, password))) {
      log.warn("admin login refused", {});
      throw new ApiError(401, "Invalid credentials");
    }
    const ttl = deps.config.auth.adminTokenTtlSeconds;
    const token = await issueAdminToken(deps.config.adminJwtSecret, username, ttl);
    log.info("admin signed in", {});
    return c.json({ access_token: token, token_type: "bearer" as const, expires_in: ttl }, 200);
  });

  app.use("/auth/me", guard);
  app.openapi(meRoute, (c) => c.json({ username: c.var.admin.sub, role: "admin" }, 200));

  app.use("/auth/logout", guard);
  app.openapi(logoutRoute, async (c) => {
    const admin = c.var.admin;
    await revokeToken(deps.redis, admin.jti, admin.exp);
    return c.json({ success: true, message: "Logged out" }, 200);
  });

  return app;
}
