/**
 * A small `k6 inspect --execution-requirements`: loads a script with the runner's k6 shims
 * and prints its scenarios and their peak VUs as JSON, e.g. to check that N runners each get
 * at least one VU. Run as
 *   deno run --no-config --import-map=load/runner/import_map.json --allow-read=load \
 *     load/k8s/inspect.ts load/user_journey.ts PROFILE=full
 */
import { run } from "../runner/state.ts";
import { maxVus, scenariosFromOptions } from "../runner/scenarios.ts";

export interface ScenarioRequirement {
  name: string;
  executor: string;
  maxVUs: number;
}

if (import.meta.main) {
  const [script, ...vars] = Deno.args;
  if (!script) throw new Error("usage: inspect.ts <script> [KEY=VALUE]...");
  run.env = Object.fromEntries(
    vars.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
  const mod = await import(new URL(script, `file://${Deno.cwd()}/`).href);
  const scenarios: ScenarioRequirement[] = scenariosFromOptions(mod.options ?? {}).map((s) => ({
    name: s.name,
    executor: s.executor,
    maxVUs: maxVus(s),
  }));
  console.log(JSON.stringify({ scenarios }));
}
