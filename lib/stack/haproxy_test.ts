import assert from "node:assert/strict";
import { eventually } from "../eventually.ts";
import { haproxyConfig, parseProxyStats, PROXY_STATS_PATH, proxyLaunch } from "./haproxy.ts";
import { freePort } from "./ports.ts";
import { stopProcess } from "./process.ts";

/** A stand-in instance: answers `/ready` with `ready()`'s status and everything else with its name. */
function instance(name: string, ready: () => number) {
  const port = freePort();
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/ready") return new Response(null, { status: ready() });
    if (path === "/health") return new Response("ok");
    return new Response(name);
  });
  return { name, port, server };
}

Deno.test("proxy: the configuration sends replayable paths to a retrying backend and the rest to one that only retries refused connections", () => {
  const text = haproxyConfig([{
    name: "private",
    port: 8001,
    instances: [{ name: "private#1", port: 9001 }, { name: "private#2", port: 9002 }],
    replayable: ["/api/v1/webhooks/"],
  }]);
  assert.match(text, /bind 127\.0\.0\.1:8001/);
  assert.match(text, /acl replayable path_beg \/api\/v1\/webhooks\//);
  assert.match(
    text,
    /backend private_replay\n[^]*retry-on conn-failure empty-response response-timeout/,
  );
  assert.match(text, /backend private_api\n\s+retry-on conn-failure\n/);
  assert.match(text, /server private_2 127\.0\.0\.1:9002 check/);
  assert.match(
    text,
    /server private_1_live 127\.0\.0\.1:9001 backup track private_live\/private_1/,
  );
});

Deno.test("proxy: a real HAProxy balances over ready instances, leaves one whose /ready is 503, falls back to live ones when none is ready, and survives one closing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zapa-proxy-test-" });
  let readyA = 200;
  let readyB = 200;
  const a = instance("private#1", () => readyA);
  const b = instance("private#2", () => readyB);
  const port = freePort();
  const launch = proxyLaunch({
    dir,
    logFile: `${dir}/proxy.log`,
    entrypoints: [{
      name: "private",
      port,
      instances: [{ name: a.name, port: a.port }, { name: b.name, port: b.port }],
      replayable: ["/api/v1/webhooks/"],
    }],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  });
  const proc = await launch.spawn();
  const hit = async (path = "/api/v1/webhooks/whatsapp") => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body: "{}" });
    return `${response.status} ${await response.text()}`;
  };
  const answers = async (n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(await hit());
    return [...seen].sort();
  };
  try {
    await eventually(() => launch.probe(), { timeoutMs: 10_000, message: "the proxy answers" });
    assert.deepEqual(await answers(6), ["200 private#1", "200 private#2"]);

    readyB = 503; // private#2 drains: it leaves within two health checks
    await eventually(async () => (await answers(4)).join() === "200 private#1", {
      timeoutMs: 10_000,
      message: "only private#1 gets traffic",
    });

    readyA = 503; // none is ready (e.g. PostgreSQL down): live instances still get traffic
    await eventually(async () => (await answers(1))[0]!.startsWith("200 private#"), {
      timeoutMs: 10_000,
      message: "traffic falls back to live instances",
    });

    readyA = 200;
    readyB = 200;
    await eventually(async () => (await answers(6)).length === 2, {
      timeoutMs: 10_000,
      message: "both instances again",
    });
    await a.server.shutdown(); // private#1's port closes: requests are redispatched at once
    assert.deepEqual(await answers(6), ["200 private#2"]);
    const stats = parseProxyStats(
      await (await fetch(`http://127.0.0.1:${port}${PROXY_STATS_PATH};csv`)).text(),
    );
    const backend = stats.find((r) => r.backend === "private_replay" && r.server === "BACKEND");
    assert.ok(backend, "the stats name the webhook backend");
  } finally {
    await stopProcess(proc, { signal: "SIGTERM", graceMs: 2_000 });
    await b.server.shutdown();
    await a.server.shutdown().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
