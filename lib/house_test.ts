/**
 * The house rules of ARCHITECTURE.md, checked from the code: every top-level folder it lists
 * exists, every relative import of every .ts/.tsx file goes in an allowed direction (or is one
 * of the few named exceptions), and no module imports itself round a cycle.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));
const SKIP = new Set([".git", ".tools", ".zapa", "reports", "node_modules"]);

/** Top-level folder → the folders its files may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  zapa: [],
  mock_bridge: ["lib"],
  mock_llm: [],
  lib: ["mock_bridge", "mock_llm"],
  tests: ["lib", "mock_bridge", "mock_llm", "load"],
  load: [],
};

/** Imports that break a direction on purpose: importing file (or folder/) → imported prefix. */
const EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [
  {
    from: "zapa/testing/stores.ts",
    to: "lib/stack/",
    why: "Zapa's test stores reuse the harness's PostgreSQL/Redis spawning until it moves",
  },
  {
    from: "zapa/agent/",
    to: "mock_llm/",
    why: "the LLM adapters' unit tests talk to the mock LLM in-process",
  },
  {
    from: "zapa/admin/mod_test.ts",
    to: "mock_llm/",
    why: "the admin console's connection test talks to the mock LLM in-process",
  },
  {
    from: "zapa/pipeline/webhook_schema_test.ts",
    to: "lib/spec_schemas.ts",
    why: "the webhook is checked against the published schemas the harness loads",
  },
  {
    from: "load/k8s/configmap.ts",
    to: "lib/runner/mod.ts",
    why: "the k8s ConfigMap generator lists the load scripts the way the test command does",
  },
  {
    from: "load/scripts_test.ts",
    to: "lib/runner/mod.ts",
    why: "the load scripts' import check lists them the way the test command does",
  },
  {
    from: "tests/e2e/live_bridge_test.ts",
    to: "zapa/pipeline/bridge_client.ts",
    why: "the live-bridge check sends through Zapa's own bridge client",
  },
];

async function sourceFiles(dir = ROOT): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name)) found.push(relative(ROOT, path));
  }
  return found;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** The repository paths a file imports relatively (comments ignored). */
async function importsOf(file: string): Promise<string[]> {
  const text = (await Deno.readTextFile(join(ROOT, file))).replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1]!)));
}

const topOf = (path: string) => path.includes("/") ? path.slice(0, path.indexOf("/")) : "";

const graph = new Map<string, string[]>();
for (const file of await sourceFiles()) graph.set(file, await importsOf(file));

Deno.test("house: every top-level folder ARCHITECTURE.md lists exists and has a row in the direction table", async () => {
  const doc = await Deno.readTextFile(join(ROOT, "ARCHITECTURE.md"));
  for (const folder of Object.keys(ALLOWED)) {
    const stat = await Deno.stat(join(ROOT, folder)).catch(() => null);
    assert.ok(stat?.isDirectory, `${folder}/ is gone`);
    assert.match(doc, new RegExp("`" + folder + "/`"), `ARCHITECTURE.md does not list ${folder}/`);
  }
});

Deno.test("house: every relative import goes in a direction ARCHITECTURE.md allows", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = topOf(file);
    const allowed = ALLOWED[from];
    if (!allowed) continue;
    for (const target of targets) {
      const to = topOf(target);
      if (to === from || allowed.includes(to)) continue;
      if (EXCEPTIONS.some((e) => file.startsWith(e.from) && target.startsWith(e.to))) continue;
      wrong.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(wrong, [], `imports against the house directions:\n${wrong.join("\n")}`);
});

Deno.test("house: every listed exception is still needed", () => {
  for (const e of EXCEPTIONS) {
    const used = [...graph].some(([file, targets]) =>
      file.startsWith(e.from) && targets.some((t) => t.startsWith(e.to))
    );
    assert.ok(used, `exception ${e.from} → ${e.to} is no longer used: remove it`);
  }
});

Deno.test("house: no module imports itself round a cycle", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") {
        cycles.push([...path.slice(path.indexOf(next)), next].join(" → "));
      } else if (!state.has(next)) visit(next, [...path, next]);
    }
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
});
