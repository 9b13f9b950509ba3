/**
 * What keeps generated requests inside the conformance group's own data on a shared stack:
 * the credentials they carry, the rows they may touch (users this group created, ids no one
 * has, never the bridge's main session), and the few operations generic fuzzing leaves alone.
 */
import fc from "fast-check";
import { admin, configureLlm, privateApi, signIn, type TestUser } from "../../lib/fixtures.ts";
import { target } from "../../lib/target.ts";
import type { Operation, Parameter } from "./_openapi.ts";
import { arbitraryFor } from "./_schema_arb.ts";

export interface Sandbox {
  /** A signed-in user (with an LLM config) whose token the public operations carry. */
  user: TestUser;
  adminToken: string;
  /** Users created by this process through the admin API: the only ids admin writes may hit. */
  ownedUserIds: number[];
}

let sandbox: Promise<Sandbox> | null = null;

async function createOwnedUser(adminToken: string): Promise<number> {
  const phone = `+1555${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const created = await privateApi.withToken(adminToken).raw<{ id: number }>(
    "POST",
    "/api/v1/admin/users",
    { body: { phone_number: phone, display_name: "conformance" } },
  );
  if (created.status !== 201) {
    throw new Error(`admin create user: HTTP ${created.status} ${created.text.slice(0, 200)}`);
  }
  return created.json.id;
}

/** The process's sandbox: one signed-in user, the admin token, three users to edit. */
export function getSandbox(): Promise<Sandbox> {
  sandbox ??= (async () => {
    const user = await signIn();
    await configureLlm(user);
    const adminToken = (await admin()).token!;
    const ownedUserIds = await Promise.all([1, 2, 3].map(() => createOwnedUser(adminToken)));
    return { user, adminToken, ownedUserIds };
  })();
  return sandbox;
}

/** Operations that end the session of the token they carry: each call gets a fresh token. */
export function endsSession(op: Operation): boolean {
  return /\/logout\/?$/.test(op.path);
}

/** A token to spend on one call of `op` (a fresh sign-in for logout). */
export async function tokenFor(op: Operation, box: Sandbox): Promise<string> {
  if (!endsSession(op)) return op.entrypoint === "public" ? box.user.token : box.adminToken;
  if (op.entrypoint === "public") return (await signIn()).token;
  return (await privateApi.asAdmin(target.admin.username, target.admin.password)).token!;
}

/**
 * Operations generic fuzzing does not call with valid credentials on a shared stack, and why.
 * Their methods, auth answers and documents are still checked.
 */
export const NOT_FUZZED: Record<string, string> = {
  "PRIVATE POST /api/v1/admin/queue/clear-failed":
    "discards every suite's dead letters, which other suites inspect",
  "PRIVATE POST /api/v1/admin/queue/requeue-failed":
    "re-sends every suite's dead letters, which other suites inspect",
};

/** Ids no row has: far above anything a test run creates. */
const FOREIGN_ID_MIN = 1_000_000_000;

/** Path parameters that name a user: only owned users or ids that exist nowhere. */
export function isUserId(op: Operation, param: Parameter): boolean {
  return param.in === "path" && op.entrypoint === "private" &&
    /\/admin\/(users|llm-config)\/\{/.test(op.path) && /^(id|user_id)$/.test(param.name);
}

/**
 * The arbitrary for a parameter when the sandbox must steer it, else undefined (use the
 * schema). `valid` arbitraries stay inside the schema; hostile ones are built elsewhere.
 */
export function steeredParameter(
  op: Operation,
  param: Parameter,
  box: Sandbox,
): fc.Arbitrary<unknown> | undefined {
  if (isUserId(op, param)) {
    const schema = typeof param.schema === "object" ? param.schema : {};
    const max = Math.min(
      typeof schema.maximum === "number" ? schema.maximum : Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
    const foreign = max > FOREIGN_ID_MIN
      ? fc.bigInt({ min: BigInt(FOREIGN_ID_MIN), max: BigInt(max) }).map(Number)
      : fc.constant(max);
    return fc.oneof(fc.constantFrom(...box.ownedUserIds), foreign);
  }
  if (op.entrypoint === "private" && param.in === "path" && /\/sessions\/\{/.test(op.path)) {
    // Never the bridge session every other suite sends through.
    return arbitraryFor(param.schema).filter((id) => id !== target.session_id);
  }
  if (param.name === "secret" && /\/webhooks\//.test(op.path) && target.webhook_secret) {
    return fc.constant(target.webhook_secret);
  }
  return undefined;
}

/** The API key an operation's apiKey scheme asks for: the target's webhook secret, if known. */
export function apiKeyFields(
  op: Operation,
): { query: Record<string, string>; headers: Record<string, string> } {
  const out = { query: {} as Record<string, string>, headers: {} as Record<string, string> };
  const secret = /\/webhooks\//.test(op.path) ? target.webhook_secret : null;
  // One scheme is enough (they are alternatives); the query form is the one zapw can send.
  const key = op.apiKeys.find((k) => k.in === "query") ??
    op.apiKeys.find((k) => k.in === "header");
  if (secret && key?.in === "query") out.query[key.name] = secret;
  if (secret && key?.in === "header") out.headers[key.name] = secret;
  return out;
}

/**
 * Body fields the sandbox steers: never the main session's id in an admin session write, and
 * no session or connection event on the webhook (one saying the main session disconnected
 * would pause every suite's replies; `tests/conformance/webhook_test.ts` owns those events).
 */
export function steeredBody(op: Operation, body: unknown): unknown {
  if (
    /\/webhooks\//.test(op.path) && body !== null && typeof body === "object" &&
    !Array.isArray(body)
  ) {
    const event = body as Record<string, unknown>;
    for (const key of ["eventType", "event_type"]) {
      if (typeof event[key] === "string" && /^(session|connection)\./.test(event[key])) {
        return { ...event, [key]: "conformance.unknown" };
      }
    }
  }
  if (
    op.entrypoint === "private" && /\/admin\/sessions\/?$/.test(op.path) &&
    body !== null && typeof body === "object" &&
    (body as Record<string, unknown>).session_id === target.session_id
  ) {
    return { ...body, session_id: `${target.session_id}-conformance` };
  }
  return body;
}
