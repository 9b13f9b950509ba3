/**
 * Failure with replicas (R-REPLICA-2): two private instances behind the proxy. Losing one
 * (kill -9) or restarting all of them one after another under 100 messages a second drops
 * nothing at the bridge, loses nothing and duplicates nothing. Every drill writes its figures
 * to `reports/failure/<drill>.json`.
 */
import type { ControlledService } from "../../lib/stack/mod.ts";
import { suiteTest, target } from "../../lib/target.ts";
import { waitForReadiness } from "./_drill.ts";
import { proxiedTo, proxyRoutesTo } from "./_traffic.ts";
import {
  assertZeros,
  instances,
  PHASE_REPLIES,
  replicas,
  repliesPerInstance,
  underLoad,
  untilAnswered,
  untilProxied,
} from "./_replicas.ts";

// rules: R-REPLICA-1, R-REPLICA-2, R-REPLICA-4, R-INTAKE-8
suiteTest(
  "failure: kill -9 of one of two private instances under 100 msg/s drops, loses and duplicates nothing (a resend of a send in doubt is counted)",
  replicas,
  async () => {
    const [survivor, victim] = instances().map((i) => i.name) as [
      ControlledService,
      ControlledService,
    ];
    const result = await underLoad("replica_kill", async () => {
      // Traffic flows through both instances: each has answered some of it.
      const start = await repliesPerInstance();
      await untilAnswered(survivor, PHASE_REPLIES, start[survivor]!);
      await untilAnswered(victim, PHASE_REPLIES, start[victim]!);
      const killedAt = performance.now();
      await target.control!.kill(victim);
      // The survivor carries the load alone.
      const alone = await repliesPerInstance();
      await untilAnswered(survivor, 2 * PHASE_REPLIES, alone[survivor]!);
      await target.control!.start(victim);
      await proxyRoutesTo(victim);
      const back = performance.now();
      // And both again: the new process takes its share of the webhooks.
      await untilProxied(victim, PHASE_REPLIES, (await proxiedTo(victim)) ?? 0);
      return {
        figures: { killed: victim, rejoined_after_ms: Math.round(back - killedAt) },
        restarted: [victim],
      };
    });
    await assertZeros(result, `kill -9 of ${victim}`);
  },
);

// rules: R-REPLICA-2, R-REPLICA-3
suiteTest(
  "failure: a rolling restart of every private instance under 100 msg/s drops, loses and duplicates nothing",
  replicas,
  async () => {
    const result = await underLoad("replica_rolling_restart", async () => {
      for (const { name } of instances()) {
        await untilProxied(name, PHASE_REPLIES, (await proxiedTo(name)) ?? 0);
      }
      const restarts: Record<string, number> = {};
      for (const { name, url } of instances()) {
        const t0 = performance.now();
        await target.control!.restart(name); // SIGTERM: drain, finish, hand back, exit; start
        await waitForReadiness(url, { ready: true }, 30_000);
        await proxyRoutesTo(name); // the next one goes down only once this one takes traffic
        await untilProxied(name, PHASE_REPLIES, (await proxiedTo(name)) ?? 0);
        restarts[name] = Math.round(performance.now() - t0);
      }
      return {
        figures: { restart_until_taking_webhooks_ms: restarts },
        restarted: instances().map((i) => i.name),
      };
    });
    await assertZeros(result, "rolling restart");
  },
);
