/**
 * Test fixtures shared by the suites: clients bound to the target, unique phone numbers and
 * keys per test (isolation by data, so suites run in parallel on one stack), and the user
 * journeys every suite needs — sign in with the real code read from the bridge journal,
 * configure the LLM, send a WhatsApp message and wait for the reply.
 */
import { BridgeClient, type SentItem } from "./clients/bridge.ts";
import { keyFingerprint, type LlmJournalEntry, LlmMockClient } from "./clients/llm.ts";
import { type LlmConfigBody, PrivateClient, PublicClient } from "./clients/zapa.ts";
import { noteKeyFingerprint } from "./evidence_notes.ts";
import { target } from "./target.ts";
import { PrerequisiteFailure, requirePrerequisite } from "./prerequisites.ts";

export { target };

export const bridge = new BridgeClient(target.urls.bridge, {
  apiKey: target.bridge_api_key ?? undefined,
});
/** The bridge's control port: answers even while the API port is offline. */
export const bridgeControl = new BridgeClient(target.urls.bridge_control, {
  apiKey: target.bridge_api_key ?? undefined,
});
export const llm = new LlmMockClient(target.urls.llm);
export const publicApi = new PublicClient(target.urls.public);
export const privateApi = new PrivateClient(target.urls.private);

/** 8 random digits: unique enough across parallel test files of one run. */
function randomDigits(count: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(count));
  return Array.from(bytes, (b) => String(b % 10)).join("");
}

/** A fresh E.164 number in the +1 555 range, never used before in this run. */
export function uniquePhone(): string {
  return `+1555${randomDigits(8)}`;
}

/** A fresh API key; append fault directives with `_` (e.g. `${uniqueKey()}_mock-fail-503`). */
export function uniqueKey(label = "test"): string {
  return `sk-${label}-${randomDigits(12)}`;
}

export interface TestUser {
  id: number;
  phone: string;
  token: string;
  /** The public API with this user's token. */
  api: PublicClient;
}

/** Extracts the six-digit code from the WhatsApp text Zapa sends. */
export function codeFromText(text: string | null | undefined): string {
  const match = /\b(\d{6})\b/.exec(text ?? "");
  if (!match) throw new Error(`no six-digit code in ${JSON.stringify(text)}`);
  return match[1]!;
}

/**
 * Where the suites read a login code from (`ZAPA_LOGIN_CODE_FROM`): `journal` (default: the text
 * Zapa sent through our mock bridge), `test-code` (the target's fixed test code,
 * `ZAPA_AUTH_TEST_CODE`), or an http(s) URL the target offers, where `{phone}` is replaced by the
 * E.164 number (URL-encoded) and the answer is JSON `{code}` or any text holding six digits.
 */
export function loginCodeSource(): "journal" | "test-code" | URL {
  const from = Deno.env.get("ZAPA_LOGIN_CODE_FROM") || "journal";
  if (from === "journal" || from === "test-code") return from;
  if (/^https?:\/\//.test(from)) return new URL(from);
  throw new Error(
    `ZAPA_LOGIN_CODE_FROM=${from}: expected journal, test-code or an http(s) URL with {phone}`,
  );
}

async function readCode(phone: string, since: number): Promise<string> {
  const source = loginCodeSource();
  if (source === "journal") {
    const [sent] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
    return codeFromText(sent!.text);
  }
  if (source === "test-code") {
    if (!target.auth_test_code) {
      throw new Error("ZAPA_LOGIN_CODE_FROM=test-code needs ZAPA_AUTH_TEST_CODE (the fixed code)");
    }
    return target.auth_test_code;
  }
  const url = source.href.replace("%7Bphone%7D", encodeURIComponent(phone))
    .replace("{phone}", encodeURIComponent(phone));
  const deadline = Date.now() + 15_000;
  let last = "";
  while (Date.now() < deadline) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = await res.text();
    last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    if (res.ok) {
      try {
        const code = (JSON.parse(body) as { code?: unknown }).code;
        if (code !== undefined && code !== null) return String(code);
      } catch {
        // not JSON: look for six digits in the text
      }
      if (/\b\d{6}\b/.test(body)) return codeFromText(body);
    }
    await new Promise((r) => setTimeout(r, 250)); // the reader has no long-poll to wait on
  }
  throw new Error(`no login code for ${phone} from ${source.origin} within 15 s (last: ${last})`);
}

/** Requests a code and returns it as the phone received it (by default from the bridge journal). */
export async function requestCode(phone: string): Promise<string> {
  const since = loginCodeSource() === "journal" ? await bridgeControl.lastSeq() : 0;
  const result = await publicApi.requestCode(phone);
  if (result.status !== 200) {
    throw new Error(`request-code for ${phone}: HTTP ${result.status} ${result.text}`);
  }
  return await readCode(phone, since);
}

async function signInNow(phone: string): Promise<TestUser> {
  const code = await requestCode(phone);
  const result = await publicApi.verify(phone, code);
  if (result.status !== 200) {
    throw new Error(`verify for ${phone}: HTTP ${result.status} ${result.text}`);
  }
  const token = result.json.access_token;
  return { id: result.json.user_id, phone, token, api: publicApi.withToken(token) };
}

/**
 * The prerequisites, probed once per test process: a fresh number signs in (R-LOGIN-1: a code
 * arrives; R-LOGIN-4: it verifies), saves an LLM config (R-LLMCFG-1), and gets a reply to a
 * WhatsApp message (R-DELIVERY-1).
 */
function signInWorks(): Promise<void> {
  return requirePrerequisite("sign-in", "R-LOGIN-1", async () => {
    const phone = uniquePhone();
    let code: string;
    try {
      code = await requestCode(phone);
    } catch (error) {
      throw new PrerequisiteFailure("R-LOGIN-1", `no login code: ${(error as Error).message}`);
    }
    const result = await publicApi.verify(phone, code);
    if (result.status !== 200 || typeof result.json?.access_token !== "string") {
      throw new PrerequisiteFailure(
        "R-LOGIN-4",
        `verify answered HTTP ${result.status} ${result.text.slice(0, 200)}`,
      );
    }
  });
}

function llmSetupWorks(): Promise<void> {
  return requirePrerequisite("llm-setup", "R-LLMCFG-1", async () => {
    await signInWorks();
    const user = await signInNow(uniquePhone());
    const result = await user.api.saveLlmConfig({
      provider: "openai",
      api_key: uniqueKey("probe"),
      model_settings: { model: DEFAULT_MODELS.openai },
    });
    if (result.status !== 200) {
      throw new PrerequisiteFailure(
        "R-LLMCFG-1",
        `saving an LLM config answered HTTP ${result.status} ${result.text.slice(0, 200)}`,
      );
    }
  });
}

function deliveryWorks(): Promise<void> {
  return requirePrerequisite("delivery", "R-DELIVERY-1", async () => {
    await llmSetupWorks();
    const user = await signInNow(uniquePhone());
    await user.api.saveLlmConfig({
      provider: "openai",
      api_key: uniqueKey("probe"),
      model_settings: { model: DEFAULT_MODELS.openai },
    });
    const sent = await sendWhatsApp(user.phone, "hello, is anyone there?");
    try {
      await bridgeControl.waitForSent({ to: user.phone, since: sent.since, timeoutMs: 20_000 });
    } catch (error) {
      throw new PrerequisiteFailure(
        "R-DELIVERY-1",
        `no reply reached the bridge (webhook answered ${sent.webhookStatus}): ${
          (error as Error).message.split("\n")[0]
        }`,
      );
    }
  });
}

/**
 * Signs a phone number in end to end: request-code → code from WhatsApp → verify. Blocked (fails
 * at once naming the prerequisite) when sign-in does not work on this target at all.
 */
export async function signIn(phone: string = uniquePhone()): Promise<TestUser> {
  await signInWorks();
  return await signInNow(phone);
}

/** A new user, signed in. */
export function createUser(): Promise<TestUser> {
  return signIn(uniquePhone());
}

export interface LlmSetup {
  provider: LlmConfigBody["provider"];
  apiKey: string;
  fingerprint: string;
  model: string;
}

const DEFAULT_MODELS = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.0-flash",
} as const;

/** Saves the user's primary (and optional fallback) LLM config; returns keys and fingerprints. */
export async function configureLlm(
  user: TestUser,
  options: {
    provider?: LlmConfigBody["provider"];
    apiKey?: string;
    model?: string;
    fallback?: { provider: LlmConfigBody["provider"]; apiKey?: string; model?: string } | null;
  } = {},
): Promise<{ primary: LlmSetup; fallback: LlmSetup | null }> {
  const provider = options.provider ?? "openai";
  const primary: LlmSetup = {
    provider,
    apiKey: options.apiKey ?? uniqueKey(provider),
    model: options.model ?? DEFAULT_MODELS[provider],
    fingerprint: "",
  };
  primary.fingerprint = await keyFingerprint(primary.apiKey);
  noteKeyFingerprint(primary.fingerprint); // LLM calls of a failing test's trace
  let fallback: LlmSetup | null = null;
  if (options.fallback) {
    const p = options.fallback.provider;
    const apiKey = options.fallback.apiKey ?? uniqueKey(`${p}-fallback`);
    fallback = {
      provider: p,
      apiKey,
      model: options.fallback.model ?? DEFAULT_MODELS[p],
      fingerprint: await keyFingerprint(apiKey),
    };
  }
  if (fallback) noteKeyFingerprint(fallback.fingerprint);
  const body: LlmConfigBody = {
    provider,
    api_key: primary.apiKey,
    model_settings: { model: primary.model },
  };
  if (fallback) {
    body.fallback = {
      provider: fallback.provider,
      api_key: fallback.apiKey,
      model_settings: { model: fallback.model },
    };
  } else if (options.fallback === null) {
    body.fallback = null;
  }
  await llmSetupWorks();
  const result = await user.api.saveLlmConfig(body);
  if (result.status !== 200) {
    throw new Error(`configure LLM for ${user.phone}: HTTP ${result.status} ${result.text}`);
  }
  return { primary, fallback };
}

export interface Sent {
  messageId: string;
  /** The sent-journal seq before the message went in: wait for replies after it. */
  since: number;
  webhookStatus: number | null;
}

/** The phone sends a WhatsApp message to Zapa (through the bridge, like a real phone). */
export async function sendWhatsApp(
  phone: string,
  text: string,
  extra: Partial<Parameters<BridgeClient["inbound"]>[0]> = {},
): Promise<Sent> {
  const since = await bridgeControl.lastSeq();
  const result = await bridgeControl.inbound({ from: phone, text, ...extra });
  return { messageId: result.message_id, since, webhookStatus: result.webhook?.status ?? null };
}

/** Waits for Zapa's next WhatsApp message to `phone` after `since`. */
export async function waitForReply(
  phone: string,
  since: number,
  timeoutMs = 20_000,
): Promise<SentItem> {
  const [item] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs });
  return item!;
}

/** Sends a message and returns Zapa's reply text (blocked when no reply works on this target). */
export async function chat(user: { phone: string }, text: string, timeoutMs = 20_000) {
  await deliveryWorks();
  const sent = await sendWhatsApp(user.phone, text);
  const reply = await waitForReply(user.phone, sent.since, timeoutMs);
  return { ...sent, reply, text: reply.text ?? "" };
}

/** This test's own calls in the mock LLM journal, found by its key's fingerprint. */
export function llmCalls(fingerprint: string): Promise<LlmJournalEntry[]> {
  return llm.requests({ key_fingerprint: fingerprint, limit: 1000 });
}

let adminClient: Promise<PrivateClient> | null = null;

/** The private API signed in as the target's admin (cached per test process). */
export function admin(): Promise<PrivateClient> {
  adminClient ??= privateApi.asAdmin(target.admin.username, target.admin.password);
  return adminClient;
}
