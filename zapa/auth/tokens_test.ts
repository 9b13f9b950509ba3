import assert from "node:assert/strict";
import { decodeJwt, SignJWT } from "jose";
import {
  bearerToken,
  issueAdminToken,
  issueUserToken,
  verifyAdminToken,
  verifyUserToken,
} from "./tokens.ts";

const SECRET = "user-secret-0123456789abcdef0123456789";
const ADMIN_SECRET = "admin-secret-0123456789abcdef012345678";
const USER = { id: 7, phone_number: "+15551234567" };
const now = () => Math.floor(Date.now() / 1000);
const enc = (s: string) => new TextEncoder().encode(s);

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function validClaims() {
  return {
    sub: "7",
    user_id: 7,
    phone_number: USER.phone_number,
    scope: "user",
    iss: "zapa",
    aud: "zapa-public",
    iat: now(),
    exp: now() + 3600,
    jti: "0123456789abcdef0123456789abcdef",
  };
}

async function sign(
  claims: Record<string, unknown>,
  options: { secret?: string; alg?: string } = {},
): Promise<string> {
  return await new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "HS256" })
    .sign(enc(options.secret ?? SECRET));
}

// rules: R-TOKEN-1
Deno.test("tokens: a user token carries every R-TOKEN-1 claim and verifies", async () => {
  const token = await issueUserToken(SECRET, USER);
  const claims = await verifyUserToken(SECRET, token);
  assert.ok(claims);
  assert.equal(claims.sub, "7");
  assert.equal(claims.user_id, 7);
  assert.equal(claims.phone_number, USER.phone_number);
  assert.equal(claims.scope, "user");
  const raw = decodeJwt(token);
  assert.equal(raw.iss, "zapa");
  assert.equal(raw.aud, "zapa-public");
  assert.equal(raw.exp! - raw.iat!, 86_400);
  assert.match(String(raw.jti), /^[0-9a-f]{32}$/);
  assert.notEqual(decodeJwt(await issueUserToken(SECRET, USER)).jti, raw.jti);
  assert.equal(JSON.parse(atob(token.split(".")[0]!)).alg, "HS256");
});

// rules: R-TOKEN-2
Deno.test("tokens: the user verification matrix refuses every bad token", async () => {
  const good = validClaims();
  const cases: [string, string | Promise<string>][] = [
    ["alg none", `${b64url({ alg: "none", typ: "JWT" })}.${b64url(good)}.`],
    ["alg none with signature", `${b64url({ alg: "none" })}.${b64url(good)}.c2ln`],
    ["wrong secret", sign(good, { secret: "another-secret-0123456789abcdef012345" })],
    ["HS512 with the right secret", sign(good, { alg: "HS512" })],
    ["HS384 with the right secret", sign(good, { alg: "HS384" })],
    ["expired", sign({ ...good, iat: now() - 7200, exp: now() - 60 })],
    ["wrong audience", sign({ ...good, aud: "zapa-admin" })],
    ["wrong issuer", sign({ ...good, iss: "evil" })],
    ["wrong scope", sign({ ...good, scope: "admin" })],
    ["no scope", sign({ ...good, scope: undefined })],
    ["no jti", sign({ ...good, jti: undefined })],
    ["no exp", sign({ ...good, exp: undefined })],
    ["sub not the user id", sign({ ...good, sub: "8" })],
    ["user_id as string", sign({ ...good, user_id: "7" })],
    ["admin token", issueAdminToken(ADMIN_SECRET, "admin")],
    ["admin token signed with the user secret", issueAdminToken(SECRET, "admin")],
    ["garbage", "not.a.token"],
    ["empty", ""],
    ["two parts", "abc.def"],
    [
      "tampered payload",
      (async () => {
        const [h, , s] = (await sign(good)).split(".");
        return `${h}.${b64url({ ...good, user_id: 1, sub: "1" })}.${s}`;
      })(),
    ],
  ];
  assert.ok(await verifyUserToken(SECRET, await sign(good)), "the control token verifies");
  for (const [name, token] of cases) {
    assert.equal(await verifyUserToken(SECRET, await token), null, name);
  }
});

// rules: R-TOKEN-4, R-TOKEN-5
Deno.test("tokens: admin tokens verify only as admin tokens", async () => {
  const admin = await issueAdminToken(ADMIN_SECRET, "admin");
  assert.equal((await verifyAdminToken(ADMIN_SECRET, admin))?.scope, "admin");
  assert.equal(await verifyAdminToken(ADMIN_SECRET, await issueUserToken(SECRET, USER)), null);
  assert.equal(await verifyAdminToken(SECRET, admin), null);
  assert.equal(
    await verifyAdminToken(ADMIN_SECRET, await issueUserToken(ADMIN_SECRET, USER)),
    null,
    "a user token signed with the admin secret still has the wrong aud/scope",
  );
});

// rules: R-HTTP-5
Deno.test("tokens: bearerToken accepts only 'Bearer <jwt>'", () => {
  assert.equal(bearerToken("Bearer a.b.c"), "a.b.c");
  assert.equal(bearerToken("  Bearer a.b.c  "), "a.b.c");
  for (
    const h of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Basic a.b.c",
      "bearer",
      "Bearer a b",
      "Token a.b.c",
      "Bearer a.b.c.d",
    ]
  ) {
    assert.equal(bearerToken(h), null, String(h));
  }
});
