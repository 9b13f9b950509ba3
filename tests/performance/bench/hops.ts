/**
 * Where a round trip's time goes, per hop: a sample of a run's messages traced through Zapa's
 * own records (the admin trace endpoint, R-ADMIN-8), with the sender's start time and the
 * bridge's accept time at either end. Asked after the measured window, so it costs the
 * measurement nothing.
 */
import { target } from "../../../lib/fixtures.ts";
import type { Summary } from "../../../lib/perf.ts";
import { readZapa, type ZapaTrace } from "../../../lib/trace/sources.ts";
import { traceTargetOf } from "../../../lib/trace/target.ts";
import type { Reply, Shot } from "./load.ts";
import { stats } from "./measure.ts";

/** The hops in the order a message goes through them. */
export const HOPS = [
  "webhook → stored",
  "stored → agent starts",
  "agent (LLM call and reply row)",
  "reply row → accepted by the bridge",
] as const;

type HopName = typeof HOPS[number];

/** One message's hop times (ms) from its trace, or null when the trace lacks a step. */
export function hopTimes(
  shot: Shot,
  reply: Reply,
  trace: ZapaTrace,
): Record<HopName, number> | null {
  const find = (name: string) => trace.hops.find((h) => h.hop === name);
  const stored = find("stored");
  const waiting = find("waiting for the agent");
  const agent = find("agent");
  const delivery = find("delivery");
  if (!stored || !waiting?.end || !agent?.end || !delivery) return null;
  const storedAt = Date.parse(stored.start);
  return {
    "webhook → stored": storedAt - shot.wall,
    "stored → agent starts": Date.parse(waiting.end) - storedAt,
    "agent (LLM call and reply row)": Date.parse(agent.end) - Date.parse(agent.start),
    "reply row → accepted by the bridge": reply.at - Date.parse(delivery.start),
  };
}

/**
 * Traces up to `sample` replied messages spread over the run and summarizes each hop.
 * Zapa's timestamps have millisecond resolution: a hop under 1 ms reads as 0 or 1.
 */
export async function hopBreakdown(
  shots: readonly Shot[],
  replies: ReadonlyMap<string, Reply>,
  sample = 40,
): Promise<{ traced: number; hops: Record<string, Summary> }> {
  const replied = shots.filter((s) => replies.has(s.token));
  const step = Math.max(1, Math.floor(replied.length / sample));
  const picked = replied.filter((_, i) => i % step === 0).slice(0, sample);
  const where = traceTargetOf(target);
  const rows = (await Promise.all(picked.map(async (shot) => {
    const trace = await readZapa(where, shot.messageId, 5_000).catch(() => null);
    return trace ? hopTimes(shot, replies.get(shot.token)!, trace) : null;
  }))).filter((r) => r !== null);
  const hops = Object.fromEntries(HOPS.map((name) => [name, stats(rows.map((r) => r[name]))]));
  return { traced: rows.length, hops };
}
