/**
 * The load side of the pipeline benchmarks: an open-model sender that POSTs realistic zapw
 * `message.received` webhooks straight to the private entrypoint at a constant rate (it does
 * not wait for answers before sending the next one), benchmark users with a mock-LLM key, and
 * the pairing of each inbound message with its reply in the bridge's sent journal.
 *
 * Runs inside the benchmark worker: `lib/fixtures.ts` resolves the stack from ZAPA_STACK_FILE.
 */
import { configureLlm, createUser, target } from "../../../lib/fixtures.ts";
import { BridgeClient } from "../../../lib/clients/bridge.ts";
import { jid, messageReceived } from "../../../mock_bridge/envelopes.ts";
import { preciseNow } from "../../../mock_bridge/clock.ts";
import type { RunResult } from "./scenarios.ts";

export interface BenchUser {
  phone: string;
  apiKey: string;
}

/**
 * Where a run's load goes, and where its replies are read: Zapa (its webhook; its stack's
 * bridge) or the ceiling loop (its receiver; a bridge of its own, so that neither loop's sends,
 * receipts or journal reads land on the other's processes).
 */
export interface LoadTarget {
  /** The URL the sender POSTs the webhooks to. */
  url: string;
  /** Control URL of the bridge whose sent journal holds the replies. */
  bridgeControl: string;
}

/** Zapa's private webhook, its replies in the stack's bridge. */
export function zapaTarget(): LoadTarget {
  return { url: webhookUrl(), bridgeControl: target.urls.bridge_control };
}

/** One webhook POST as the sender saw it. */
export interface Shot {
  /** Token in the text; the mock LLM echoes it, so the reply names its message. */
  token: string;
  phone: string;
  /** The WhatsApp id of the inbound message (what Zapa's trace endpoint is asked for). */
  messageId: string;
  /** performance.now() when the POST was due and when it actually started. */
  due: number;
  start: number;
  /** Wall clock in ms (sub-ms) when the POST started (comparable with the journal's `at_ms`). */
  wall: number;
  /** Acknowledgement latency (POST start → response body read), ms; NaN on a network error. */
  ack: number;
  /** Index of the target it went to (SendPlan.to); 0 with one target. */
  target: number;
  status: number;
  body: string;
}

/**
 * Creates `count` users through the public API (code login) and gives each an OpenAI key for
 * the mock LLM; `keySuffix` appends fault directives such as `_mock-latency-1000`.
 */
export async function createBenchUsers(
  count: number,
  options: { keySuffix?: string; parallel?: number } = {},
): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  const parallel = options.parallel ?? 16;
  let next = 0;
  const one = async () => {
    while (next < count) {
      next++;
      const user = await createUser();
      const apiKey = `sk-bench-${crypto.randomUUID().slice(0, 12)}${options.keySuffix ?? ""}`;
      await configureLlm(user, { provider: "openai", apiKey });
      users.push({ phone: user.phone, apiKey });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, one));
  return users;
}

/** The webhook URL with the stack's secret in the query, as zapw calls it. */
export function webhookUrl(): string {
  if (!target.webhook_secret) throw new Error("the target publishes no webhook secret");
  return `${target.urls.private}/api/v1/webhooks/whatsapp?secret=${
    encodeURIComponent(target.webhook_secret)
  }`;
}

/** A zapw `message.received` envelope exactly as the bridge would post it. */
export function zapwMessage(phone: string, messageId: string, text: string): string {
  const system = target.system_number.replace(/\D/g, "");
  return JSON.stringify(messageReceived({
    sessionId: target.session_id,
    origin: system,
    from: phone,
    to: jid(system, 12),
    messageId,
    text,
    timestamp: Math.floor(Date.now() / 1000),
  }));
}

export interface SendPlan {
  users: readonly BenchUser[];
  /** Messages per second. */
  rate: number;
  /** How many messages. */
  count: number;
  /** Distinguishes this run's tokens and message ids. */
  runId: string;
  /** At most this many POSTs in flight (a safety cap; the sender reports when it was hit). */
  maxInFlight?: number;
  /**
   * Where to POST (default: Zapa). With several targets the schedule alternates between them
   * slice by slice (`sliceMs`, first target first), and each shot names its target's index.
   */
  to?: LoadTarget | readonly LoadTarget[];
  /** Length of one target's turn when `to` has several, ms (default 1 000). */
  sliceMs?: number;
}

export interface SendResult {
  shots: Shot[];
  /** Wall time from the first due time to the last POST start, s. */
  spanS: number;
  /** Achieved start rate, messages/s. */
  achievedRate: number;
  /** How late POSTs started against their schedule, ms (the generator's own lag). */
  lag: number[];
  /** Times the in-flight cap held a POST back. */
  capped: number;
}

/**
 * Open-model sender: message i is due at t0 + i/rate and is started then (or at once when the
 * generator is late), whether or not earlier POSTs have been answered.
 */
export async function sendAtRate(plan: SendPlan): Promise<SendResult> {
  const targets = [plan.to ?? zapaTarget()].flat();
  const sliceMs = plan.sliceMs ?? 1000;
  const shots: Shot[] = [];
  const lag: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = plan.maxInFlight ?? 512;
  let capped = 0;
  const t0 = performance.now() + 20;
  let lastStart = t0;
  for (let i = 0; i < plan.count; i++) {
    const due = t0 + (i * 1000) / plan.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= maxInFlight) {
      capped++;
      await Promise.race(inFlight);
    }
    const shot = startShot(plan.runId, i, plan.users[i % plan.users.length]!.phone, due);
    shot.target = Math.floor((due - t0) / sliceMs) % targets.length;
    lastStart = shot.start;
    lag.push(shot.start - due);
    shots.push(shot);
    const p = post(targets[shot.target]!.url, shot).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const spanS = Math.max(0.001, (lastStart - t0) / 1000);
  return { shots, spanS, achievedRate: (plan.count - 1) / spanS, lag, capped };
}

/** Message `i` of a run, from `phone`, starting now: its token, WhatsApp id and clocks. */
function startShot(runId: string, i: number, phone: string, due?: number): Shot {
  const start = performance.now();
  return {
    token: `${runId}-${i}`,
    phone,
    messageId: `BENCH${runId}${i}`.toUpperCase(),
    due: due ?? start,
    start,
    // The bridge journal's clock (a round trip is its `at_ms` minus this).
    wall: preciseNow(),
    ack: NaN,
    target: 0,
    status: 0,
    body: "",
  };
}

/** POSTs the shot's webhook and records its acknowledgement on it. */
async function post(url: string, shot: Shot): Promise<void> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-event": "message.received" },
      body: zapwMessage(shot.phone, shot.messageId, `bench ${shot.token}`),
    });
    const text = await res.text();
    shot.ack = performance.now() - shot.start;
    shot.status = res.status;
    if (res.status !== 200) shot.body = text.slice(0, 200);
  } catch (error) {
    shot.status = 0;
    shot.body = String(error).slice(0, 200);
  }
}

export interface Reply {
  at: number;
  text: string;
}

/** One page of the bridge's sent journal after `since`: each entry's seq, bench token, reply. */
async function sentAfter(
  bridge: string,
  since: number,
  waitMs: number,
): Promise<{ seq: number; token?: string; reply: Reply }[]> {
  const res = await fetch(`${bridge}/__mock/sent?since=${since}&wait_ms=${waitMs}`);
  const page = await res.json() as {
    items: { seq: number; text: string | null; at: string; at_ms?: number }[];
  };
  return page.items.map((item) => ({
    seq: item.seq,
    token: /bench ([\w-]+)/.exec(item.text ?? "")?.[1],
    reply: { at: item.at_ms ?? Date.parse(item.at), text: item.text ?? "" },
  }));
}

/** The sent-journal seq of a bridge (its control URL; Zapa's by default) now: later replies come after it. */
export function journalMark(bridge = target.urls.bridge_control): Promise<number> {
  return new BridgeClient(bridge).lastSeq();
}

/**
 * A warm-up of `warmupS` seconds at `rate` (connections, JIT and pools settle; not recorded),
 * then `seconds` at `rate`, measured. With several targets both alternate between them slice by
 * slice (SendPlan.to). `since` marks each target's sent journal between the two.
 */
export async function warmUpThenSend(
  users: readonly BenchUser[],
  options: {
    rate: number;
    seconds: number;
    warmupS: number;
    to?: LoadTarget | readonly LoadTarget[];
    sliceMs?: number;
  },
): Promise<{ since: number[]; sent: SendResult }> {
  const { rate, sliceMs } = options;
  const targets = [options.to ?? zapaTarget()].flat();
  await sendAtRate({
    users,
    rate,
    count: Math.round(rate * options.warmupS),
    runId: newRunId(),
    to: targets,
    sliceMs,
  });
  const since = await Promise.all(targets.map((t) => journalMark(t.bridgeControl)));
  const sent = await sendAtRate({
    users,
    rate,
    count: Math.round(rate * options.seconds),
    runId: newRunId(),
    to: targets,
    sliceMs,
  });
  return { since, sent };
}

/** A constant-rate benchmark's schedule, from its parameters. */
export interface Schedule {
  rate: number;
  seconds: number;
  warmupS: number;
  /** A target's turn when Zapa and the ceiling loop alternate, ms. */
  sliceMs?: number;
}

export function scheduleOf(params: Record<string, number>, defaultRate: number): Schedule {
  return {
    rate: params.rate ?? defaultRate,
    seconds: params.seconds ?? 30,
    warmupS: params.warmup_s ?? 3,
    sliceMs: params.slice_ms,
  };
}

/**
 * One paired run of a constant-rate benchmark: a schedule that alternates between Zapa and the
 * ceiling loop a slice at a time, each getting `seconds` of the rate after `warmupS` of warm-up
 * (twice the messages in all); `result` turns one target's shots (target 0 is Zapa) into its
 * figures.
 */
export async function inTurns(
  users: readonly BenchUser[],
  plan: Schedule,
  ceiling: LoadTarget,
  result: (
    shots: Shot[],
    sent: SendResult,
    since: number,
    to: LoadTarget,
    target: number,
  ) => Promise<RunResult>,
): Promise<{ zapa: RunResult; ceiling: RunResult }> {
  const targets = [zapaTarget(), ceiling];
  const { since, sent } = await warmUpThenSend(users, {
    ...plan,
    seconds: 2 * plan.seconds,
    warmupS: 2 * plan.warmupS,
    to: targets,
  });
  const [zapa, loop] = await Promise.all(
    targets.map((to, i) =>
      result(sent.shots.filter((s) => s.target === i), sent, since[i]!, to, i)
    ),
  );
  return { zapa: zapa!, ceiling: loop! };
}

/**
 * Waits until every token has a reply in the sent journal after `since` (or the deadline
 * passes) and returns the replies by token, with the bridge's accept time.
 */
export async function collectReplies(
  since: number,
  tokens: readonly string[],
  options: {
    deadlineMs: number;
    counts?: { duplicates: number };
    /** Control URL of the bridge that journals the replies (default Zapa's). */
    bridge?: string;
  },
): Promise<Map<string, Reply>> {
  const bridge = options.bridge ?? target.urls.bridge_control;
  const wanted = new Set(tokens);
  const found = new Map<string, Reply>();
  const deadline = Date.now() + options.deadlineMs;
  let cursor = since;
  while (found.size < wanted.size && Date.now() < deadline) {
    for (const { seq, token, reply } of await sentAfter(bridge, cursor, 1000)) {
      cursor = Math.max(cursor, seq);
      if (token === undefined) continue;
      if (wanted.has(token) && !found.has(token)) {
        found.set(token, reply);
      } else if (found.has(token) && options.counts) {
        options.counts.duplicates++; // a second reply to the same message, seen while collecting
      }
    }
  }
  return found;
}

export interface ClosedLoopPlan {
  /** Each user keeps exactly one message in flight: the run's concurrency. */
  users: readonly BenchUser[];
  /** How long users keep sending, s. */
  seconds: number;
  /** Distinguishes this run's tokens and message ids. */
  runId: string;
  /** How long one reply may take before its user gives up (counted as missing), ms. */
  replyTimeoutMs?: number;
  /** Where to POST and read the replies (default: Zapa). */
  to?: LoadTarget;
}

export interface ClosedLoopResult {
  shots: Shot[];
  replies: Map<string, Reply>;
  /** Wall clock (ms) when the users started and when they stopped starting new messages. */
  wall0: number;
  wallEnd: number;
  /** Replies seen again for a message that already had one. */
  duplicates: number;
}

/**
 * Closed-model sender: every user sends a message, waits for its reply in the bridge's sent
 * journal, then sends the next, until `seconds` have passed. The offered load follows what the
 * target can do, so no backlog builds up and the sender costs the box in proportion to the
 * replies: the replies/s of Zapa and of the ceiling loop, each at saturation with the same
 * users, are comparable (an open-model rate below the loop's capacity measured the offered rate,
 * not the loop).
 */
export async function sendClosedLoop(plan: ClosedLoopPlan): Promise<ClosedLoopResult> {
  const to = plan.to ?? zapaTarget();
  const replyTimeoutMs = plan.replyTimeoutMs ?? 30_000;
  const shots: Shot[] = [];
  const replies = new Map<string, Reply>();
  const waiting = new Map<string, (reply: Reply) => void>();
  let duplicates = 0;
  let following = true;
  let cursor = await journalMark(to.bridgeControl);
  // One journal reader for all users: a long poll that hands each reply to its waiting user.
  const follower = (async () => {
    while (following) {
      for (const { seq, token, reply } of await sentAfter(to.bridgeControl, cursor, 200)) {
        cursor = Math.max(cursor, seq);
        if (token === undefined) continue;
        if (replies.has(token)) {
          duplicates++;
          continue;
        }
        replies.set(token, reply);
        waiting.get(token)?.(reply);
        waiting.delete(token);
      }
    }
  })();
  const wall0 = Date.now();
  const end = wall0 + plan.seconds * 1000;
  let sequence = 0;
  /** The reply to `token`: already journaled, or the next one the follower sees in time. */
  const replyTo = (token: string) =>
    replies.get(token) ??
      new Promise<Reply | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(token);
          resolve(undefined);
        }, replyTimeoutMs);
        waiting.set(token, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
      });
  const user = async (u: BenchUser) => {
    while (Date.now() < end) {
      const shot = startShot(plan.runId, sequence++, u.phone);
      shots.push(shot);
      await post(to.url, shot);
      if (shot.status !== 200) continue; // refused: no reply is coming
      if (await replyTo(shot.token) === undefined) return; // its reply is missing: it stops
    }
  };
  await Promise.all(plan.users.map(user));
  const wallEnd = Math.min(Date.now(), end);
  following = false;
  await follower;
  return { shots, replies, wall0, wallEnd, duplicates };
}

/** Count of statuses, e.g. `{ "200": 3999, "0": 1 }`. */
export function statusCounts(shots: readonly Shot[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of shots) counts[String(s.status)] = (counts[String(s.status)] ?? 0) + 1;
  return counts;
}

/** A short random id for one run's tokens. */
export function newRunId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 8);
}
