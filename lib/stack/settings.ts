/**
 * Every setting of the harness, read once from the environment (README lists them with their
 * defaults). Nothing else in lib/stack reads Deno.env.
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
}

const INHERITED = ["PATH", "HOME", "DENO_DIR", "TMPDIR", "LANG", "TZ"];

export function readSettings(
  env: { get(name: string): string | undefined } = Deno.env,
): HarnessSettings {
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
  };
}
