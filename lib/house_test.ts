/**
 * The house rules of ARCHITECTURE.md, checked from the code: every top-level folder it lists
 * exists, every relative import of every .ts/.tsx file goes in an allowed direction (or is one
 * of the few named exceptions), Zapa's product code stands alone, the test runner reaches the
 * stack only through its face, and no module imports itself round a cycle.
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

/**
 * Zapa's tests (`*_test.ts`) and its test kit (`zapa/testing/`) may also use the two protocol
 * doubles in-process: they speak the real wire protocols, as a real bridge or provider would.
 */
const ZAPA_TEST_DOUBLES = ["mock_bridge", "mock_llm"];
const isZapaTest = (file: string) =>
  file.startsWith("zapa/") && (file.startsWith("zapa/testing/") || /_test\.tsx?$/.test(file));

function allowedFrom(file: string): readonly string[] | undefined {
  const allowed = ALLOWED[topOf(file)];
  return allowed && isZapaTest(file) ? [...allowed, ...ZAPA_TEST_DOUBLES] : allowed;
}

/** Imports that break a direction on purpose: importing file (or folder/) → imported prefix. */
const EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [
  {
    from: "load/k8s/configmap.ts",
    to: "lib/runner/group_runner.ts",
    why: "the k8s ConfigMap generator lists the load scripts the way the test command does " +
      "(from the module itself: lib/runner/mod.ts pulls in the stack and its env reads)",
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
    const allowed = allowedFrom(file);
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

Deno.test("house: Zapa's product code imports nothing outside zapa/, its tests nothing but the two doubles", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    if (topOf(file) !== "zapa") continue;
    const allowed = isZapaTest(file) ? ["zapa", ...ZAPA_TEST_DOUBLES] : ["zapa"];
    for (const t of targets) if (!allowed.includes(topOf(t))) wrong.push(`${file} → ${t}`);
  }
  assert.deepEqual(wrong, [], `zapa/ reaching out:\n${wrong.join("\n")}`);
});

Deno.test("house: lib/runner reaches lib/stack only through lib/stack/mod.ts, and lib/stack never imports lib/runner", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    for (const t of targets) {
      const intoStack = file.startsWith("lib/runner/") && t.startsWith("lib/stack/") &&
        t !== "lib/stack/mod.ts";
      const intoRunner = file.startsWith("lib/stack/") && t.startsWith("lib/runner/");
      if (intoStack || intoRunner) wrong.push(`${file} → ${t}`);
    }
  }
  assert.deepEqual(wrong, [], `imports across the stack/runner faces:\n${wrong.join("\n")}`);
});

Deno.test("house: outside lib/stack, the stack harness is reached only through lib/stack/mod.ts", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    if (file.startsWith("lib/stack/")) continue;
    for (const target of targets) {
      if (target.startsWith("lib/stack/") && target !== "lib/stack/mod.ts") {
        wrong.push(`${file} → ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, [], `imports past lib/stack's face:\n${wrong.join("\n")}`);
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
