/**
 * `deno task bench:llm`: our mock LLM against its best-known peer (aimock, aimock_server.ts)
 * and against the box's own ceiling (ceiling_server.ts: a bare server answering a fixed body) on
 * the same requests, on the same box, interleaved: wrk drives each in turn for a few seconds,
 * several rounds, so a box that slows down mid-run slows all three. The verdicts are ratios of
 * their medians (requests/s), not absolute rates; writes reports/bench/llm_peers.json and exits
 * 1 when a ratio misses its budget or a server answered anything but 200.
 *
 *   deno task bench:llm [--rounds=3] [--seconds=5] [--connections=32]
 */
import { parseArgs } from "node:util";

/**
 * Ours ÷ aimock, median requests/s: the target of issue 19 (measured 5.2× on 2026-11-24, Intel
 * Xeon). Judged only where the box allows it: when even the ceiling is not that far ahead of
 * aimock (ceiling ÷ aimock below it), no mock under this runtime could reach it, and the
 * verdict says so instead of failing.
 */
export const PEER_RATIO_TARGET = 5;

/**
 * Ours ÷ ceiling: the share of the box's own limit for this request that the mock keeps after
 * auth, validation, faults, journal and the brain. Measured 0.56 before and 0.60 after the
 * hot-path work of 2026-12-03 (AMD EPYC, 2 cores; rounds scatter by ±10 %); under 0.45 the hot
 * path has grown something it should not have (a log line per call, MOCK_LOG_REQUESTS=1, takes
 * a third of the rate: 24 500 against 36 000–43 000 requests/s).
 */
export const CEILING_SHARE_BUDGET = 0.45;

export interface Verdict {
  ratio: number;
  ceiling_share: number;
  /** ceiling ÷ aimock: the best ratio to the peer that any mock could reach on this box. */
  reachable_ratio: number;
  peer_target: "met" | "missed" | "unreachable on this box";
  passed: boolean;
}

/** The verdict from the three medians (requests/s) and the count of non-200 answers. */
export function verdict(
  medians: { ours: number; aimock: number; ceiling: number },
  non200: number,
): Verdict {
  const round = (x: number) => Math.round(x * 100) / 100;
  const ratio = round(medians.ours / medians.aimock);
  const ceilingShare = round(medians.ours / medians.ceiling);
  const reachable = round(medians.ceiling / medians.aimock);
  const peerTarget = ratio >= PEER_RATIO_TARGET
    ? "met"
    : reachable < PEER_RATIO_TARGET
    ? "unreachable on this box"
    : "missed";
  return {
    ratio,
    ceiling_share: ceilingShare,
    reachable_ratio: reachable,
    peer_target: peerTarget,
    passed: peerTarget !== "missed" && ceilingShare >= CEILING_SHARE_BUDGET && non200 === 0,
  };
}

const BODY_SCRIPT = new URL("./openai_chat.lua", import.meta.url).pathname;

export interface WrkResult {
  requests_per_s: number;
  latency_avg_ms: number;
  non_200: number;
}

/** Reads wrk's text output (and our Lua script's "non-200 responses: N" line). */
export function parseWrk(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!rate) throw new Error(`wrk printed no rate:\n${output}`);
  const latency = /Latency\s+([\d.]+)(us|ms|s)\b/.exec(output);
  const scale = { us: 0.001, ms: 1, s: 1000 } as const;
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const non200 = /non-200 responses:\s+(\d+)/.exec(output);
  return {
    requests_per_s: Number(rate[1]),
    latency_avg_ms: latency
      ? Math.round(Number(latency[1]) * scale[latency[2] as keyof typeof scale] * 1000) / 1000
      : NaN,
    non_200: Math.max(Number(errors?.[1] ?? 0), Number(non200?.[1] ?? 0)),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Server {
  name: string;
  url: string;
  process: Deno.ChildProcess;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function start(name: string, args: string[], env: Record<string, string>): Promise<Server> {
  const port = freePort();
  const process = new Deno.Command("deno", {
    args: ["run", ...args],
    env: { ...env, PORT: String(port) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  // Ready once the benchmark's own request gets a 200.
  const body = chatBody();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer bench-key" },
        body,
      });
      const text = await res.text();
      if (res.status === 200 && text.includes("choices")) return { name, url, process };
      throw new Error(`${name} answered ${res.status}: ${text.slice(0, 200)}`);
    } catch (error) {
      if (Date.now() > deadline) {
        process.kill("SIGKILL");
        throw new Error(`${name} did not answer the benchmark request: ${error}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The request of openai_chat.lua, for the readiness probe. */
function chatBody(): string {
  const lua = Deno.readTextFileSync(BODY_SCRIPT);
  const parts = [...lua.matchAll(/'([^']*)'/g)].map((m) => m[1]).join("");
  return parts;
}

async function wrk(server: Server, seconds: number, connections: number): Promise<WrkResult> {
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "-s",
      BODY_SCRIPT,
      server.url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return parseWrk(text);
}

async function loadAverage(): Promise<number[]> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  return text.split(" ").slice(0, 3).map(Number);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "5" },
      connections: { type: "string", default: "32" },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const here = (file: string) => new URL(file, import.meta.url).pathname;
  const ours = await start("zapa mock LLM", [
    "--allow-net=127.0.0.1",
    "--allow-env=PORT,HOST,MOCK_JOURNAL_LIMIT,MOCK_LOG_REQUESTS",
    "--unstable-no-legacy-abort",
    here("../main.ts"),
  ], { HOST: "127.0.0.1" });
  const peer = await start("aimock", [
    "--allow-net=127.0.0.1",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    here("./aimock_server.ts"),
  ], {});
  const ceiling = await start("ceiling", [
    "--allow-net=127.0.0.1",
    "--allow-env=PORT",
    here("./ceiling_server.ts"),
  ], {});
  const servers = { ours, aimock: peer, ceiling };
  const results: Record<keyof typeof servers, WrkResult[]> = { ours: [], aimock: [], ceiling: [] };
  const loadBefore = await loadAverage();
  try {
    for (let round = 1; round <= rounds; round++) {
      // Rotate who goes first, so none always runs on a warmer or cooler box.
      const names = Object.keys(servers) as (keyof typeof servers)[];
      const order = names.map((_, i) => names[(i + round - 1) % names.length]!);
      for (const name of order) {
        const server = servers[name];
        const r = await wrk(server, seconds, connections);
        results[name].push(r);
        console.log(
          `round ${round} ${server.name.padEnd(14)} ${
            r.requests_per_s.toFixed(0).padStart(7)
          } req/s` +
            `, avg ${r.latency_avg_ms} ms, non-200 ${r.non_200}`,
        );
      }
    }
  } finally {
    for (const s of Object.values(servers)) s.process.kill("SIGKILL");
    await Promise.all(Object.values(servers).map((s) => s.process.status));
  }
  const medians = {
    ours: median(results.ours.map((r) => r.requests_per_s)),
    aimock: median(results.aimock.map((r) => r.requests_per_s)),
    ceiling: median(results.ceiling.map((r) => r.requests_per_s)),
  };
  const perRound = results.ours.map((r, i) =>
    Math.round((r.requests_per_s / results.aimock[i]!.requests_per_s) * 100) / 100
  );
  const non200 = Object.values(results).flat().reduce((n, r) => n + r.non_200, 0);
  const v = verdict(medians, non200);
  const report = {
    name: "llm_peers",
    measured_at: new Date().toISOString(),
    method: `wrk -t1 -c${connections} -d${seconds}s, ${rounds} interleaved rounds, ` +
      "non-streaming OpenAI chat (mock_llm/bench/openai_chat.lua); all three servers under Deno " +
      Deno.version.deno,
    load_avg_before: loadBefore,
    load_avg_after: await loadAverage(),
    ...results,
    median_requests_per_s: medians,
    ratio: v.ratio,
    ratio_per_round: perRound,
    ceiling_share: v.ceiling_share,
    reachable_ratio: v.reachable_ratio,
    peer_target: v.peer_target,
    budget: [
      { metric: "ratio", op: ">=", limit: PEER_RATIO_TARGET, when: "ceiling ÷ aimock allows it" },
      { metric: "ceiling_share", op: ">=", limit: CEILING_SHARE_BUDGET },
    ],
    non_200: non200,
    passed: v.passed,
  };
  await Deno.mkdir("reports/bench", { recursive: true });
  await Deno.writeTextFile("reports/bench/llm_peers.json", JSON.stringify(report, null, 2) + "\n");
  const rate = (x: number) => x.toFixed(0);
  console.log(
    `\nmedian req/s: ours ${rate(medians.ours)}, aimock ${rate(medians.aimock)}, ceiling ${
      rate(medians.ceiling)
    }\n` +
      `ours ÷ aimock ${v.ratio} (per round ${
        perRound.join(", ")
      }; target ≥ ${PEER_RATIO_TARGET}: ${v.peer_target}, ` +
      `the ceiling itself is ${v.reachable_ratio}× aimock)\n` +
      `ours ÷ ceiling ${v.ceiling_share} (budget ≥ ${CEILING_SHARE_BUDGET}), non-200 ${non200}: ${
        v.passed ? "pass" : "FAIL"
      } (reports/bench/llm_peers.json)`,
  );
  Deno.exit(v.passed ? 0 : 1);
}
