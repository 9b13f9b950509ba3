/**
 * Opt-in live runs (issue 10), kept apart from the rest of the harness: which real LLM
 * providers this run has keys for (`TEST_OPENAI_KEY`, `TEST_ANTHROPIC_KEY`,
 * `TEST_GOOGLE_KEY`), and the `live` group the test command runs for `live_*_test.ts` files —
 * on a stack of its own whose Zapa entrypoints call those providers' real APIs (their default
 * base URLs) instead of the mock LLM. Without any key the group needs no stack: its tests
 * report themselves ignored, naming the variable to set.
 */
import { DENO_SERVICE_SPECS, type DenoServiceName, type DenoServiceSpec } from "../stack/mod.ts";
import { externalHosts, findTestFiles, type GroupSpec } from "./test_groups.ts";

export const LIVE_PROVIDERS = {
  openai: { key: "TEST_OPENAI_KEY", base_url: "OPENAI_BASE_URL" },
  anthropic: { key: "TEST_ANTHROPIC_KEY", base_url: "ANTHROPIC_BASE_URL" },
  google: { key: "TEST_GOOGLE_KEY", base_url: "GOOGLE_BASE_URL" },
} as const;
export type LiveProvider = keyof typeof LIVE_PROVIDERS;

interface Env {
  get(name: string): string | undefined;
}

/** `live_*_test.ts` files: they run in the live group only, never in their folder's group. */
export function isLiveTestFile(path: string): boolean {
  return /(^|\/)live_[^/]*_test\.ts$/.test(path);
}

/** Providers whose `TEST_*_KEY` is set (unreadable variables count as unset). */
export function liveProviders(env: Env = Deno.env): LiveProvider[] {
  return (Object.keys(LIVE_PROVIDERS) as LiveProvider[]).filter((provider) => {
    try {
      return (env.get(LIVE_PROVIDERS[provider].key) ?? "").trim() !== "";
    } catch {
      return false;
    }
  });
}

/**
 * Launch specs of both Zapa entrypoints without the base-URL override of each live provider,
 * so Zapa's SDKs use the provider's default endpoint. The other providers stay on the mock.
 */
export function liveSpecs(
  providers: readonly LiveProvider[],
): Partial<Record<DenoServiceName, DenoServiceSpec>> {
  const drop = providers.map((p) => LIVE_PROVIDERS[p].base_url);
  const strip = (spec: DenoServiceSpec): DenoServiceSpec => ({
    ...spec,
    env: (wiring) => {
      const env = spec.env(wiring);
      for (const name of drop) delete env[name];
      return env;
    },
  });
  return { private: strip(DENO_SERVICE_SPECS.private), public: strip(DENO_SERVICE_SPECS.public) };
}

/** Hosts the live group must reach besides loopback: the real bridge of the smoke test. */
export function liveHosts(env: Env = Deno.env): string[] {
  try {
    return externalHosts([env.get("ZAPA_LIVE_BRIDGE_URL") ?? ""]);
  } catch {
    return [];
  }
}

/**
 * The live group for the selected groups' folders, or null when they hold no live test. It
 * gets its own stack only on a native target with at least one provider key.
 */
export async function livePlan(
  groups: readonly GroupSpec[],
  options: { native: boolean; env?: Env },
): Promise<{ group: GroupSpec; files: string[] } | null> {
  const dirs = [...new Set(groups.filter((g) => g.kind === "deno").flatMap((g) => g.dirs))];
  const files = (await Promise.all(dirs.map(findTestFiles))).flat().filter(isLiveTestFile);
  if (files.length === 0) return null;
  const withStack = options.native && liveProviders(options.env).length > 0;
  return {
    group: {
      name: "live",
      dirs,
      stack: withStack ? "live" : "none",
      parallel: false,
      permissions: "suite",
      kind: "deno",
    },
    files: files.sort(),
  };
}
