/**
 * Outage drills for the failure suite: users that talk during an outage, messages spread over
 * the outage window, and the proof that afterwards every accepted message got exactly one
 * reply (R-OUTAGE-* loss rules). These tests stop and kill services, so the failure group
 * runs serially on a stack of its own.
 */
import assert from "node:assert/strict";
import {
  bridgeControl,
  configureLlm,
  createUser,
  sendWhatsApp,
  type TestUser,
} from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, target } from "../../lib/target.ts";
import type { ControlledService } from "../../lib/stack/mod.ts";

/** How long each outage lasts (R-OUTAGE-*: 30 s). `ZAPA_OUTAGE_SECONDS` shortens it locally. */
export const OUTAGE_SECONDS = Number(Deno.env.get("ZAPA_OUTAGE_SECONDS") ?? 30);

export interface Injected {
  phone: string;
  text: string;
  messageId: string;
  webhookStatus: number | null;
}

/**
 * Both entrypoints answer `/ready` 200: each drill starts from a healthy stack, whatever the
 * previous one broke and restored (public reconnects to the stores on its own schedule).
 */
export async function stackReady(): Promise<void> {
  await Promise.all([
    waitForReadiness(target.urls.private, { ready: true }, 30_000),
    waitForReadiness(target.urls.public, { ready: true }, 30_000),
  ]);
}

/** Signed-in users with an LLM configured (the mock answers `You said: "<text>"`). */
export async function talkers(count: number, apiKey?: (i: number) => string): Promise<TestUser[]> {
  await stackReady();
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const user = await createUser();
      await configureLlm(user, apiKey ? { apiKey: apiKey(i) } : {});
      return user;
    }),
  );
}

/**
 * Sends `count` messages round-robin from `users`, spread evenly over `seconds`, while the
 * outage lasts. The pacing is the scenario itself (messages keep arriving during the outage),
 * not a wait for a result.
 */
export async function injectDuring(
  users: TestUser[],
  options: { count: number; seconds: number; label: string },
): Promise<Injected[]> {
  const injected: Injected[] = [];
  const gapMs = (options.seconds * 1000) / options.count;
  const started = performance.now();
  for (let i = 0; i < options.count; i++) {
    const user = users[i % users.length]!;
    const text = `${options.label} #${i + 1}`;
    const sent = await sendWhatsApp(user.phone, text);
    injected.push({
      phone: user.phone,
      text,
      messageId: sent.messageId,
      webhookStatus: sent.webhookStatus,
    });
    const next = started + (i + 1) * gapMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return injected;
}

/**
 * Proves exactly one reply per injected message: every message is answered; then a marker
 * message per user is answered too, and the journal holds exactly one reply per message and
 * per marker — so no late duplicate can hide. `maybe` lists messages whose webhook was never
 * acknowledged (e.g. the process died while storing it): Zapa may have kept them, so each may
 * get at most one reply, at any time.
 */
export async function assertExactlyOneReplyEach(
  injected: Injected[],
  options: {
    since: number;
    timeoutMs?: number;
    expectText?: (text: string) => string;
    services?: ControlledService[];
    maybe?: Injected[];
    /**
     * A crash between the bridge accepting a send and Zapa recording it can repeat that one
     * send (zapw has no idempotency key). A repeat is tolerated only when its first copy was
     * accepted inside this window (ms since the epoch) — the moments around a kill -9.
     */
    crashWindow?: { from: number; to: number };
    /**
     * How many sends Zapa itself says it left in doubt and sent again (its
     * `zapa_outbound_in_doubt_total{outcome="resent"}`), read once every reply is in: that many
     * repeats outside the crash window are forgiven too. A starved process may record an
     * accepted send's outcome later than any fixed window, and then resends it by design
     * (R-INTAKE-8: repeated once rather than lost); a repeat beyond Zapa's own count still fails.
     */
    resentInDoubt?: () => Promise<number>;
    /** Runs once every message is answered, before the markers (e.g. ends an LLM outage). */
    beforeMarkers?: () => Promise<void>;
  },
): Promise<{ repeatedInCrashWindow: string[]; repeatedInDoubt: string[] }> {
  const repeatedInCrashWindow: string[] = [];
  const repeatedInDoubt: string[] = [];
  let inDoubtAllowance: number | undefined;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const expected = options.expectText ?? ((text) => `You said: "${text}"`);
  const byPhone = new Map<string, { must: string[]; may: string[] }>();
  const entry = (phone: string) => {
    const found = byPhone.get(phone) ?? { must: [], may: [] };
    byPhone.set(phone, found);
    return found;
  };
  for (const m of injected) entry(m.phone).must.push(expected(m.text));
  for (const m of options.maybe ?? []) entry(m.phone).may.push(expected(m.text));
  const logs = () => logTail(options.services ?? ["private", "bridge"]);
  const sentItems = async (phone: string) =>
    (await bridgeControl.sent({ to: phone, since: options.since })).items;
  const sentTexts = async (phone: string) => (await sentItems(phone)).map((i) => i.text ?? "");

  // Texts may repeat (an LLM outage answers every message with the same sentence), so every
  // count below is per text: `need` replies for the messages that must be answered, up to
  // `need + may` with the unacknowledged ones.
  const tally = (list: string[]) => {
    const counts = new Map<string, number>();
    for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  };
  const missing = (want: Map<string, number>, texts: string[]) => {
    const have = tally(texts);
    return [...want].filter(([t, n]) => (have.get(t) ?? 0) < n).map(([t, n]) =>
      `${JSON.stringify(t)} ×${n - (have.get(t) ?? 0)}`
    );
  };

  for (const [phone, { must }] of byPhone) {
    const want = tally(must);
    let texts: string[] = [];
    await eventually(async () => {
      texts = await sentTexts(phone);
      return missing(want, texts).length === 0;
    }, {
      timeoutMs,
      message: `a reply to each of ${must.length} message(s) from ${phone}`,
      onTimeout: async () =>
        `missing: ${missing(want, texts).join(", ")}\nseen: ${
          JSON.stringify(texts)
        }\n${await logs()}`,
    });
  }
  // Markers: each user's next message is answered after everything it sent before was
  // ingested, so a duplicate of an earlier reply would already be in the journal by then.
  await options.beforeMarkers?.();
  const marker = expected("marker after recovery");
  for (const [phone, { must, may }] of byPhone) {
    await sendWhatsApp(phone, "marker after recovery");
    // The marker's reply is one more wanted text (it may equal the others, e.g. "unavailable").
    const want = tally([...must, marker]);
    let seen: string[] = [];
    await eventually(async () => {
      seen = await sentTexts(phone);
      return missing(want, seen).length === 0;
    }, {
      timeoutMs,
      message: `the marker reply to ${phone}`,
      onTimeout: async () => `seen: ${JSON.stringify(seen)}\n${await logs()}`,
    });
    const items = await sentItems(phone);
    const texts = items.map((i) => i.text ?? "");
    const have = tally(texts);
    inDoubtAllowance ??= options.resentInDoubt ? await options.resentInDoubt() : 0;
    const need = want;
    const extra = tally(may);
    const inCrashWindow = (t: string) => {
      const first = items.find((i) => i.text === t);
      const at = first ? Date.parse(first.at) : NaN;
      const w = options.crashWindow;
      return w !== undefined && at >= w.from && at <= w.to;
    };
    const problems: string[] = [];
    for (const t of new Set([...must, ...may, marker])) {
      const n = have.get(t) ?? 0;
      const min = need.get(t) ?? 0;
      const max = min + (extra.get(t) ?? 0);
      if (n === max + 1 && inCrashWindow(t)) repeatedInCrashWindow.push(t);
      else if (n === max + 1 && inDoubtAllowance > 0) {
        inDoubtAllowance--;
        repeatedInDoubt.push(t);
      } else if (n < min || n > max) {
        problems.push(
          `${JSON.stringify(t)}: expected ${min === max ? min : `${min}–${max}`}, saw ${n}`,
        );
      }
    }
    const known = new Set([...must, ...may, marker]);
    const unexpected = texts.filter((t) => !known.has(t));
    if (unexpected.length > 0) problems.push(`unexpected sends: ${JSON.stringify(unexpected)}`);
    if (problems.length > 0) {
      assert.fail(
        `exactly one reply per message to ${phone}:\n  ${problems.join("\n  ")}\n` +
          `journal: ${JSON.stringify(items.map((i) => [i.text, i.at]))}\n${await logs()}`,
      );
    }
  }
  return { repeatedInCrashWindow, repeatedInDoubt };
}

/** Waits until `/ready` on `url` is 503 and names `dependency` (or 200 when `ready`). */
export async function waitForReadiness(
  url: string,
  expectation: { ready: true } | { ready: false; failed: string },
  timeoutMs = 20_000,
): Promise<void> {
  let last = "";
  await eventually(async () => {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) });
    last = `${response.status} ${await response.text()}`;
    if (expectation.ready) return response.status === 200;
    const body = JSON.parse(last.slice(4)) as { failed?: string[] };
    return response.status === 503 && (body.failed ?? []).includes(expectation.failed);
  }, {
    timeoutMs,
    message: expectation.ready
      ? `${url}/ready → 200`
      : `${url}/ready → 503 naming ${expectation.failed}`,
    onTimeout: () => `last /ready: ${last}`,
  });
}

/** zapw's webhook attempts per event (the bridge's `WEBHOOK_RETRY_ATTEMPTS` default). */
export const WEBHOOK_ATTEMPTS = 3;

/**
 * Waits until the bridge is done delivering each message's webhook — acknowledged (2xx) or
 * out of attempts — and splits them into acknowledged and unacknowledged. Retries run in the
 * background after `/__mock/inbound` returns, so deciding earlier would race them.
 */
export async function settleWebhooks(
  injected: Injected[],
  timeoutMs = 30_000,
): Promise<{ acknowledged: Injected[]; unacknowledged: Injected[] }> {
  const acknowledged: Injected[] = [];
  const unacknowledged: Injected[] = [];
  for (const m of injected) {
    let attempts: Array<{ attempt: number; status: number }> = [];
    const ok = await eventually(async () => {
      attempts = (await bridgeControl.webhooks({ message_id: m.messageId })).items;
      if (attempts.some((a) => a.status >= 200 && a.status < 300)) return "acknowledged";
      return attempts.some((a) => a.attempt >= WEBHOOK_ATTEMPTS) ? "refused" : undefined;
    }, {
      timeoutMs,
      message: `the webhook of ${m.text} to be acknowledged or out of attempts`,
      onTimeout: () => `attempts: ${JSON.stringify(attempts)}`,
    });
    (ok === "acknowledged" ? acknowledged : unacknowledged).push(m);
  }
  return { acknowledged, unacknowledged };
}

/** Stops a service for the drill and always starts it again, even when the body fails. */
export async function withServiceDown<T>(
  service: ControlledService,
  body: () => Promise<T>,
  how: "stop" | "kill" = "stop",
): Promise<T> {
  const control = target.control!;
  if (how === "kill") await control.kill(service);
  else await control.stop(service);
  try {
    return await body();
  } finally {
    await control.start(service);
  }
}
