/**
 * Benchmark of code delivery (issue 6): `POST /auth/request-code` → the code in the bridge's
 * sent journal, through Redis and the private entrypoint's delivery worker. Needs a running
 * stack (`deno task up`); reads its URLs from `ZAPA_STACK_FILE` (default `.zapa/stack.json`).
 * Each sample uses a fresh number, so the per-phone limit never applies.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=.zapa --allow-env=ZAPA_STACK_FILE \
 *     zapa/public/bench/code_delivery_bench.ts [--count=200] [--rate=5]
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { count: { type: "string", default: "200" }, rate: { type: "string", default: "5" } },
});
const COUNT = Number(values.count);
const RATE = Number(values.rate);

const stackFile = Deno.env.get("ZAPA_STACK_FILE") || ".zapa/stack.json";
const stack = JSON.parse(await Deno.readTextFile(stackFile));
const publicUrl: string = stack.urls.public;
const control: string = stack.urls.bridge_control;

function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

async function sentNow(): Promise<number> {
  const res = await fetch(`${control}/__mock/sent?since=${Number.MAX_SAFE_INTEGER}`);
  return (await res.json()).now;
}

/** One sample: request a code for a new number and long-poll the journal for it. */
async function sample(phone: string): Promise<number> {
  const since = await sentNow();
  const started = performance.now();
  const requested = await fetch(`${publicUrl}/api/v1/auth/request-code`, {
    method: "POST",
    body: JSON.stringify({ phone_number: phone }),
    headers: { "content-type": "application/json" },
  });
  await requested.body?.cancel();
  if (requested.status !== 200) throw new Error(`request-code ${requested.status}`);
  const digits = phone.slice(1);
  while (true) {
    const res = await fetch(`${control}/__mock/sent?to=${digits}&since=${since}&wait_ms=5000`);
    const page = await res.json();
    if (page.items.some((i: { text: string | null }) => i.text?.includes("Zapa login code"))) {
      return performance.now() - started;
    }
    if (performance.now() - started > 15_000) throw new Error(`no code for ${phone}`);
  }
}

const run = Date.now() % 1_000_000;
const latencies: number[] = [];
const pending: Promise<void>[] = [];
let failures = 0;
const reasons = new Map<string, number>();
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  const due = started + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const phone = `+1998${String(run).padStart(6, "0")}${String(i % 10_000).padStart(4, "0")}`;
  pending.push(
    sample(phone).then((ms) => void latencies.push(ms), (error) => {
      failures++;
      const reason = String((error as Error).message).replace(/\+\d+/g, "<phone>");
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }),
  );
}
await Promise.all(pending);
latencies.sort((a, b) => a - b);
console.log(`request-code → code in the bridge journal, ${COUNT} numbers at ${RATE}/s`);
console.log("| samples | failures | p50 ms | p95 ms | p99 ms | max ms |");
console.log("|---|---|---|---|---|---|");
console.log(
  `| ${latencies.length} | ${failures} | ${percentile(latencies, 50).toFixed(1)} | ${
    percentile(latencies, 95).toFixed(1)
  } | ${percentile(latencies, 99).toFixed(1)} | ${latencies.at(-1)?.toFixed(1)} |`,
);
if (reasons.size) console.log("failures:", Object.fromEntries(reasons));
console.log(`machine load average (1 min): ${Deno.loadavg()[0]?.toFixed(1)}`);
