/**
 * `deno task bench:llm`: our mock LLM against its best-known peer (aimock, aimock_server.ts) on
 * the same requests, on the same box, interleaved: wrk drives each in turn for a few seconds,
 * several rounds, so a box that slows down mid-run slows both. The verdict is the ratio of
 * their medians (requests/s), not an absolute rate; writes reports/bench/llm_peers.json and
 * exits 1 when the ratio misses its budget or a server answered anything but 200.
 *
 *   deno task bench:llm [--rounds=3] [--seconds=5] [--connections=32]
 */
import { parseArgs } from "node:util";

/** Ours ÷ aimock, median requests/s; the README's comparison said "about 5×". */
export const RATIO_BUDGET = 5;

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
  const ours = await start("zapa mock LLM", [
    "--allow-net=127.0.0.1",
    "--allow-env=PORT,HOST,MOCK_JOURNAL_LIMIT,MOCK_LOG_REQUESTS",
    "--unstable-no-legacy-abort",
    new URL("../main.ts", import.meta.url).pathname,
  ], { HOST: "127.0.0.1" });
  const peer = await start("aimock", [
    "--allow-net=127.0.0.1",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    new URL("./aimock_server.ts", import.meta.url).pathname,
  ], {});
  const results: Record<string, WrkResult[]> = { ours: [], aimock: [] };
  const loadBefore = await loadAverage();
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate who goes first, so neither always runs on a warmer or cooler box.
      const order = round % 2 ? [ours, peer] : [peer, ours];
      for (const server of order) {
        const r = await wrk(server, seconds, connections);
        results[server === ours ? "ours" : "aimock"]!.push(r);
        console.log(
          `round ${round} ${server.name.padEnd(14)} ${
            r.requests_per_s.toFixed(0).padStart(7)
          } req/s` +
            `, avg ${r.latency_avg_ms} ms, non-200 ${r.non_200}`,
        );
      }
    }
  } finally {
    for (const s of [ours, peer]) s.process.kill("SIGKILL");
    await Promise.all([ours.process.status, peer.process.status]);
  }
  const oursMedian = median(results.ours!.map((r) => r.requests_per_s));
  const peerMedian = median(results.aimock!.map((r) => r.requests_per_s));
  const ratio = Math.round((oursMedian / peerMedian) * 100) / 100;
  const perRound = results.ours!.map((r, i) =>
    Math.round((r.requests_per_s / results.aimock![i]!.requests_per_s) * 100) / 100
  );
  const non200 = [...results.ours!, ...results.aimock!].reduce((n, r) => n + r.non_200, 0);
  const passed = ratio >= RATIO_BUDGET && non200 === 0;
  const report = {
    name: "llm_peers",
    measured_at: new Date().toISOString(),
    method: `wrk -t1 -c${connections} -d${seconds}s, ${rounds} interleaved rounds, ` +
      "non-streaming OpenAI chat (mock_llm/bench/openai_chat.lua); both servers under Deno " +
      Deno.version.deno,
    load_avg_before: loadBefore,
    load_avg_after: await loadAverage(),
    ours: results.ours,
    aimock: results.aimock,
    median_requests_per_s: { ours: oursMedian, aimock: peerMedian },
    ratio,
    ratio_per_round: perRound,
    budget: { metric: "ratio", op: ">=", limit: RATIO_BUDGET },
    non_200: non200,
    passed,
  };
  await Deno.mkdir("reports/bench", { recursive: true });
  await Deno.writeTextFile("reports/bench/llm_peers.json", JSON.stringify(report, null, 2) + "\n");
  console.log(
    `\nmedian: ours ${oursMedian.toFixed(0)} req/s, aimock ${peerMedian.toFixed(0)} req/s → ` +
      `ratio ${ratio} (per round ${perRound.join(", ")}; budget ≥ ${RATIO_BUDGET}), ` +
      `non-200 ${non200}: ${passed ? "pass" : "FAIL"} (reports/bench/llm_peers.json)`,
  );
  Deno.exit(passed ? 0 : 1);
}
