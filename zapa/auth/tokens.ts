/**
 * JWTs for both audiences (R-TOKEN-1, R-TOKEN-5), issued and verified with jose, HS256 pinned.
 * User tokens: secret `ZAPA_JWT_SECRET`, `aud:"zapa-public"`, `scope:"user"`.
 * Admin tokens: secret `ZAPA_ADMIN_JWT_SECRET`, `aud:"zapa-admin"`, `scope:"admin"`.
 * Revocation (logout) lives in Redis until the token's own expiry; if Redis cannot answer,
 * verification fails closed with a dependency error (→ 503).
 */
import { jwtVerify, SignJWT } from "jose";
import type { Redis } from "../redis.ts";
import { DependencyUnavailable } from "../http/errors.ts";

export const ISSUER = "zapa";
export const USER_AUDIENCE = "zapa-public";
export const ADMIN_AUDIENCE = "zapa-admin";

export interface UserClaims {
  sub: string;
  user_id: number;
  phone_number: string;
  scope: "user";
  jti: string;
  exp: number;
}

export interface AdminClaims {
  sub: string;
  scope: "admin";
  jti: string;
  exp: number;
}

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function newJti(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function issueUserToken(
  secret: string,
  user: { id: number; phone_number: string },
  ttlSeconds = 86_400,
): Promise<string> {
  return await new SignJWT({ user_id: user.id, phone_number: user.phone_number, scope: "user" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(user.id))
    .setIssuer(ISSUER)
    .setAudience(USER_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .setJti(newJti())
    .sign(secretKey(secret));
}

export async function issueAdminToken(
  secret: string,
  username: string,
  ttlSeconds = 28_800,
): Promise<string> {
  return await new SignJWT({ scope: "admin" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(username)
    .setIssuer(ISSUER)
    .setAudience(ADMIN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .setJti(newJti())
    .sign(secretKey(secret));
}

/** Verifies signature, algorithm, issuer, audience, expiry and scope; null on any failure. */
export async function verifyUserToken(secret: string, token: string): Promise<UserClaims | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: USER_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    if (payload.scope !== "user" || typeof payload.user_id !== "number") return null;
    if (typeof payload.phone_number !== "string" || payload.sub !== String(payload.user_id)) {
      return null;
    }
    return payload as unknown as UserClaims;
  } catch {
    return null;
  }
}

export async function verifyAdminToken(secret: string, token: string): Promise<AdminClaims | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: ADMIN_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    if (payload.scope !== "admin") return null;
    return payload as unknown as AdminClaims;
  } catch {
    return null;
  }
}

const revokedKey = (jti: string) => `zapa:revoked:${jti}`;

/** Revokes a token id until its expiry. Throws DependencyUnavailable if Redis cannot store it. */
export async function revokeToken(redis: Redis, jti: string, exp: number): Promise<void> {
  const ttl = Math.max(1, exp - Math.floor(Date.now() / 1000));
  try {
    await redis.set(revokedKey(jti), "1", "EX", ttl);
  } catch (error) {
    throw new DependencyUnavailable("redis", error);
  }
}

/** Fails closed: an unreachable revocation store raises DependencyUnavailable (→ 503). */
export async function isRevoked(redis: Redis, jti: string): Promise<boolean> {
  try {
    return (await redis.exists(revokedKey(jti))) === 1;
  } catch (error) {
    throw new DependencyUnavailable("redis", error);
  }
}

/** Extracts the token from `Authorization: Bearer <token>`; null when missing or malformed. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*)$/.exec(
    header?.trim() ?? "",
  );
  return match ? match[1]! : null;
}
