/**
 * `deno task up`: the whole stack in the foreground on the standard ports, its URLs and boot
 * time printed, `.zapa/stack.json` published for tools and a second terminal. Ctrl-C (or
 * SIGTERM, or `deno task down`) stops everything and removes the temp dir.
 */

import { launch } from "./launch.ts";
import type { RunningStack } from "./running.ts";
import { NativeStack } from "./native_stack.ts";
import { watchParent } from "./parent_watch.ts";
import { PortTakenError } from "./ports.ts";
import { ServiceStartError } from "./readiness.ts";
import { readSettings, stackFilePath } from "./settings.ts";
import { readStackFile, type StackInfo } from "./stack_file.ts";
import { controlAnswers } from "./temp_dirs.ts";
import { DOUBLES, doublesBanner, doublesInfo } from "./doubles.ts";

const LOGS_ROOT = ".zapa/logs";
const KEEP_LOG_RUNS = 10;

/** Keeps the newest log folders of previous `up` runs, removes older ones. */
async function pruneLogs(): Promise<void> {
  try {
    const runs = (await Array.fromAsync(Deno.readDir(LOGS_ROOT))).filter((e) => e.isDirectory)
      .map((e) => e.name).sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_LOG_RUNS))) {
      await Deno.remove(`${LOGS_ROOT}/${old}`, { recursive: true });
    }
  } catch {
    // no logs yet
  }
}

/** With replicas: where the proxy listens and each instance behind it (R-REPLICA-1). */
export function replicaRows(info: StackInfo): [string, string][] {
  if (!info.proxy) return [];
  const rows: [string, string][] = [];
  for (const [service, url] of Object.entries(info.proxy.urls)) {
    rows.push([`Proxy (${service})`, `${url}   (HAProxy; stats: ${info.proxy.stats[service]})`]);
    for (const instance of info.instances?.[service] ?? []) {
      rows.push([`  ${instance.name}`, instance.url]);
    }
  }
  return rows;
}

/** The banner printed once the stack is up. */
export function banner(info: StackInfo, seconds: number, stackFile: string): string {
  const u = info.urls;
  const rows: [string, string][] = [
    ["User dashboard", `${u.public}/`],
    ["Admin console", `${u.private}/admin   (${info.admin.username} / ${info.admin.password})`],
    ["Phone simulator", `${u.bridge}/`],
    ["API docs", `${u.public}/docs   ${u.private}/docs`],
    ["Mock bridge control", `${u.bridge_control}/__mock/`],
    ["Mock LLM", u.llm],
    ["PostgreSQL", info.database_url],
    ["Redis", info.redis_url],
    ["Service control", `${info.control.url}   (token in ${stackFile})`],
    ["Logs", info.logs],
    ...replicaRows(info),
  ];
  return [
    `Zapa stack is up (${info.target}) in ${seconds.toFixed(2)} s`,
    "",
    ...rows.map(([label, value]) => `  ${label.padEnd(20)} ${value}`),
    "",
    "Ctrl-C stops everything; `deno task down` does it from another terminal.",
  ].join("\n");
}

async function main(): Promise<number> {
  const settings = readSettings();
  if (settings.target === "external") {
    console.error(
      "ZAPA_STACK=external: there is nothing to boot; the suites use the ZAPA_*_URL variables.",
    );
    return 2;
  }
  // --doubles-only: no Zapa; its stack file is not published (the suites would take the doubles
  // for a whole stack), doubles.json beside it says what a foreign Zapa needs instead.
  const doublesOnly = Deno.args.includes("--doubles-only");
  if (doublesOnly && settings.target !== "native") {
    console.error("--doubles-only boots native processes; unset ZAPA_STACK");
    return 2;
  }
  const stackFile = stackFilePath();
  const doublesFile = stackFile.replace(/[^/]*$/, "doubles.json");
  try {
    const existing = await readStackFile(stackFile);
    if (await controlAnswers(existing.control.url)) {
      console.error(
        `a stack is already running (pid ${existing.pid}, ${stackFile}); stop it with \`deno task down\` first`,
      );
      return 1;
    }
  } catch {
    // no running stack: good
  }
  await pruneLogs();
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(/\..*/, "");
  const logsDir = `${LOGS_ROOT}/${stamp}-${Deno.pid}`;
  let running: RunningStack | null = null;
  let stopping = false;
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping the stack …");
    stop();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  watchParent(onSignal);
  console.log(`booting the Zapa stack (logs: ${logsDir}) …`);
  try {
    const launching = launch({
      ports: "standard",
      stackFile: doublesOnly ? null : stackFile,
      ...(doublesOnly ? { services: DOUBLES } : {}),
      logsDir,
      settings,
      waitReady: true,
      onEvent: (text) => console.error(`[stack] ${text}`),
      onShutdownRequest: onSignal,
    });
    running = await Promise.race([launching, stopped.then(() => launching)]);
  } catch (error) {
    if (error instanceof PortTakenError || error instanceof ServiceStartError) {
      console.error(`boot failed: ${error.message}`);
    } else console.error(`boot failed: ${(error as Error).message}`);
    return 1;
  }
  if (!stopping && doublesOnly && running.stack instanceof NativeStack) {
    const stack = running.stack;
    const info = doublesInfo({
      ports: stack.ports,
      secrets: stack.secrets,
      database_url: stack.database_url,
      redis_url: stack.redis_url,
    });
    await Deno.writeTextFile(doublesFile, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
    console.log(doublesBanner(info, doublesFile, performance.now() / 1000));
  } else if (!stopping) console.log(banner(running.info, performance.now() / 1000, stackFile));
  await stopped;
  if (doublesOnly) await Deno.remove(doublesFile).catch(() => {});
  const t0 = performance.now();
  await running.shutdown();
  console.log(
    `stopped in ${((performance.now() - t0) / 1000).toFixed(2)} s; logs kept in ${logsDir}`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main());
