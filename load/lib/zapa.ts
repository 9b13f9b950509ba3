/**
 * Zapa steps shared by the load scripts, written against the k6 API only (so they run under
 * k6 and under the Deno runner): targets from `__ENV`, unique phones, code sign-in through the
 * mock bridge journal, LLM setup, one message round trip, history and stats reads.
 *
 * Per-VU state lives in the calling script's module (k6 gives every VU its own copy of it).
 */

import http from "k6/http";
import { check, fail } from "k6";
import exec from "k6/execution";
import { Counter, Rate, Trend } from "k6/metrics";
import { setTimeout } from "k6/timers";

export interface Targets {
  publicUrl: string;
  bridgeUrl: string;
  systemNumber: string;
}

export interface Session {
  phone: string;
  token: string;
  /** Highest bridge journal seq seen for this phone (`since` of the next long-poll). */
  seq: number;
}

/** Per-VU state the scripts keep at module level. */
export interface VuState {
  session: Session | null;
  /** Consecutive failed sign-ins: back off instead of hammering a broken stack. */
  signInFailures: number;
}

export const replyRoundTrip = new Trend("reply_round_trip", true);
export const repliesReceived = new Counter("replies_received");
export const replyMissing = new Rate("reply_missing");
export const signInDuration = new Trend("sign_in_duration", true);
/** 1 when a bridge journal dropped records of this run (see `checkJournal`); a threshold fails it. */
export const journalWrapped = new Counter("bridge_journal_wrapped");

const JSON_HEADERS = { "Content-Type": "application/json" };

function trim(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Target URLs from `__ENV` (the runner fills them from `.zapa/stack.json`). */
export function targets(): Targets {
  const publicUrl = __ENV.PUBLIC_URL;
  const bridgeUrl = __ENV.BRIDGE_URL;
  if (!publicUrl || !bridgeUrl) {
    fail(
      "PUBLIC_URL and BRIDGE_URL are required: start a stack (`deno task up`) or pass -e PUBLIC_URL=… -e BRIDGE_URL=…",
    );
  }
  return {
    publicUrl: trim(publicUrl),
    bridgeUrl: trim(bridgeUrl),
    systemNumber: __ENV.SYSTEM_NUMBER ?? "+1234567890",
  };
}

/**
 * What every runner of one test agrees on (setup()'s data): the test's RUN_ID, the digits its
 * phones carry, and where the bridge's journals stood, to tell at the end whether they wrapped.
 * setup() may run on each runner or once for all (k6-operator); either way the data is the same.
 */
export interface RunData {
  runId: string;
  /** Four digits from RUN_ID, in every phone of the test. */
  digits: string;
  journal: JournalMark | null;
}

/** This runner's segment as k6 reports it (`0:1` when the test is not split). */
export function segmentOf(): string {
  return String(exec.test.options.executionSegment ?? "").trim() || "0:1";
}

/** Four digits derived from a run id: its last four when numeric, else a stable hash. */
export function runDigits(runId: string): string {
  if (/^\d+$/.test(runId)) return runId.slice(-4).padStart(4, "0");
  let h = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 0x01000193) >>> 0;
  return String(h % 10000).padStart(4, "0");
}

/**
 * The test-wide run id: `-e RUN_ID`, given the same to every runner. Without it a random id
 * is drawn; a split test stays collision-free even then (phones carry exec.vu.idInTest, run
 * ids the segment), but its runners cannot be told apart as one test, so that is warned about.
 */
export function testRunId(): string {
  const given = __ENV.RUN_ID?.trim();
  if (given) {
    if (!/^[\w.-]{1,40}$/.test(given)) fail(`RUN_ID must be 1–40 letters, digits, '.', '_' or '-'`);
    return given;
  }
  const drawn = `r${String(Math.floor(Math.random() * 10000)).padStart(4, "0")}`;
  if (segmentOf() !== "0:1") {
    console.warn(
      `segment ${segmentOf()} without -e RUN_ID: this runner drew ${drawn}; give every runner ` +
        "of the test the same -e RUN_ID so their records belong together",
    );
  }
  return drawn;
}

/**
 * This runner's own run id: the test's RUN_ID plus its segment, so texts and keys of
 * different runners (and of different tests) never collide.
 */
export function runnerRunId(data: RunData): string {
  return `${data.runId}@${segmentOf()}`;
}

/** `+<prefix:4><run:4><n:6>`, a valid E.164 number unique per (run, n) for n < 1 000 000. */
export function phoneFor(prefix: string, run: string, n: number): string {
  return `+${prefix}${run}${String(n % 1_000_000).padStart(6, "0")}`;
}

/** Where the bridge's journals (R-BRIDGE-*: sent, inbound, webhook attempts) stood at setup(). */
export interface JournalMark {
  limit: number;
  seqs: Record<string, number>;
}

async function journalState(t: Targets): Promise<JournalMark | null> {
  const res = await http.asyncRequest("GET", `${t.bridgeUrl}/__mock/state`, null, {
    tags: { name: "mock_state", kind: "mock" },
  });
  if (res.status !== 200) return null;
  const body = res.json() as {
    settings?: { journal_limit?: number };
    seqs?: Record<string, number>;
  };
  if (typeof body.settings?.journal_limit !== "number" || !body.seqs) return null;
  return { limit: body.settings.journal_limit, seqs: body.seqs };
}

/**
 * setup()'s half of the journal guard: the bridge keeps only its newest MOCK_JOURNAL_LIMIT
 * entries per journal, and the scripts read replies (and the segment test reads identities)
 * from them. A run that may write more than that fails here, before any load, naming the
 * setting and the size to give it.
 */
export async function markJournal(t: Targets, plannedEntries: number): Promise<JournalMark | null> {
  const mark = await journalState(t);
  if (mark && mark.limit < plannedEntries) {
    fail(
      `the bridge keeps ${mark.limit} entries per journal, but this test may write up to ` +
        `${plannedEntries}: start the bridge with MOCK_JOURNAL_LIMIT=${plannedEntries} ` +
        `(ZAPA_BRIDGE_JOURNAL_LIMIT=${plannedEntries} for deno task up / test)`,
    );
  }
  return mark;
}

/**
 * teardown()'s half: if any journal advanced by more than it holds since setup(), records of
 * this run were overwritten. That is reported loudly and counted in `bridge_journal_wrapped`,
 * whose threshold then fails the run (and the merged verdict of a split test).
 */
export async function checkJournal(t: Targets, mark: JournalMark | null): Promise<void> {
  const now = mark ? await journalState(t) : null;
  const wrapped = mark && now
    ? Object.keys(mark.seqs).filter((j) => (now.seqs[j] ?? 0) - (mark.seqs[j] ?? 0) > now.limit)
    : [];
  if (wrapped.length) {
    console.error(
      `ERRO bridge journal wrapped during the run (${wrapped.join(", ")}): more than ` +
        `${now?.limit} entries were written, so records of this run were lost; ` +
        `raise MOCK_JOURNAL_LIMIT`,
    );
  }
  journalWrapped.add(wrapped.length ? 1 : 0);
}

/** setup() of every script: the same data on every runner, no side effects. */
export async function setupRun(plannedEntries: number): Promise<RunData> {
  const runId = testRunId();
  const journal = await markJournal(targets(), plannedEntries);
  return { runId, digits: runDigits(runId), journal };
}

/** Journal entries a test of `messages` inbound messages from `users` new users may write. */
export function journalEntries(messages: number, users: number): number {
  // Inbound: one per message. Sent: a reply per message and a login code per user. Webhook
  // attempts: the inbound one, and sent/delivered/read for every outbound message.
  return Math.ceil(messages + 3 * (messages + users));
}

function digits(phone: string): string {
  return phone.replace(/\D/g, "");
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Think time, uniformly between `min` and `max` ms. */
export function think(min: number, max: number): Promise<void> {
  return pause(min + Math.random() * Math.max(0, max - min));
}

interface SentItem {
  seq: number;
  text: string | null;
}

interface SentPage {
  items: SentItem[];
  now: number;
}

/** One long-poll on the bridge's outbound journal for `phone`. */
export async function sentTo(
  t: Targets,
  phone: string,
  opts: { since: number; waitMs: number },
): Promise<SentPage | null> {
  const url = `${t.bridgeUrl}/__mock/sent?to=${
    digits(phone)
  }&since=${opts.since}&wait_ms=${opts.waitMs}`;
  const res = await http.asyncRequest("GET", url, null, {
    tags: { name: "mock_sent", kind: "mock" },
    timeout: opts.waitMs + 10_000,
  });
  if (res.status !== 200) return null;
  return res.json() as unknown as SentPage;
}

/**
 * Waits until the bridge has sent `phone` a message whose text matches `match`; returns it
 * and its seq, or null at the deadline.
 */
export async function awaitSent(
  t: Targets,
  phone: string,
  opts: { since: number; timeoutMs: number; match: (text: string) => boolean },
): Promise<SentItem | null> {
  const deadline = Date.now() + opts.timeoutMs;
  let since = opts.since;
  while (Date.now() < deadline) {
    const waitMs = Math.max(1, Math.min(10_000, deadline - Date.now()));
    const page = await sentTo(t, phone, { since, waitMs });
    if (!page) {
      await pause(200);
      continue;
    }
    for (const item of page.items) {
      since = Math.max(since, item.seq);
      if (item.text !== null && opts.match(item.text)) return item;
    }
  }
  return null;
}

async function postJson(url: string, body: unknown, tags: Record<string, string>, token?: string) {
  return await http.asyncRequest("POST", url, JSON.stringify(body), {
    headers: token ? { ...JSON_HEADERS, Authorization: `Bearer ${token}` } : JSON_HEADERS,
    tags,
  });
}

const CODE = /login code is (\d{6})/;

/** Code login (R-LOGIN-*): request a code, read it from the bridge journal, verify it. */
export async function signIn(t: Targets, phone: string): Promise<Session | null> {
  const started = Date.now();
  const before = await sentTo(t, phone, { since: 0, waitMs: 0 });
  const since = before?.now ?? 0;
  const req = await postJson(`${t.publicUrl}/api/v1/auth/request-code`, { phone_number: phone }, {
    name: "auth_request_code",
    kind: "api",
  });
  if (!check(req, { "request-code is 200": (r) => r.status === 200 })) return null;
  const sent = await awaitSent(t, phone, { since, timeoutMs: 20_000, match: (s) => CODE.test(s) });
  if (!check(sent, { "login code arrives on WhatsApp": (s) => s !== null }) || !sent) return null;
  const code = CODE.exec(sent.text ?? "")?.[1] ?? "";
  const verify = await postJson(
    `${t.publicUrl}/api/v1/auth/verify`,
    { phone_number: phone, code },
    {
      name: "auth_verify",
      kind: "api",
    },
  );
  const ok = check(verify, {
    "verify is 200": (r) => r.status === 200,
    "verify returns a token": (r) => r.status === 200 && typeof r.json("access_token") === "string",
  });
  if (!ok) return null;
  signInDuration.add(Date.now() - started);
  return { phone, token: verify.json("access_token") as string, seq: sent.seq };
}

/** Primary LLM config (R-LLMCFG-*) pointing at the mock LLM through Zapa's OpenAI base URL. */
export async function configureLlm(t: Targets, s: Session, apiKey: string): Promise<boolean> {
  const res = await postJson(
    `${t.publicUrl}/api/v1/llm-config`,
    { provider: "openai", api_key: apiKey, model_settings: { model: "gpt-4o-mini" } },
    { name: "llm_config", kind: "api" },
    s.token,
  );
  return check(res, { "llm-config is 200": (r) => r.status === 200 });
}

/** What the simulated phone posts, as the mock bridge answers it (R-BRIDGE-9 `/__mock/inbound`). */
export interface Inbound {
  ok: boolean;
  messageId: string;
  webhookStatus: number | null;
}

/** Simulates the user sending `text` to Zapa over WhatsApp. */
export async function sendInbound(t: Targets, from: string, text: string): Promise<Inbound> {
  const res = await postJson(`${t.bridgeUrl}/__mock/inbound`, { from, text }, {
    name: "mock_inbound",
    kind: "mock",
  });
  const body = res.status === 200 ? (res.json() as Record<string, unknown>) : {};
  const webhook = (body.webhook ?? {}) as { status?: number | null; body?: { status?: string } };
  const ok = check(res, {
    "inbound is simulated": (r) => r.status === 200,
    "webhook is accepted": () => webhook.status === 200 && webhook.body?.status === "accepted",
  });
  return { ok, messageId: String(body.message_id ?? ""), webhookStatus: webhook.status ?? null };
}

/**
 * Sends `text` and waits for the reply that quotes it (the mock LLM answers `You said: "…"`),
 * recording the round trip. Returns false when no reply came within `timeoutMs`.
 */
export async function messageRoundTrip(
  t: Targets,
  s: Session,
  text: string,
  timeoutMs: number,
): Promise<boolean> {
  const sentAt = Date.now();
  const inbound = await sendInbound(t, s.phone, text);
  if (!inbound.ok) return false;
  const reply = await awaitSent(t, s.phone, {
    since: s.seq,
    timeoutMs,
    match: (r) => r.includes(text),
  });
  replyMissing.add(reply === null);
  if (!check(reply, { "reply arrives on WhatsApp": (r) => r !== null }) || !reply) return false;
  s.seq = Math.max(s.seq, reply.seq);
  replyRoundTrip.add(Date.now() - sentAt);
  repliesReceived.add(1);
  return true;
}

/** The dashboard's reads after a message: the latest history page and the stats. */
export async function readDashboard(t: Targets, s: Session): Promise<void> {
  const auth = { Authorization: `Bearer ${s.token}` };
  const [history, stats] = await Promise.all([
    http.asyncRequest("GET", `${t.publicUrl}/api/v1/messages?limit=20`, null, {
      headers: auth,
      tags: { name: "messages_list", kind: "api" },
    }),
    http.asyncRequest("GET", `${t.publicUrl}/api/v1/messages/stats`, null, {
      headers: auth,
      tags: { name: "messages_stats", kind: "api" },
    }),
  ]);
  check(history, {
    "history is 200": (r) => r.status === 200,
    "history lists messages": (r) => r.status === 200 && (r.json("items.#") as number) > 0,
  });
  check(stats, { "stats is 200": (r) => r.status === 200 });
}

export interface UserJourney {
  data: RunData;
  thinkMs: [number, number];
  replyTimeoutMs: number;
}

/**
 * One iteration of a WhatsApp user: sign in and configure the LLM on the VU's first
 * iteration, then one message round trip, the dashboard reads and think time.
 */
export async function userIteration(state: VuState, cfg: UserJourney): Promise<void> {
  const t = targets();
  // exec.vu.idInTest, unlike __VU, is unique across all runners of a split test.
  const user = exec.vu.idInTest;
  const run = runnerRunId(cfg.data);
  if (!state.session) {
    if (state.signInFailures > 0) await pause(Math.min(10_000, 1000 * 2 ** state.signInFailures));
    const session = await signIn(t, phoneFor("1555", cfg.data.digits, user));
    if (!session || !(await configureLlm(t, session, `load-${user}-${cfg.data.runId}`))) {
      state.signInFailures++;
      return;
    }
    state.session = session;
    state.signInFailures = 0;
  }
  const n = exec.scenario.iterationInTest;
  const text = `load ${run} vu ${user} message ${n}: how is my day going?`;
  await messageRoundTrip(t, state.session, text, cfg.replyTimeoutMs);
  await readDashboard(t, state.session);
  await think(cfg.thinkMs[0], cfg.thinkMs[1]);
}
