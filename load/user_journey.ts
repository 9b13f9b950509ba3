/**
 * WhatsApp users (k6 script): each VU is one person with a unique phone who signs in by
 * code, sets up an LLM, then keeps chatting — a message through the bridge, the reply back
 * on WhatsApp (`reply_round_trip`), a look at history and stats, think time.
 *
 *   deno task load load/user_journey.ts --profile smoke  5 s, 3 users (checks the script)
 *   deno task load load/user_journey.ts --profile ci     ≈ 75 s, 20 users (the test command)
 *   deno task load load/user_journey.ts --profile full   ≈ 17 min, 1 000 users
 *   k6 run -e PROFILE=full -e PUBLIC_URL=… -e BRIDGE_URL=… load/user_journey.ts
 */

import type { Options } from "k6/options";
import { newRunId, userIteration, type VuState } from "./lib/zapa.ts";

const PROFILE = __ENV.PROFILE ?? "ci";

const PROFILES = {
  // A few seconds with 3 users: checks the script itself (the runner's tests use it).
  smoke: {
    stages: [
      { duration: "1s", target: 3 },
      { duration: "3s", target: 3 },
      { duration: "1s", target: 0 },
    ],
    thinkMs: [100, 300] as [number, number],
  },
  // A 2-core box that also runs PostgreSQL, Redis, both Zapa entrypoints and the doubles.
  ci: {
    stages: [
      { duration: "15s", target: 20 },
      { duration: "45s", target: 20 },
      { duration: "10s", target: 0 },
    ],
    thinkMs: [1000, 3000] as [number, number],
  },
  // 1 000 concurrent users, each sending a message every 10–30 s (≈ 50 messages/s).
  full: {
    stages: [
      { duration: "5m", target: 1000 },
      { duration: "10m", target: 1000 },
      { duration: "2m", target: 0 },
    ],
    thinkMs: [10_000, 30_000] as [number, number],
  },
};

const base = PROFILES[PROFILE as keyof typeof PROFILES] ?? PROFILES.ci;

/**
 * Optional overrides for capacity runs: `-e USERS=300 -e RAMP=1m -e HOLD=3m -e THINK_MS=1000-3000`
 * (ramp up to USERS over RAMP, hold for HOLD, ramp down over 10 s).
 */
function withOverrides(): typeof base {
  const users = __ENV.USERS ? Number(__ENV.USERS) : undefined;
  const think = __ENV.THINK_MS?.split("-").map(Number);
  return {
    stages: users === undefined ? base.stages : [
      { duration: __ENV.RAMP ?? "30s", target: users },
      { duration: __ENV.HOLD ?? "1m", target: users },
      { duration: "10s", target: 0 },
    ],
    thinkMs: think?.length === 2 ? [think[0] ?? 0, think[1] ?? 0] : base.thinkMs,
  };
}

const profile = withOverrides();

export const options: Options = {
  scenarios: {
    whatsapp_users: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: profile.stages,
      gracefulRampDown: "30s",
      gracefulStop: "30s",
    },
  },
  thresholds: {
    // Contract §10 #15: round trip < 5 s on average and < 10 s at p95.
    reply_round_trip: ["p(95)<10000", "avg<5000"],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
    "http_req_duration{kind:api}": ["p(95)<2000"],
  },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
};

export function setup(): { run: string } {
  return { run: newRunId() };
}

const state: VuState = { session: null, signInFailures: 0 };

export default async function (data: { run: string }): Promise<void> {
  await userIteration(state, { run: data.run, thinkMs: profile.thinkMs, replyTimeoutMs: 30_000 });
}
