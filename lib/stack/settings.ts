/**
 * Every setting of the harness, read from the environment here and nowhere else in lib/stack
 * or lib/runner (README lists them with their defaults). Most are read once by readSettings;
 * the few a module needs before any settings exist (the PostgreSQL binaries, the temp root,
 * the stack file's path) have a reader of their own below.
 */

import { PORT_SETTINGS } from "./services.ts";
import { readReplicaCounts, type ReplicaCounts } from "./replicas.ts";

export type TargetKind = "native" | "compose" | "external";

export interface HarnessSettings {
  /** ZAPA_STACK: native (default), compose or external. */
  target: TargetKind;
  /** ZAPA_*_PORT overrides, by variable name. */
  port_overrides: Record<string, string | undefined>;
  /** ZAPA_START_TIMEOUT_MS (30000): how long a service may take to become healthy. */
  start_timeout_ms: number;
  /** ZAPA_ALLOW_MISSING_SERVICES=1: boot without services whose entry file is missing. */
  allow_missing: boolean;
  /**
   * ZAPA_REPORTS_DIR (reports): where the test command writes JUnit XML, the report and the run's
   * logs. Keep it under reports/ (the only folder the harness may write besides .zapa and /tmp);
   * `deno task flaky` gives each repeated run its own.
   */
  reports_dir: string;
  /** CI (set by CI systems): plainer output. */
  ci: boolean;
  /** What every child process inherits: PATH, HOME, DENO_DIR, TMPDIR, locale. */
  base_env: Record<string, string>;
  /** ZAPA_PRIVATE_REPLICAS / ZAPA_PUBLIC_REPLICAS (1 each): instances behind the proxy. */
  replicas: ReplicaCounts;
  /**
   * ZAPA_BRIDGE_JOURNAL_LIMIT (the bridge's default): how many entries each of the bridge's
   * journals keeps. Load runs size it from their plan (load/README.md).
   */
  bridge_journal_limit: number | undefined;
  /** ZAPA_STACK_FILE (.zapa/stack.json): where `deno task up` publishes the stack. */
  stack_file: string;
  /** ZAPA_PUBLIC_URL, ZAPA_PRIVATE_URL, …: an external target's addresses (empty otherwise). */
  external_urls: string[];
  /**
   * ZAPA_TARGET_NAME: what the conformance map calls the target (default: our Zapa for native
   * and compose, the public URL for external).
   */
  target_name: string;
  /** Implementation checks (tier: internal) run: always on our stacks, on external with ZAPA_CHECK_INTERNALS=1. */
  checks_internals: boolean;
}

type Env = { get(name: string): string | undefined };

/** The external target's URL variables, which the suites read through lib/target.ts. */
const EXTERNAL_URL_VARIABLES = [
  "ZAPA_PUBLIC_URL",
  "ZAPA_PRIVATE_URL",
  "ZAPA_BRIDGE_URL",
  "ZAPA_LLM_URL",
  "ZAPA_CONTROL_URL",
];

/** ZAPA_PG_BIN (/usr/lib/postgresql/15/bin): where initdb and postgres are. */
export function pgBin(env: Env = Deno.env): string {
  return env.get("ZAPA_PG_BIN") || "/usr/lib/postgresql/15/bin";
}

/** TMPDIR (/tmp): where stacks make their temp dirs. */
export function tempRoot(env: Env = Deno.env): string {
  return env.get("TMPDIR") || "/tmp";
}

/** ZAPA_STACK_FILE (.zapa/stack.json). */
export function stackFilePath(env: Env = Deno.env): string {
  return env.get("ZAPA_STACK_FILE") || ".zapa/stack.json";
}

function journalLimit(env: Env): number | undefined {
  const value = env.get("ZAPA_BRIDGE_JOURNAL_LIMIT");
  if (value === undefined || value === "") return undefined;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new Error(`ZAPA_BRIDGE_JOURNAL_LIMIT must be a positive integer, got ${value}`);
  }
  return Number(value);
}

const INHERITED = ["PATH", "HOME", "DENO_DIR", "TMPDIR", "LANG", "TZ"];

export function readSettings(env: Env = Deno.env): HarnessSettings {
  const target = (env.get("ZAPA_STACK") || "native") as TargetKind;
  if (!["native", "compose", "external"].includes(target)) {
    throw new Error(`ZAPA_STACK=${target}: expected native, compose or external`);
  }
  const port_overrides: Record<string, string | undefined> = {};
  for (const { variable } of Object.values(PORT_SETTINGS)) {
    port_overrides[variable] = env.get(variable);
  }
  const timeout = Number(env.get("ZAPA_START_TIMEOUT_MS") || 30_000);
  const base_env: Record<string, string> = {
    NO_COLOR: "1",
    RUST_BACKTRACE: "0",
    DENO_NO_UPDATE_CHECK: "1",
  };
  for (const name of INHERITED) {
    const value = env.get(name);
    if (value) base_env[name] = value;
  }
  base_env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  return {
    target,
    port_overrides,
    start_timeout_ms: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    reports_dir: (env.get("ZAPA_REPORTS_DIR") || "reports").replace(/\/+$/, ""),
    allow_missing: ["1", "true", "yes"].includes(env.get("ZAPA_ALLOW_MISSING_SERVICES") ?? ""),
    ci: !!env.get("CI") && env.get("CI") !== "false",
    base_env,
    replicas: readReplicaCounts(env),
    bridge_journal_limit: journalLimit(env),
    stack_file: stackFilePath(env),
    external_urls: target === "external"
      ? EXTERNAL_URL_VARIABLES.map((name) => env.get(name) ?? "").filter(Boolean)
      : [],
    target_name: env.get("ZAPA_TARGET_NAME") ||
      (target === "external"
        ? `external Zapa at ${env.get("ZAPA_PUBLIC_URL") ?? "?"}`
        : `our Zapa (zapa/, ${target})`),
    checks_internals: target !== "external" ||
      ["1", "true", "yes"].includes(env.get("ZAPA_CHECK_INTERNALS") ?? ""),
  };
}
