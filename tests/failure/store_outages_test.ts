/**
 * Failure: 30-second outages of each backing store while messages keep arriving (R-OUTAGE-2,
 * R-OUTAGE-3). With PostgreSQL down Redis takes the intake, with Redis down (and back empty)
 * PostgreSQL does; the bridge gives up on nothing, and every accepted message gets exactly one
 * reply after recovery. A file of its own so it runs on a stack of its own beside the other
 * drills (the test command shards the failure group by file).
 */
import assert from "node:assert/strict";
import { bridgeControl } from "../../lib/fixtures.ts";
import { suiteTest, target } from "../../lib/target.ts";
import {
  assertExactlyOneReplyEach,
  injectDuring,
  type Injected,
  OUTAGE_SECONDS,
  settleWebhooks,
  talkers,
  waitForReadiness,
  WEBHOOK_ATTEMPTS,
  withServiceDown,
} from "./_drill.ts";

const MESSAGES = 20;
const serial = { needs: ["control"] as const, sanitizeOps: false, sanitizeResources: false };
/**
 * Every message the phone sent during the outage was taken by Zapa within the bridge's webhook
 * attempts: what the user loses is what the bridge gave up on. A first attempt may meet the
 * 200 ms store timeout on a starved box and answer 503 (the contract's answer, which the bridge
 * retries); that is counted and printed, not failed.
 */
async function assertBridgeDroppedNone(sent: Injected[], what: string): Promise<void> {
  const { unacknowledged } = await settleWebhooks(sent);
  const retried = sent.filter((m) => m.webhookStatus !== 200).length;
  console.log(
    `${what}: ${sent.length} sent, ${retried} needed a webhook retry, ` +
      `${unacknowledged.length} dropped by the bridge`,
  );
  assert.deepEqual(
    unacknowledged.map((m) => m.text),
    [],
    `${what}: the bridge gave up on these after ${WEBHOOK_ATTEMPTS} attempts`,
  );
}

// rules: R-OUTAGE-2, R-OUTAGE-6, R-INTAKE-4, R-CONFIG-1
suiteTest("failure: a PostgreSQL outage loses no message (intake in Redis)", serial, async () => {
  const users = await talkers(4);
  const since = await bridgeControl.lastSeq();
  const injected = await withServiceDown("postgres", async () => {
    await waitForReadiness(target.urls.private, { ready: false, failed: "database" });
    await waitForReadiness(target.urls.public, { ready: false, failed: "database" });
    const sent = await injectDuring(users, {
      count: MESSAGES,
      seconds: OUTAGE_SECONDS,
      label: "pg outage",
    });
    await assertBridgeDroppedNone(sent, "Redis takes the intake");
    return sent;
  });
  await assertExactlyOneReplyEach(injected, { since, services: ["private", "postgres"] });
  await waitForReadiness(target.urls.private, { ready: true });
});

// rules: R-OUTAGE-3, R-OUTAGE-6, R-INTAKE-2, R-INTAKE-7
suiteTest(
  "failure: a Redis outage that restarts empty loses no message (intake in PostgreSQL)",
  serial,
  async () => {
    const users = await talkers(4);
    const since = await bridgeControl.lastSeq();
    const injected = await withServiceDown("redis", async () => {
      await waitForReadiness(target.urls.private, { ready: false, failed: "redis" });
      const sent = await injectDuring(users, {
        count: MESSAGES,
        seconds: OUTAGE_SECONDS,
        label: "redis outage",
      });
      await assertBridgeDroppedNone(sent, "PostgreSQL takes the intake");
      return sent;
    });
    await assertExactlyOneReplyEach(injected, { since, services: ["private", "redis"] });
    await waitForReadiness(target.urls.private, { ready: true });
  },
);
