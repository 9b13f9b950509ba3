/**
 * Security: every Bearer failure is the same 401 (R-HTTP-5) — forged, expired, wrong
 * audience/issuer/scope/algorithm, revoked, malformed — and scopes stay apart: a user token
 * on an admin route is 403, an admin token on a user route is 401.
 */
import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import { admin, createUser, privateApi, publicApi } from "../../lib/fixtures.ts";
import { suiteTest, target } from "../../lib/target.ts";
import type { HttpResult } from "../../lib/clients/http.ts";

const UNAUTHORIZED = { detail: "Could not validate credentials" };

function assertUnauthorized(result: HttpResult, what: string): void {
  assert.equal(result.status, 401, `${what}: expected 401, got ${result.status} ${result.text}`);
  assert.deepEqual(result.json, UNAUTHORIZED, what);
  assert.match(
    result.headers.get("www-authenticate") ?? "",
    /^Bearer/,
    `${what}: WWW-Authenticate`,
  );
}

/** Every user route that returns user data is guarded the same way. */
const USER_ROUTES = [
  ["GET", "/api/v1/auth/me"],
  ["GET", "/api/v1/messages"],
  ["GET", "/api/v1/messages/search?q=hello"],
  ["GET", "/api/v1/messages/stats"],
  ["GET", "/api/v1/stats"],
  ["GET", "/api/v1/messages/export?format=json"],
  ["GET", "/api/v1/llm-config"],
] as const;

async function assertRefusedEverywhere(token: string | null, what: string, header?: string) {
  for (const [method, path] of USER_ROUTES) {
    const result = await publicApi.raw(method, path, {
      token: header ? null : token,
      headers: header ? { authorization: header } : {},
    });
    assertUnauthorized(result, `${what} on ${method} ${path}`);
  }
}

// rules: R-HTTP-5, R-TOKEN-2
suiteTest("security: a missing or malformed Authorization header is refused with 401", async () => {
  await assertRefusedEverywhere(null, "no header");
  for (
    const header of ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer abc.def", "Token x.y.z"]
  ) {
    await assertRefusedEverywhere(null, JSON.stringify(header), header);
  }
});

// rules: R-HTTP-5, R-TOKEN-2
suiteTest(
  "security: forged user tokens are refused with 401",
  { needs: ["secrets"] },
  async (t) => {
    const user = await createUser();
    const secret = new TextEncoder().encode(target.secrets!.jwt);
    const now = Math.floor(Date.now() / 1000);
    const claims = { user_id: user.id, phone_number: user.phone, scope: "user" };
    const sign = (
      overrides: { alg?: string; key?: Uint8Array; iss?: string; aud?: string; exp?: number } = {},
      extra: Record<string, unknown> = {},
    ) =>
      new SignJWT({ ...claims, ...extra })
        .setProtectedHeader({ alg: overrides.alg ?? "HS256" })
        .setSubject(String(user.id))
        .setIssuer(overrides.iss ?? "zapa")
        .setAudience(overrides.aud ?? "zapa-public")
        .setIssuedAt(now - 10)
        .setExpirationTime(overrides.exp ?? now + 600)
        .setJti(crypto.randomUUID())
        .sign(overrides.key ?? secret);

    // The control: a correctly forged token is accepted, so each refusal below is meaningful.
    const good = await sign();
    assert.equal((await publicApi.withToken(good).me()).status, 200);

    const cases: Array<[string, () => Promise<string>]> = [
      ["alg none", () =>
        Promise.resolve(
          new UnsecuredJWT(claims).setSubject(String(user.id)).setIssuer("zapa")
            .setAudience("zapa-public").setIssuedAt().setExpirationTime(now + 600)
            .setJti(crypto.randomUUID()).encode(),
        )],
      ["a wrong secret", () => sign({ key: new TextEncoder().encode("x".repeat(48)) })],
      [
        "the admin secret",
        () => sign({ key: new TextEncoder().encode(target.secrets!.admin_jwt) }),
      ],
      ["HS512 with the right secret", () => sign({ alg: "HS512" })],
      ["an expired token", () => sign({ exp: now - 60 })],
      ["a wrong audience", () => sign({ aud: "zapa-admin" })],
      ["a wrong issuer", () => sign({ iss: "evil" })],
      ["a wrong scope", () => sign({}, { scope: "admin" })],
      ["a tampered payload", async () => {
        const [h, , s] = (await sign()).split(".");
        const payload = btoa(JSON.stringify({ ...claims, user_id: user.id + 1 })).replace(
          /=+$/,
          "",
        );
        return `${h}.${payload}.${s}`;
      }],
    ];
    for (const [what, make] of cases) {
      await t.step(what, async () => assertRefusedEverywhere(await make(), what));
    }
  },
);

// rules: R-TOKEN-3, R-LOGIN-10
suiteTest("security: a token is refused with 401 after logout", async () => {
  const user = await createUser();
  assert.equal((await user.api.me()).status, 200);
  const logout = await user.api.logout();
  assert.equal(logout.status, 200, logout.text);
  assert.deepEqual(logout.json, { success: true });
  await assertRefusedEverywhere(user.token, "a revoked token");
});

// rules: R-TOKEN-4
suiteTest("security: an admin token on the public API is refused with 401", async () => {
  const adminApi = await admin();
  await assertRefusedEverywhere(adminApi.token, "an admin token");
});

// rules: R-TOKEN-4
suiteTest("security: a user token on the admin API is refused with 403", async () => {
  const user = await createUser();
  for (const path of ["/api/v1/admin/users", "/api/v1/admin/queue", "/api/v1/admin/system/stats"]) {
    const result = await privateApi.raw("GET", path, { token: user.token });
    assert.equal(result.status, 403, `${path}: ${result.status} ${result.text}`);
    assert.deepEqual(result.json, { detail: "Not enough permissions" });
  }
  const none = await privateApi.raw("GET", "/api/v1/admin/users", { token: null });
  assertUnauthorized(none, "no token on the admin API");
});

// rules: R-TOKEN-5
suiteTest("security: the admin login refuses wrong credentials with 401", async () => {
  for (
    const body of [
      { username: target.admin.username, password: "wrong-password" },
      { username: "root", password: target.admin.password },
    ]
  ) {
    const result = await privateApi.raw("POST", "/api/v1/auth/login", { body, token: null });
    assert.equal(result.status, 401, result.text);
    assert.deepEqual(result.json, { detail: "Invalid credentials" });
  }
});
