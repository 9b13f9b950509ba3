import assert from "node:assert/strict";
import { MiniRedis } from "./redis_resp.ts";

/** Starts a throwaway redis-server on a free port. */
async function startRedis() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGKILL",
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "warning",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 5_000;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    port,
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

Deno.test("mini redis: runs commands and deletes keys by pattern", async () => {
  const server = await startRedis();
  const redis = await MiniRedis.connect(`redis://127.0.0.1:${server.port}/0`);
  try {
    assert.equal(await redis.command("SET", "zapa:ratelimit:phone:+1", "3"), "OK");
    await redis.command("SET", "zapa:ratelimit:ip:1.2.3.4", "1");
    await redis.command("SET", "zapa:other", "x");
    assert.equal(await redis.command("GET", "zapa:ratelimit:phone:+1"), "3");
    assert.equal(await redis.command("GET", "missing"), null);
    assert.deepEqual((await redis.scan("zapa:ratelimit:*")).sort(), [
      "zapa:ratelimit:ip:1.2.3.4",
      "zapa:ratelimit:phone:+1",
    ]);
    assert.equal(await redis.deletePattern("zapa:ratelimit:*"), 2);
    assert.equal(await redis.command("EXISTS", "zapa:other"), 1);
    await assert.rejects(redis.command("NOSUCHCOMMAND"), /unknown command/i);
  } finally {
    redis.close();
    await server.stop();
  }
});
