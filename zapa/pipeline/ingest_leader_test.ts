import assert from "node:assert/strict";
import { createRedis, firstConnection } from "../redis.ts";
import { TestRedis } from "../testing/stores.ts";
import { ensureIntakeGroup } from "./ingest.ts";
import {
  claimAllPending,
  holdIngestLead,
  INGEST_LEADER,
  releaseIngestLead,
} from "./ingest_leader.ts";
import { INTAKE_GROUP, INTAKE_STREAM } from "./intake.ts";

Deno.test("ingest leader: one consumer leads, hands over on release or expiry, and the new leader takes the old one's unacknowledged entries", async () => {
  const server = await TestRedis.create();
  const redis = createRedis(server.url, { commandTimeoutMs: 1_000 });
  try {
    await firstConnection(redis, 5_000);
    assert.equal(await holdIngestLead(redis, "a:1"), "taken");
    assert.equal(await holdIngestLead(redis, "b:2"), "other");
    assert.equal(await holdIngestLead(redis, "a:1"), "kept");

    // a reads two entries and dies before acknowledging them.
    await ensureIntakeGroup(redis);
    await redis.xadd(INTAKE_STREAM, "*", "e", "{}");
    await redis.xadd(INTAKE_STREAM, "*", "e", "{}");
    await redis.xreadgroup(
      "GROUP",
      INTAKE_GROUP,
      "a:1",
      "COUNT",
      10,
      "STREAMS",
      INTAKE_STREAM,
      ">",
    );

    assert.equal(await releaseIngestLead(redis, "b:2"), false, "only the holder can release");
    assert.equal(await releaseIngestLead(redis, "a:1"), true);
    assert.equal(await holdIngestLead(redis, "b:2"), "taken");
    assert.equal(await claimAllPending(redis, "b:2"), 2);
    const pending = await redis.xpending(INTAKE_STREAM, INTAKE_GROUP, "-", "+", 10) as [
      string,
      string,
    ][];
    assert.deepEqual(pending.map((p) => p[1]), ["b:2", "b:2"]);

    // A lease that is not renewed expires: a dead leader is replaced.
    await redis.del(INGEST_LEADER);
    assert.equal(await holdIngestLead(redis, "b:2", 50), "taken");
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(await holdIngestLead(redis, "a:1"), "taken");
  } finally {
    redis.disconnect();
    await server.destroy();
  }
});
