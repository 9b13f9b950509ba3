/**
 * Runs a Lua script atomically on Redis, by SHA when the server already has it (EVALSHA) and
 * by source otherwise, so a Redis that restarted empty needs no extra step.
 */
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

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
