/**
 * Runs a Lua script atomically on Redis, by SHA when the server already has it (EVALSHA) and
 * by source otherwise, so a Redis that restarted empty needs no extra step.
 */
import { setImmediate } from "node:timers";
import type { Redis } from "../redis.ts";

export interface Script {
  source: string;
  sha: Promise<string>;
}

export function defineScript(source: string): Script {
  return { source, sha: sha1Hex(source) };
}

export async function runScript(
  redis: Redis,
  script: Script,
  options: { keys?: string[]; args?: (string | number)[] } = {},
): Promise<unknown> {
  const keys = options.keys ?? [];
  const args = (options.args ?? []).map(String);
  try {
    return await redis.evalsha(await script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

interface Pending {
  keys: string[];
  args: (string | number)[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs one script for many callers, batching the calls made in the same event-loop turn into
 * one pipelined write (each call is still its own atomic EVALSHA with its own result and its
 * own command timeout). Webhooks arrive faster than Redis round trips: one socket write per
 * turn instead of one per webhook.
 */
export class ScriptBatcher {
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(private redis: Redis, private script: Script) {}

  run(options: { keys?: string[]; args?: (string | number)[] } = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ keys: options.keys ?? [], args: options.args ?? [], resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    const one = (p: Pending) =>
      runScript(this.redis, this.script, { keys: p.keys, args: p.args }).then(p.resolve, p.reject);
    if (batch.length === 1) return void one(batch[0]!);
    let results: [Error | null, unknown][] | null;
    try {
      const sha = await this.script.sha;
      const pipeline = this.redis.pipeline();
      for (const p of batch) {
        pipeline.evalsha(sha, p.keys.length, ...p.keys, ...p.args.map(String));
      }
      results = await pipeline.exec();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const [error, value] = results?.[i] ?? [new Error("no reply from redis"), null];
      if (!error) p.resolve(value);
      // A Redis that restarted empty has no script cache: that call goes by source.
      else if (error.message.includes("NOSCRIPT")) void one(p);
      else p.reject(error);
    });
  }
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
