/**
 * Pipeline benchmark against a running stack (`.zapa/stack.json` or ZAPA_STACK_FILE): posts
 * zapw webhooks straight to the private entrypoint at a fixed rate and measures
 *  - the webhook acknowledgement (client-side latency of the POST), and
 *  - inbound → reply accepted by the bridge (the mock's sent-journal `at` minus the POST start).
 * Senders are users with an LLM configured (mock LLM), so the agent makes a real LLM call.
 *
 *   deno run -A zapa/pipeline/bench/round_trip_bench.ts --rate 100 --seconds 20 --users 50
 */
import { parseArgs } from "node:util";
import { configureLlm, createUser, target } from "../../../lib/fixtures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "20" },
    users: { type: "string", default: "50" },
    "no-llm": { type: "boolean", default: false },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const info = JSON.parse(
  await Deno.readTextFile(Deno.env.get("ZAPA_STACK_FILE") ?? ".zapa/stack.json"),
);
const hook = `${target.urls.private}/api/v1/webhooks/whatsapp?secret=${
  encodeURIComponent(info.webhook_secret)
}`;

const users: string[] = [];
for (let i = 0; i < Number(values.users); i += 10) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(10, Number(values.users) - i) }, async () => {
      const u = await createUser();
      if (!values["no-llm"]) await configureLlm(u);
      return u.phone;
    }),
  );
  users.push(...batch);
}
console.log(`users ready: ${users.length}; ${rate}/s for ${seconds} s`);

const runId = crypto.randomUUID().slice(0, 8);
const started = new Map<string, { at: number; to: string }>();
const acks: number[] = [];
const statuses: Record<number, number> = {};
const total = rate * seconds;
const t0 = performance.now();
const wall0 = Date.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = t0 + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const to = users[i % users.length]!;
  const messageId = `bench-${runId}-${i}`;
  const body = JSON.stringify({
    sessionId: "main",
    origin: "1234567890",
    eventType: "message.received",
    timestamp: Date.now(),
    data: {
      from: `${to.slice(1)}@s.whatsapp.net`,
      to: "1234567890:12@s.whatsapp.net",
      messageId,
      timestamp: Date.now(),
      isGroup: false,
      type: "text",
      text: `bench ${i}`,
    },
  });
  pending.push((async () => {
    const s = performance.now();
    started.set(messageId, { at: Date.now(), to });
    const res = await fetch(hook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await res.body?.cancel();
    acks.push(performance.now() - s);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  })());
}
await Promise.all(pending);
const sendSeconds = (performance.now() - t0) / 1000;

// Replies: wait until the bridge accepted one reply per message (or 30 s pass).
const expected = total;
const deadline = Date.now() + 30_000;
let items: { to: string; at: string; seq: number }[] = [];
while (Date.now() < deadline) {
  items = [];
  let since = 0;
  while (true) {
    const page = await fetch(`${target.urls.bridge_control}/__mock/sent?since=${since}`).then((r) =>
      r.json()
    );
    const batch = (page.items ?? []) as { to: string; at: string; seq: number }[];
    items.push(...batch.filter((it) => Date.parse(it.at) >= wall0 && users.includes(it.to)));
    if (batch.length === 0) break;
    since = batch[batch.length - 1]!.seq;
  }
  if (items.length >= expected) break;
  await new Promise((r) => setTimeout(r, 250));
}
const replyAt = new Map<string, number[]>();
for (const it of items) replyAt.set(it.to, [...(replyAt.get(it.to) ?? []), Date.parse(it.at)]);
// Per user, replies go out in message order: pair the k-th message with the k-th reply.
const sentByUser = new Map<string, number[]>();
for (const { at, to } of started.values()) sentByUser.set(to, [...(sentByUser.get(to) ?? []), at]);
const roundTrips: number[] = [];
for (const [to, sends] of sentByUser) {
  const replies = (replyAt.get(to) ?? []).sort((a, b) => a - b);
  sends.sort((a, b) => a - b).forEach((s, k) => {
    if (replies[k] !== undefined) roundTrips.push(replies[k]! - s);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, p99 ${
    pct(xs, 99).toFixed(1)
  } ms, max ${Math.max(...xs).toFixed(1)} ms`;
const lastReply = Math.max(...items.map((it) => Date.parse(it.at)));
console.log(JSON.stringify(statuses), `sent ${total} in ${sendSeconds.toFixed(1)} s`);
console.log(`webhook ack: ${fmt(acks)}`);
console.log(
  `replies: ${items.length}/${expected}; inbound → reply accepted: ${fmt(roundTrips)}; ` +
    `throughput ${(items.length / ((lastReply - wall0) / 1000)).toFixed(0)} replies/s`,
);
