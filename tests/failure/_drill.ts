/**
 * Outage drills for the failure suite: users that talk during an outage, messages spread over
 * the outage window, and the proof that afterwards every accepted message got exactly one
 * reply (contract §4.3 loss rules). These tests stop and kill services, so the failure group
 * runs serially on a stack of its own.
 */
import assert from "node:assert/strict";
import {
  bridgeControl,
  configureLlm,
  createUser,
  sendWhatsApp,
  type TestUser,
  waitForReply,
} from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, target } from "../../lib/target.ts";
import type { ControlledService } from "../../lib/stack/control_client.ts";

/** How long each outage lasts (contract §4.3: 30 s). `ZAPA_OUTAGE_SECONDS` shortens it locally. */
export const OUTAGE_SECONDS = Number(Deno.env.get("ZAPA_OUTAGE_SECONDS") ?? 30);

export interface Injected {
  phone: string;
  text: string;
  messageId: string;
  webhookStatus: number | null;
}

/** Signed-in users with an LLM configured (the mock answers `You said: "<text>"`). */
export async function talkers(count: number, apiKey?: (i: number) => string): Promise<TestUser[]> {
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
 * Proves exactly one reply per injected message: every message is answered, in order per
 * user; then a marker message per user is answered too, and the journal holds exactly
 * (messages + 1) replies per user — so no late duplicate can hide.
 */
export async function assertExactlyOneReplyEach(
  injected: Injected[],
  options: {
    since: number;
    timeoutMs?: number;
    expectText?: (text: string) => string;
    services?: ControlledService[];
  },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const expected = options.expectText ?? ((text) => `You said: "${text}"`);
  const byPhone = new Map<string, Injected[]>();
  for (const m of injected) byPhone.set(m.phone, [...(byPhone.get(m.phone) ?? []), m]);
  const logs = () => logTail(options.services ?? ["private", "bridge"]);
  for (const [phone, messages] of byPhone) {
    let replies;
    try {
      replies = await bridgeControl.waitForSent({
        to: phone,
        since: options.since,
        count: messages.length,
        timeoutMs,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await logs()}`);
    }
    const texts = replies.map((r) => r.text);
    assert.deepEqual(
      [...texts].sort(),
      messages.map((m) => expected(m.text)).sort(),
      `replies to ${phone}`,
    );
  }
  // Markers: each user's next message is answered after all of the above, so any duplicate
  // of an earlier reply would already be in the journal when we count.
  for (const [phone, messages] of byPhone) {
    const marker = await sendWhatsApp(phone, "marker after recovery");
    const reply = await waitForReply(phone, marker.since, timeoutMs);
    assert.equal(reply.text, expected("marker after recovery"));
    const all = await bridgeControl.sent({ to: phone, since: options.since });
    assert.equal(
      all.items.length,
      messages.length + 1,
      `exactly one reply per message to ${phone}: ${JSON.stringify(all.items.map((i) => i.text))}`,
    );
  }
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
