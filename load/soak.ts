/**
 * Soak (k6 script): a steady population of WhatsApp users for a long time, to surface leaks,
 * queue build-up and slow drift. Same journey as `user_journey.ts`, constant VUs.
 *
 *   deno task load load/soak.ts --profile ci     20 s, 5 users (a smoke run)
 *   deno task load load/soak.ts --profile full   1 h, 300 users
 */

import type { Options } from "k6/options";
import {
  checkJournal,
  journalEntries,
  type RunData,
  setupRun,
  targets,
  userIteration,
  type VuState,
} from "./lib/zapa.ts";
import { parseMs } from "./lib/plan.ts";

const PROFILE = __ENV.PROFILE ?? "ci";

const PROFILES = {
  smoke: { vus: 2, duration: "3s", thinkMs: [100, 300] as [number, number] },
  ci: { vus: 5, duration: "20s", thinkMs: [1000, 2000] as [number, number] },
  full: { vus: 300, duration: "1h", thinkMs: [5000, 20_000] as [number, number] },
};

const profile = PROFILES[PROFILE as keyof typeof PROFILES] ?? PROFILES.ci;

export const options: Options = {
  scenarios: {
    soak: {
      executor: "constant-vus",
      vus: profile.vus,
      duration: profile.duration,
      gracefulStop: "30s",
    },
  },
  thresholds: {
    reply_round_trip: ["p(95)<10000", "avg<5000"],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
    "http_req_duration{kind:api}": ["p(95)<2000"],
    bridge_journal_wrapped: ["count<1"],
  },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
};

const plannedMessages = profile.vus *
  Math.ceil(parseMs(profile.duration) / Math.max(1, profile.thinkMs[0]));

export function setup(): Promise<RunData> {
  return setupRun(journalEntries(plannedMessages, profile.vus));
}

const state: VuState = { session: null, signInFailures: 0 };

export default async function (data: RunData): Promise<void> {
  await userIteration(state, { data, thinkMs: profile.thinkMs, replyTimeoutMs: 30_000 });
}

export async function teardown(data: RunData): Promise<void> {
  await checkJournal(targets(), data.journal);
}
