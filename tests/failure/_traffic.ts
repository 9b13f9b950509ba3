/**
 * Steady traffic for the replica drills and the three figures they are judged by, all taken
 * from the bridge's journals: messages the bridge dropped (every webhook attempt failed),
 * accepted messages never answered (lost), replies sent more than once (duplicates), and
 * replies out of a user's order. Figures are printed and written to `reports/failure/`.
 */
import { bridgeControl, sendWhatsApp, type TestUser } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { target } from "../../lib/target.ts";
import type { WebhookAttempt } from "../../lib/clients/bridge.ts";
import { parseProxyStats } from "../../lib/stack/mod.ts";
import postgres from "postgres";
import { WEBHOOK_ATTEMPTS } from "./_drill.ts";

export interface Sent {
  phone: string;
  /** Index among this user's messages (0, 1, …), in the order the user sent them. */
  index: number;
  text: string;
  messageId: string;
  /** When the bridge was asked to deliver it (ms since the epoch). */
  at: number;
}

export interface Traffic {
  /** Stops sending and returns every message sent, per user in order. */
  stop(): Promise<Sent[]>;
  /** Messages sent so far. */
  readonly count: number;
}

/**
 * Each user sends `perUserPerSecond` messages a second, one after the other (so a user's
 * order is defined), open-loop: a slow answer is caught up on, not waited out. The pacing is
 * the scenario (load during a fault), not a wait for a result.
 */
export function steadyTraffic(
  users: readonly TestUser[],
  options: { perUserPerSecond: number; label: string },
): Traffic {
  const sent: Sent[] = [];
  let running = true;
  const gapMs = 1000 / options.perUserPerSecond;
  const loops = users.map(async (user, u) => {
    const started = performance.now() + (u * gapMs) / users.length;
    for (let i = 0; running; i++) {
      const wait = started + i * gapMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (!running) break;
      const text = `${options.label} u${u} #${i}`;
      const at = Date.now();
      const result = await bridgeControl.inbound({ from: user.phone, text });
      sent.push({ phone: user.phone, index: i, text, messageId: result.message_id, at });
    }
  });
  return {
    get count() {
      return sent.length;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return sent;
    },
  };
}

/** The webhook journal's position now: attempts after it belong to what follows. */
export async function webhookCursor(): Promise<number> {
  return (await bridgeControl.webhooks({ since: Number.MAX_SAFE_INTEGER })).now;
}

export interface BridgeVerdict {
  /** Acknowledged (some attempt got a 2xx). */
  acknowledged: Sent[];
  /** Dropped by the bridge: every attempt failed. */
  dropped: Sent[];
  /** Acknowledged only on a second or third attempt. */
  retriedByBridge: number;
  /** Failed attempts (non-2xx or network error), and the first and last of them. */
  failedAttempts: number;
  refusedFrom: string | null;
  refusedTo: string | null;
}

/**
 * Waits until the bridge is done with every message's webhook (a 2xx, or out of attempts) and
 * sorts them, from the bridge's own journal of attempts.
 */
export async function bridgeVerdict(sent: Sent[], since: number): Promise<BridgeVerdict> {
  const byId = new Map<string, WebhookAttempt[]>();
  const settled = (id: string) => {
    const attempts = byId.get(id) ?? [];
    return attempts.some((a) => a.status >= 200 && a.status < 300) ||
      attempts.some((a) => a.attempt >= WEBHOOK_ATTEMPTS);
  };
  let cursor = since;
  await eventually(async () => {
    const page = await bridgeControl.webhooks({ event_type: "message.received", since: cursor });
    for (const a of page.items) {
      if (!a.message_id) continue;
      byId.set(a.message_id, [...(byId.get(a.message_id) ?? []), a]);
      cursor = Math.max(cursor, a.seq);
    }
    return sent.every((m) => settled(m.messageId));
  }, {
    timeoutMs: 30_000,
    message: "the bridge to settle every webhook (acknowledged or out of attempts)",
    onTimeout: () =>
      Promise.resolve(`unsettled: ${sent.filter((m) => !settled(m.messageId)).length}`),
  });
  const acknowledged: Sent[] = [];
  const dropped: Sent[] = [];
  let retriedByBridge = 0;
  const failed: WebhookAttempt[] = [];
  for (const m of sent) {
    const attempts = byId.get(m.messageId) ?? [];
    failed.push(...attempts.filter((a) => a.status < 200 || a.status >= 300));
    const ok = attempts.find((a) => a.status >= 200 && a.status < 300);
    if (!ok) dropped.push(m);
    else {
      acknowledged.push(m);
      if (ok.attempt > 1) retriedByBridge++;
    }
  }
  const times = failed.map((a) => a.at).sort();
  return {
    acknowledged,
    dropped,
    retriedByBridge,
    failedAttempts: failed.length,
    refusedFrom: times[0] ?? null,
    refusedTo: times.at(-1) ?? null,
  };
}

export interface ReplyVerdict {
  /** Acknowledged messages with no reply by the deadline. */
  lost: string[];
  /** Extra copies of a reply (a reply sent n times counts n − 1). */
  duplicates: string[];
  /** For each of `duplicates`, when the bridge accepted its first copy (ms since the epoch). */
  duplicateFirstAt: number[];
  /** Replies that went out after the reply to a later message of the same user. */
  outOfOrder: string[];
  /**
   * Those of `outOfOrder` overtaken only by messages Zapa stored straight in PostgreSQL
   * because Redis timed out (`metadata.intake = "postgresql"`, R-INTAKE-2): that message
   * skipped the queue the earlier ones waited in.
   */
  overtakenByFallback: string[];
  /** Messages of the drill stored through the PostgreSQL fallback. */
  intakeFallbacks: number;
  /** Replies to dropped messages (Zapa may have stored one before the webhook failed). */
  answeredDropped: number;
}

const reply = (text: string) => `You said: "${text}"`;

/**
 * Waits until every acknowledged message is answered (or the deadline), then sends one marker
 * per user and waits for its reply, so a late duplicate has had its chance to show; then counts
 * lost, duplicate and out-of-order replies from the bridge's sent journal.
 */
export async function replyVerdict(
  acknowledged: Sent[],
  dropped: Sent[],
  options: { since: number; timeoutMs?: number },
): Promise<ReplyVerdict> {
  const phones = [...new Set([...acknowledged, ...dropped].map((m) => m.phone))];
  const texts = async (phone: string) =>
    (await bridgeControl.sent({ to: phone, since: options.since })).items.map((i) => i.text ?? "");
  const unanswered = async () => {
    const missing: string[] = [];
    for (const phone of phones) {
      const have = new Set(await texts(phone));
      for (const m of acknowledged) {
        if (m.phone === phone && !have.has(reply(m.text))) missing.push(m.text);
      }
    }
    return missing;
  };
  let lost: string[] = [];
  await eventually(async () => (lost = await unanswered()).length === 0, {
    timeoutMs: options.timeoutMs ?? 90_000,
    message: "a reply to every acknowledged message",
  }).catch(() => {}); // counted below: the verdict reports the figure, the test asserts it
  lost = await unanswered();
  const marker = "marker after the drill";
  await Promise.all(phones.map((phone) => sendWhatsApp(phone, marker)));
  await eventually(async () => {
    for (const phone of phones) if (!(await texts(phone)).includes(reply(marker))) return false;
    return true;
  }, { timeoutMs: 30_000, message: "the marker replies" }).catch(() => {});

  const fallback = await fallbackStored([...acknowledged, ...dropped].map((m) => m.messageId));
  const duplicates: string[] = [];
  const duplicateFirstAt: number[] = [];
  const outOfOrder: string[] = [];
  const overtakenByFallback: string[] = [];
  let answeredDropped = 0;
  for (const phone of phones) {
    const items = (await bridgeControl.sent({ to: phone, since: options.since })).items;
    const journal = items.map((i) => i.text ?? "");
    const counts = new Map<string, number>();
    for (const t of journal) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, n] of counts) {
      const first = Date.parse(items.find((i) => i.text === t)!.at);
      for (let k = 1; k < n; k++) {
        duplicates.push(t);
        duplicateFirstAt.push(first);
      }
    }
    const index = new Map(
      [...acknowledged, ...dropped].filter((m) => m.phone === phone).map((m) => [reply(m.text), m]),
    );
    const answered: Sent[] = [];
    for (const t of journal) {
      const m = index.get(t);
      if (!m) continue;
      const overtakers = answered.filter((a) => a.index > m.index);
      if (overtakers.length > 0) {
        outOfOrder.push(m.text);
        if (overtakers.every((a) => fallback.has(a.messageId))) overtakenByFallback.push(m.text);
      }
      answered.push(m);
    }
    answeredDropped += dropped.filter((m) => m.phone === phone && counts.has(reply(m.text)))
      .length;
  }
  return {
    lost,
    duplicates,
    duplicateFirstAt,
    outOfOrder,
    overtakenByFallback,
    intakeFallbacks: fallback.size,
    answeredDropped,
  };
}

/** Which of these WhatsApp ids Zapa stored through the PostgreSQL fallback (needs the database). */
async function fallbackStored(ids: string[]): Promise<Set<string>> {
  if (!target.database || ids.length === 0) return new Set();
  const sql = postgres(target.database, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string }[]>`
      SELECT whatsapp_message_id AS id FROM messages
      WHERE whatsapp_message_id = ANY(${ids}) AND metadata->>'intake' = 'postgresql'`;
    return new Set(rows.map((r) => r.id));
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The proxy's retry counters for private's webhook backend (null without a proxy). */
export async function proxyRetries(): Promise<{ retries: number; redispatches: number } | null> {
  const url = target.proxy?.stats.private;
  if (!url) return null;
  const csv = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  const backend = parseProxyStats(csv).find((r) =>
    r.backend === "private_replay" && r.server === "BACKEND"
  );
  return { retries: backend?.retries ?? 0, redispatches: backend?.redispatches ?? 0 };
}

/** Webhooks the proxy has passed to `instance` since it started (null without a proxy). */
export async function proxiedTo(instance: string): Promise<number | null> {
  const url = target.proxy?.stats.private;
  if (!url) return null;
  const csv = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  const server = instance.replace("#", "_");
  return parseProxyStats(csv).find((r) => r.backend === "private_replay" && r.server === server)
    ?.sessions ?? 0;
}

/** Waits until the proxy sends webhooks to `instance` again (its server is UP). */
export async function proxyRoutesTo(instance: string): Promise<void> {
  const url = target.proxy?.stats.private;
  if (!url) return;
  const server = instance.replace("#", "_");
  let status = "";
  await eventually(async () => {
    const csv = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    status = parseProxyStats(csv).find((r) =>
      r.backend === "private_replay" && r.server === server
    )?.status ?? "absent";
    return status === "UP";
  }, {
    timeoutMs: 30_000,
    message: `the proxy to route to ${instance}`,
    onTimeout: () => Promise.resolve(`last status: ${status}`),
  });
}

/** Prints the figures and writes them to `reports/failure/<name>.json`. */
export async function report(name: string, figures: Record<string, unknown>): Promise<void> {
  const body = { drill: name, at: new Date().toISOString(), ...figures };
  console.log(`${name}: ${JSON.stringify(figures)}`);
  await Deno.mkdir("reports/failure", { recursive: true });
  await Deno.writeTextFile(`reports/failure/${name}.json`, JSON.stringify(body, null, 2) + "\n");
}

/**
 * One counter from one Zapa instance's `/metrics`, summed over the series whose labels contain
 * `label` (all of them when empty); 0 while the instance is down.
 */
export async function instanceMetric(url: string, metric: string, label = ""): Promise<number> {
  let text: string;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    text = await res.text();
  } catch {
    return 0;
  }
  return text.split("\n")
    .filter((l) => (l.startsWith(`${metric}{`) || l.startsWith(`${metric} `)) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}
