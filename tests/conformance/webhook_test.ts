/**
 * Conformance, webhook intake (R-WEBHOOK-*, R-INTAKE-*, R-DELIVERY-*, R-WEBHOOK-8): fast-check generates zapw and legacy
 * events — hostile text, odd JIDs, wrong types, huge values, duplicate keys — and posts each to
 * the target's webhook. Every answer must be a 4xx or a 200, never a 5xx; every acknowledged
 * message must then be stored (sanitised, R-WEBHOOK-8) under its sender and, when R-WEBHOOK-* says so,
 * answered exactly once; nothing acknowledged may end in a dead letter.
 *
 * Replay a failure with the seed (and path) it prints: `ZAPA_CONFORMANCE_SEED=… [ZAPA_CONFORMANCE_PATH=…]`.
 * `ZAPA_CONFORMANCE_DEEP=1` runs many more cases; `ZAPA_CONFORMANCE_RUNS=n` sets the count.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, eventually } from "../../lib/eventually.ts";
import { admin, bridgeControl, privateApi, uniqueKey } from "../../lib/fixtures.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import { query } from "../../lib/clients/http.ts";
import type { MessageItem } from "../../lib/clients/zapa.ts";
import {
  type EventModel,
  eventModel,
  type Expectation,
  type MessageModel,
  render,
} from "./_events.ts";

const DEEP = Deno.env.get("ZAPA_CONFORMANCE_DEEP") === "1";
const SEED = Deno.env.get("ZAPA_CONFORMANCE_SEED");
const PATH = Deno.env.get("ZAPA_CONFORMANCE_PATH");
const RUNS = Number(Deno.env.get("ZAPA_CONFORMANCE_RUNS") ?? (DEEP ? 1500 : 80));
/** The private entrypoint's body limit (1 MiB): larger bodies may be refused with 413. */
const BODY_LIMIT = 1024 * 1024;
const STORE_TIMEOUT_MS = DEEP ? 15_000 : 8_000;
const REPLY_TIMEOUT_MS = 15_000;

/** A plain zapw text message to the system number; the known cases change one part of it. */
const PLAIN: MessageModel = {
  kind: "message",
  envelope: "zapw",
  sender: "jid",
  recipient: "system-device",
  session: "main",
  id: "plain",
  idSuffix: "",
  type: "text",
  text: { value: "hello" },
  caption: null,
  fileName: null,
  location: null,
  contact: null,
  isGroup: false,
  groupId: false,
  time: "ms",
  extra: {},
  duplicateKey: false,
  llm: false,
};

/** The minimal inputs this suite found in Zapa (acknowledged, then lost): always tried first. */
const KNOWN: EventModel[] = [
  // Dead-lettered "unsupported Unicode escape sequence" (jsonb metadata).
  { ...PLAIN, text: null, location: { name: "\u0000", address: "", depth: 0 } },
  // Dead-lettered "invalid byte sequence for encoding UTF8: 0x00" (text column).
  { ...PLAIN, text: { value: "a\u0000b" } },
  // A lone surrogate in a caption and a contact name (jsonb refuses the escape).
  { ...PLAIN, type: "image", text: null, caption: "\ud800", contact: "\udfff" },
  // A NUL in the WhatsApp id: must be refused, not acknowledged and dead-lettered.
  { ...PLAIN, id: "hostile", idSuffix: "\u0000" },
  // location nested 100 000 deep: 503 (JSON.stringify overflowed, then jsonb "stack depth
  // limit exceeded" on the PostgreSQL fallback).
  { ...PLAIN, location: { name: "n", address: "a", depth: 100_000 } },
];

interface Accepted {
  waId: string;
  phone: string;
  due: boolean | "either";
  body: string;
}

/** A fresh sender and id per execution, so shrinking and replays never meet old rows. */
function fresh() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  const digits = `1555${
    Array.from(bytes.slice(0, 4), (b) => String(b % 100).padStart(2, "0")).join("")
  }`;
  return { digits, id: `CF${hex}` };
}

function post(text: string) {
  return privateApi.raw<Record<string, unknown>>(
    "POST",
    `/api/v1/webhooks/whatsapp${query({ secret: target.webhook_secret })}`,
    { rawBody: text, headers: { "content-type": "application/json" }, token: null },
  );
}

interface DeadLetter {
  id: string;
  queue: string;
  message_id?: string | null;
  last_error?: string;
}

/**
 * The inbound dead letters (admin API). An overloaded stack may answer a read 503 for a moment
 * (a dependency outage, R-HTTP-*): that is the observer's problem, not the webhook's, so retry.
 */
async function inboundDeadLetters(): Promise<DeadLetter[]> {
  const api = await admin();
  const r = await eventually(async () => {
    const r = await api.raw<{ items: DeadLetter[] }>("GET", "/api/v1/admin/queue/failed");
    return r.status === 200 ? r : null;
  }, { timeoutMs: 15_000, message: "the admin dead-letter list (HTTP 200)" });
  return r.json.items.filter((i) => i.queue === "inbound");
}

/** A short rendering of a body for a failure message (1 MB strings are cut). */
function show(text: string): string {
  return describe(text, 1_500);
}

/** The inbound row with this WhatsApp id in the phone's conversation (admin API), or null. */
async function storedRow(phone: string, waId: string): Promise<MessageItem | null> {
  const api = await admin();
  const users = await api.users({ search: phone, page_size: 5 });
  const user = users.json.users?.find((u) => u.phone_number === phone);
  if (!user) return null;
  const r = await api.raw<{ messages: MessageItem[] }>(
    "GET",
    `/api/v1/admin/users/${user.id}/conversations?page_size=100`,
  );
  return r.json.messages?.find((m) =>
    m.whatsapp_message_id === waId && m.direction === "inbound"
  ) ??
    null;
}

/** Waits until the acknowledged message is stored; fails at once if it is dead-lettered. */
async function expectStored(waId: string, expect: Expectation, deadBefore: Set<string>) {
  const phone = expect.phone!;
  const found = await eventually(async () => {
    const dead = (await inboundDeadLetters()).filter((d) =>
      !deadBefore.has(d.id) && (d.message_id === waId || !d.message_id)
    );
    if (dead.length > 0) return { dead };
    const row = await storedRow(phone, waId);
    return row && { row };
  }, {
    timeoutMs: STORE_TIMEOUT_MS,
    message: `acknowledged message ${JSON.stringify(waId)} stored under ${phone}`,
  });
  if ("dead" in found) throw new Error(`acknowledged, then dead-lettered: ${describe(found.dead)}`);
  return found.row;
}

/**
 * Creates the sender with an OpenAI config on the mock LLM (admin API), so its answer comes
 * from the LLM path — the mock echoes the text — rather than the "not configured" reply.
 */
async function configureLlm(phone: string): Promise<void> {
  const api = await admin();
  const user = await api.raw<{ id: number }>("POST", "/api/v1/admin/users", {
    body: { phone_number: phone },
  });
  assert.equal(user.status, 201, `create ${phone}: ${user.text.slice(0, 300)}`);
  const config = await api.raw("POST", `/api/v1/admin/llm-config/${user.json.id}`, {
    body: {
      provider: "openai",
      api_key: uniqueKey("conformance"),
      model_settings: { model: "gpt-4o-mini" },
    },
  });
  assert.equal(config.status, 200, `configure ${phone}: ${config.text.slice(0, 300)}`);
}

/** How the generated events were answered, for the run's summary line. */
const tally = new Map<string, number>();
function count(outcome: string): void {
  tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
}

/** One generated event: post it and check what the contract promises for the answer. */
async function check(model: EventModel, accepted: Accepted[]): Promise<void> {
  const ids = fresh();
  const rendered = render(model, ids);
  if (model.kind === "message" && model.llm) await configureLlm(`+${ids.digits}`);
  const text = rendered.raw ?? JSON.stringify(rendered.body);
  const size = new TextEncoder().encode(text).length;
  const expect = rendered.expect;
  const deadBefore = expect ? new Set((await inboundDeadLetters()).map((d) => d.id)) : new Set();
  const since = expect ? await bridgeControl.lastSeq() : 0;
  const r = await post(text);
  const where = `posted ${show(text)} (${size} bytes) → HTTP ${r.status} ${r.text.slice(0, 300)}`;
  assert.ok(r.status < 500, `a 5xx: ${where}`);
  assert.ok(r.status === 200 || r.status >= 400, `neither 200 nor 4xx: ${where}`);
  count(`${model.kind} ${r.status}${r.status === 200 ? ` ${r.json?.status}` : ""}`);
  if (expect?.mustAccept && size <= BODY_LIMIT) {
    assert.equal(r.status, 200, `a well-formed message was refused: ${where}`);
    assert.equal(r.json?.status, "accepted", `a well-formed message was not accepted: ${where}`);
  }
  if (r.status !== 200 || r.json?.status !== "accepted" || !expect) return;
  const waId = r.json.message_id;
  assert.equal(typeof waId, "string", `accepted without a message_id: ${where}`);
  assert.ok(expect.phone !== null, `acknowledged, but the sender is no phone number: ${where}`);
  const row = await expectStored(waId as string, expect, deadBefore as Set<string>)
    .catch((error) => {
      throw new Error(`${(error as Error).message}; ${where}`);
    });
  if (expect.content !== undefined) {
    assert.equal(row.content, expect.content, `stored content differs: ${where}`);
  }
  if (expect.caption !== undefined) {
    assert.equal(row.caption, expect.caption, `stored caption differs: ${where}`);
  }
  const sanitized = (row.metadata as Record<string, unknown> | null)?.sanitized === true;
  if (expect.sanitized !== "either") {
    assert.equal(sanitized, expect.sanitized, `metadata.sanitized is ${sanitized}: ${where}`);
  }
  accepted.push({ waId: waId as string, phone: expect.phone!, due: expect.due, body: show(text) });
  if (sanitized) count("stored sanitized");
  if (expect.mustAccept) count("well-formed, stored");
  if (expect.due === true) {
    await bridgeControl.waitForSent({ to: expect.phone!, since, timeoutMs: REPLY_TIMEOUT_MS })
      .catch((error) => {
        throw new Error(`acknowledged and stored, but never answered: ${where}\n${error.message}`);
      });
    count("answered");
  }
}

/** After the run: each due message answered exactly once, the others never. */
async function checkAnswers(accepted: Accepted[], since: number): Promise<string[]> {
  const problems: string[] = [];
  for (const a of accepted) {
    const sent = (await bridgeControl.sent({ to: a.phone, since })).items;
    const ok = a.due === true
      ? sent.length === 1
      : a.due === false
      ? sent.length === 0
      : sent.length <= 1;
    if (!ok) {
      problems.push(`${sent.length} answer(s) to ${a.phone} (due: ${a.due}) for ${a.body}`);
    }
  }
  return problems;
}

// rules: R-WEBHOOK-5, R-WEBHOOK-8, R-SILENCE-1, R-SILENCE-2, R-SILENCE-3, R-INTAKE-9
suiteTest(
  "conformance: every generated webhook event is refused with a 4xx or acknowledged, and every acknowledged message is stored and answered once",
  { needs: ["webhook_secret"], sanitizeOps: false, sanitizeResources: false },
  async () => {
    const started = performance.now();
    const runStart = await bridgeControl.lastSeq();
    const deadAtStart = new Set((await inboundDeadLetters()).map((d) => d.id));
    const accepted: Accepted[] = [];
    let lastFailure = "";
    const property = fc.asyncProperty(eventModel, async (model) => {
      try {
        await check(model, accepted);
      } catch (error) {
        lastFailure = (error as Error).message;
        throw error;
      }
    });
    const details = await fc.check(property, {
      numRuns: RUNS,
      seed: SEED === undefined ? undefined : Number(SEED),
      path: PATH,
      examples: KNOWN.map((m) => [m]),
      endOnFailure: false,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `webhook conformance: ${details.numRuns} cases, ${details.numShrinks} shrinks, ${seconds} s, seed ${details.seed}`,
    );
    console.log(`  outcomes: ${[...tally].sort().map(([k, n]) => `${k}: ${n}`).join(", ")}`);
    if (details.failed) {
      throw new Error(
        `webhook conformance failed after ${details.numRuns} cases (${details.numShrinks} shrinks).\n` +
          `replay: ZAPA_CONFORMANCE_SEED=${details.seed} ZAPA_CONFORMANCE_PATH=${details.counterexamplePath}\n` +
          `minimal event model: ${describe(details.counterexample?.[0], 3_000)}\n` +
          `minimal failure: ${lastFailure}\n${await logTail(["private"], 20)}`,
      );
    }
    const problems = await checkAnswers(accepted, runStart);
    const dead = (await inboundDeadLetters()).filter((d) => !deadAtStart.has(d.id));
    for (const d of dead) problems.push(`an inbound dead letter appeared: ${describe(d)}`);
    assert.deepEqual(problems, [], `seed ${details.seed}:\n${problems.join("\n")}`);
  },
);
