/**
 * Code login (R-LOGIN-*): `request-code` (same 200 for every valid number, rolling limits
 * per phone and per client IP), `verify` (any failure is the same 401), `logout` (revokes the
 * jti; fails closed) and `GET`/`PATCH /auth/me`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { requireUser, type UserEnv } from "../auth/guards.ts";
import { issueUserToken, revokeToken } from "../auth/tokens.ts";
import { codeRequestLimits, consumeRateLimits } from "../auth/rate_limit.ts";
import { issueCode, verifyCode } from "../auth/codes.ts";
import { normalisePhone, PHONE_PATTERN } from "../phone.ts";
import { clientIp } from "../http/client_ip.ts";
import { ApiError, unauthorized } from "../http/errors.ts";
import { log, maskPhone } from "../log.ts";
import { AUTH_RESPONSES, BEARER, Detail, json, newRouter } from "./_router.ts";

export const CODE_SENT = "Authentication code sent via WhatsApp";
export const TOO_MANY = "Too many code requests. Try again later.";
export const INVALID_CODE = "Invalid or expired code";

const body = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
  required: true,
});

const requestCodeRoute = createRoute({
  method: "post",
  path: "/auth/request-code",
  tags: ["auth"],
  summary: "Send a login code over WhatsApp",
  request: {
    body: body(z.strictObject({
      phone_number: z.string().max(64).openapi({
        pattern: PHONE_PATTERN,
        description: "E.164 once spaces, dashes, dots and parentheses are removed",
      }),
    })),
  },
  responses: {
    200: json(
      z.object({ success: z.boolean(), message: z.string(), phone_number: z.string() }),
      "Sent (the same answer for every valid number)",
    ),
    422: json(Detail, "Not an E.164 number, or a bad body"),
    429: json(
      z.object({ success: z.boolean(), detail: z.string(), retry_after: z.number() }),
      "Too many requests for this number or client",
    ),
    503: json(Detail, "Redis or PostgreSQL unavailable"),
  },
});

const verifyRoute = createRoute({
  method: "post",
  path: "/auth/verify",
  tags: ["auth"],
  summary: "Exchange a code for a user token",
  request: {
    body: body(
      z.strictObject({
        phone_number: z.string(),
        code: z.union([
          z.string(),
          // A number a double can hold: the input guard refuses 1e400 with 422.
          z.number().min(-Number.MAX_VALUE).max(Number.MAX_VALUE),
        ]),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({
        access_token: z.string(),
        token_type: z.literal("bearer"),
        expires_in: z.number(),
        user_id: z.number(),
        phone_number: z.string(),
      }),
      "A user token",
    ),
    401: json(Detail, "Invalid or expired code"),
    422: json(Detail, "Unparsable body"),
    503: json(Detail, "Redis or PostgreSQL unavailable"),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "Revoke the current token",
  security: BEARER,
  responses: { 200: json(z.object({ success: z.boolean() }), "Revoked"), ...AUTH_RESPONSES },
});

const Me = z.object({
  user_id: z.number(),
  phone_number: z.string(),
  display_name: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  created_at: z.string(),
  last_active: z.string().nullable(),
}).openapi("Me");

const meRoute = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  summary: "The signed-in user",
  security: BEARER,
  responses: { 200: json(Me, "The user"), ...AUTH_RESPONSES },
});

const patchMeRoute = createRoute({
  method: "patch",
  path: "/auth/me",
  tags: ["auth"],
  summary: "Update the signed-in user's names",
  security: BEARER,
  request: {
    body: body(z.strictObject({
      display_name: z.string().max(255).nullable().optional(),
      first_name: z.string().max(100).nullable().optional(),
      last_name: z.string().max(100).nullable().optional(),
    })),
  },
  responses: {
    200: json(Me, "The updated user"),
    422: json(Detail, "Bad body"),
    ...AUTH_RESPONSES,
  },
});

interface MeRow {
  id: number;
  phone_number: string;
  display_name: string | null;
  first_name: string | null;
  last_name: string | null;
  created_at: Date;
  last_active: Date | null;
}

function toMe(row: MeRow) {
  return {
    user_id: row.id,
    phone_number: row.phone_number,
    display_name: row.display_name,
    first_name: row.first_name,
    last_name: row.last_name,
    created_at: row.created_at.toISOString(),
    last_active: row.last_active ? row.last_active.toISOString() : null,
  };
}

export interface AuthRouteOptions {
  /** Clock for the rate-limit windows (tests). */
  now?: () => number;
}

export function authRoutes(deps: Deps, options: AuthRouteOptions = {}) {
  const app = newRouter<UserEnv>();
  const { config } = deps;
  const guard = requireUser(deps);

  app.openapi(requestCodeRoute, async (c) => {
    const phone = normalisePhone(c.req.valid("json").phone_number);
    if (!phone) {
      throw new ApiError(422, "phone_number: must be an E.164 number such as +15551234567");
    }
    const ip = clientIp(c, config.trustProxy);
    const decision = await consumeRateLimits(
      deps.redis,
      codeRequestLimits(phone, ip, {
        perPhone: config.auth.ratePerHour,
        perIp: config.auth.ratePerIpHour,
      }),
      { now: options.now?.() },
    );
    if (!decision.allowed) {
      log.info("auth code rate limited", {
        phone: maskPhone(phone),
        limit: decision.key.includes(":ip:") ? "ip" : "phone",
      });
      throw new ApiError(
        429,
        TOO_MANY,
        { "Retry-After": String(decision.retryAfterSeconds) },
        { success: false, retry_after: decision.retryAfterSeconds },
      );
    }
    await issueCode(deps, phone, { ip });
    return c.json({ success: true, message: CODE_SENT, phone_number: phone }, 200);
  });

  app.openapi(verifyRoute, async (c) => {
    const input = c.req.valid("json");
    const phone = normalisePhone(input.phone_number);
    const code = typeof input.code === "number" ? String(input.code) : input.code.trim();
    const user = phone ? await verifyCode(deps, phone, code) : null;
    if (!user) throw new ApiError(401, INVALID_CODE);
    const ttl = config.auth.userTokenTtlSeconds;
    const token = await issueUserToken(config.jwtSecret, user, ttl);
    log.info("user signed in", { user_id: user.id, phone: maskPhone(user.phone_number) });
    return c.json({
      access_token: token,
      token_type: "bearer" as const,
      expires_in: ttl,
      user_id: user.id,
      phone_number: user.phone_number,
    }, 200);
  });

  app.use(logoutRoute.path, guard);
  app.openapi(logoutRoute, async (c) => {
    const user = c.get("user");
    await revokeToken(deps.redis, user.jti, user.exp);
    return c.json({ success: true }, 200);
  });

  app.use(meRoute.path, guard);
  app.openapi(meRoute, async (c) => {
    const [row] = await deps.sql<MeRow[]>`SELECT id, phone_number, display_name, first_name,
      last_name, created_at, last_active FROM users WHERE id = ${c.get("user").user_id}`;
    if (!row) throw unauthorized();
    return c.json(toMe(row), 200);
  });

  app.openapi(patchMeRoute, async (c) => {
    const patch = c.req.valid("json");
    const set: Record<string, string | null> = {};
    for (const key of ["display_name", "first_name", "last_name"] as const) {
      if (patch[key] !== undefined) set[key] = patch[key];
    }
    const userId = c.get("user").user_id;
    const rows = Object.keys(set).length
      ? await deps.sql<MeRow[]>`UPDATE users SET ${deps.sql(set)}, updated_at = now()
          WHERE id = ${userId} RETURNING id, phone_number, display_name, first_name, last_name,
          created_at, last_active`
      : await deps.sql<MeRow[]>`SELECT id, phone_number, display_name, first_name, last_name,
          created_at, last_active FROM users WHERE id = ${userId}`;
    if (!rows[0]) throw unauthorized();
    return c.json(toMe(rows[0]), 200);
  });

  return app;
}
