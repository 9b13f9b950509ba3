// A small k6 script the runner's tests drive against a local target (TARGET from -e).
import http from "k6/http";
import { check, group } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";
import { setTimeout } from "k6/timers";
import exec from "k6/execution";
import type { Options } from "k6/options";

const waited = new Trend("custom_wait", true);
const hits = new Counter("custom_hits");
const good = new Rate("custom_good");
const level = new Gauge("custom_level");

const mode = __ENV.MODE ?? "vus";

export const options: Options = {
  scenarios: mode === "arrival"
    ? {
      arrivals: {
        executor: "constant-arrival-rate",
        rate: Number(__ENV.RATE ?? 20),
        timeUnit: "1s",
        duration: __ENV.DURATION ?? "2s",
        preAllocatedVUs: Number(__ENV.PRE ?? 2),
        maxVUs: Number(__ENV.MAX ?? 4),
        tags: { kind: "arrival" },
      },
    }
    : {
      steady: {
        executor: "constant-vus",
        vus: 3,
        duration: __ENV.DURATION ?? "2s",
        tags: { kind: "steady" },
      },
    },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{kind:steady}": [__ENV.IMPOSSIBLE ? "p(95)<0.0001" : "p(95)<5000"],
    checks: ["rate>0.99"],
    ...(__ENV.BAD_THRESHOLD ? { no_such_metric: ["avg<1"] } : {}),
    ...(__ENV.ABORT ? { custom_wait: [{ threshold: "avg<0.001", abortOnFail: true }] } : {}),
  },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
};

export function setup(): { started: number } {
  return { started: Date.now() };
}

export default async function (data: { started: number }): Promise<void> {
  const res = await http.asyncRequest(
    "GET",
    `${__ENV.TARGET}/hello?vu=${__VU}&iter=${__ITER}`,
    null,
    {
      tags: { name: "hello" },
    },
  );
  group("checks", () => {
    check(res, {
      "status is 200": (r) => r.status === 200,
      "body echoes the VU": (r) => (r.json("vu") as number) === exec.vu.idInInstance,
    });
  });
  hits.add(1);
  good.add(res.status === 200);
  level.add(__VU);
  const t = Date.now();
  await new Promise((r) => setTimeout(r, Number(__ENV.PAUSE_MS ?? 50)));
  waited.add(Date.now() - t);
  if (data.started > Date.now()) throw new Error("clock went backwards");
}
