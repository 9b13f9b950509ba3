/**
 * WhatsApp login codes (R-LOGIN-*). Codes are six digits drawn from `crypto.getRandomValues`
 * by rejection sampling (no modulo bias), stored only as HMAC-SHA256 keyed with
 * `ZAPA_JWT_SECRET`, valid for `AUTH_CODE_TTL_SECONDS`, single use, voided by a newer request
 * and by the third wrong attempt. Verification is one atomic `UPDATE … RETURNING`, so two
 * concurrent right answers cannot both win. Codes leave through the outbound queue; they are
 * never written to `messages` nor logged.
 */
import type { Deps } from "../deps.ts";
import { enqueueOutbound } from "../pipeline/outbound_queue.ts";
import { DependencyUnavailable } from "../http/errors.ts";
import { log, maskPhone } from "../log.ts";

export const CODE_DIGITS = 6;
export const MAX_WRONG_ATTEMPTS = 3;
const CODE_SPACE = 1_000_000;
// The largest multiple of 10^6 that fits in 32 bits: values at or above it are redrawn.
const SAMPLE_LIMIT = Math.floor(2 ** 32 / CODE_SPACE) * CODE_SPACE;

/** A uniformly distributed six-digit code, leading zeros kept. */
export function generateCode(
  random: (buf: Uint32Array) => Uint32Array = (b) => crypto.getRandomValues(b),
): string {
  const buf = new Uint32Array(1);
  while (true) {
    const value = random(buf)[0]!;
    if (value < SAMPLE_LIMIT) return String(value % CODE_SPACE).padStart(CODE_DIGITS, "0");
  }
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    hmacKeys.set(secret, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of the code, the only form a code is stored in. */
export async function hashCode(secret: string, code: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    new TextEncoder().encode(code),
  );
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The WhatsApp text carrying a code. */
export function codeMessage(code: string, ttlSeconds: number): string {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  return `Your Zapa login code is ${code}. It expires in ${minutes} minute${
    minutes === 1 ? "" : "s"
  }. Do not share it.`;
}

type CodeDeps = Pick<Deps, "config" | "sql" | "redis">;

/**
 * Issues a code for an E.164 number that has already passed the rate limits: creates the user
 * if new, does nothing for an inactive user (the caller answers the same 200 either way),
 * voids older codes and queues the message. Returns whether a code was sent.
 */
export async function issueCode(
  deps: CodeDeps,
  phone: string,
  options: { ip?: string } = {},
): Promise<boolean> {
  const { config, sql } = deps;
  const display = `User ${phone.slice(-4)}`;
  await sql`INSERT INTO users (phone_number, display_name) VALUES (${phone}, ${display})
    ON CONFLICT (phone_number) DO NOTHING`;
  const [user] = await sql<{ id: number; is_active: boolean }[]>`
    SELECT id, is_active FROM users WHERE phone_number = ${phone}`;
  if (!user || !user.is_active) {
    log.info("auth code not sent", { phone: maskPhone(phone), reason: "inactive" });
    return false;
  }
  const code = config.auth.testCode ?? generateCode();
  const codeHash = await hashCode(config.jwtSecret, code);
  const ttl = config.auth.codeTtlSeconds;
  const row = await sql.begin(async (tx) => {
    await tx`UPDATE auth_codes SET used = true, updated_at = now()
      WHERE user_id = ${user.id} AND NOT used`;
    const [inserted] = await tx<{ id: number; expires_at: Date }[]>`
      INSERT INTO auth_codes (user_id, code_hash, expires_at, request_ip)
      VALUES (${user.id}, ${codeHash}, now() + make_interval(secs => ${ttl}),
        ${options.ip?.slice(0, 64) ?? null})
      RETURNING id, expires_at`;
    return inserted!;
  });
  try {
    await enqueueOutbound(deps.redis, {
      id: `auth:${row.id}`,
      kind: "auth_code",
      to: phone,
      text: codeMessage(code, ttl),
      expiresAt: row.expires_at.getTime(),
    });
  } catch (error) {
    throw new DependencyUnavailable("redis", error);
  }
  log.info("auth code queued", { phone: maskPhone(phone), auth_code_id: row.id });
  return true;
}

/**
 * Checks a code in one atomic statement: the user's newest live code gains an attempt when
 * wrong (and is voided at the third), or is consumed when right. Returns the user on success,
 * null on any failure — unknown or inactive number, no live code, expired, wrong, reused.
 */
export async function verifyCode(
  deps: Pick<Deps, "config" | "sql">,
  phone: string,
  code: string,
): Promise<{ id: number; phone_number: string } | null> {
  const { sql, config } = deps;
  if (!/^\d{6}$/.test(code)) return null;
  const codeHash = await hashCode(config.jwtSecret, code);
  const [result] = await sql<{ ok: boolean; user_id: number }[]>`
    UPDATE auth_codes AS a SET
      attempts = a.attempts + CASE WHEN a.code_hash = ${codeHash} THEN 0 ELSE 1 END,
      used = a.code_hash = ${codeHash} OR a.attempts + 1 >= ${MAX_WRONG_ATTEMPTS},
      used_at = CASE WHEN a.code_hash = ${codeHash} THEN now() ELSE a.used_at END,
      updated_at = now()
    WHERE a.id = (
      SELECT c.id FROM auth_codes c JOIN users u ON u.id = c.user_id
       WHERE u.phone_number = ${phone} AND u.is_active AND NOT c.used AND c.expires_at > now()
       ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
      AND NOT a.used AND a.expires_at > now()
    RETURNING a.code_hash = ${codeHash} AS ok, a.user_id`;
  if (!result?.ok) return null;
  const [user] = await sql<{ id: number; phone_number: string }[]>`
    UPDATE users SET last_active = now() WHERE id = ${result.user_id} AND is_active
    RETURNING id, phone_number`;
  return user ?? null;
}
