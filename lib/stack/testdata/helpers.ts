/** Helpers for the harness's own tests: process liveness, raw Redis commands, spec choice. */

import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  type DenoServiceName,
  type DenoServiceSpec,
} from "../services.ts";
import { fakeSpecs } from "./fake_specs.ts";

/** The subset of `pids` that still exist (asks `ps`, since /proc needs --allow-all in Deno). */
export async function alivePids(pids: readonly number[]): Promise<number[]> {
  if (pids.length === 0) return [];
  const out = await new Deno.Command("ps", {
    args: ["-o", "pid=", "-p", pids.join(",")],
    stdout: "piped",
  })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.trim()).filter(Boolean).map(
    Number,
  );
}

/** Sends one command to Redis over raw RESP and returns the raw reply. */
export async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `*${args.length}\r\n` +
      args.map((a) => `$${new TextEncoder().encode(a).length}\r\n${a}\r\n`).join("");
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

/**
 * Launch specs for the harness's own tests: the real doubles where their entry file exists,
 * the fake service elsewhere and always for Zapa, so these tests judge the harness, not Zapa
 * (the suites judge Zapa; a broken Zapa fails the test command's boot loudly).
 */
export function availableSpecs(): {
  specs: Record<DenoServiceName, DenoServiceSpec>;
  fake: DenoServiceName[];
} {
  const fakes = fakeSpecs();
  const specs = {} as Record<DenoServiceName, DenoServiceSpec>;
  const fake: DenoServiceName[] = [];
  for (const name of DENO_SERVICES) {
    const real = DENO_SERVICE_SPECS[name];
    let exists = false;
    try {
      exists = (name === "bridge" || name === "llm") && Deno.statSync(real.entry).isFile;
    } catch {
      exists = false;
    }
    specs[name] = exists ? real : fakes[name];
    if (!exists) fake.push(name);
  }
  return { specs, fake };
}
