/**
 * The load scripts stay runnable on any k6 runner, here or in a k6-operator pod: they import
 * only k6's modules and their own files, read no files at run time, and take every setting
 * from `-e` variables that load/README.md documents.
 */
import assert from "node:assert/strict";
import { findLoadScripts } from "../lib/runner/mod.ts";
import { importsOf, isK6Module, scriptFiles } from "./k8s/script_files.ts";

const scripts = await findLoadScripts("load");

/** Variable names in the README's "Variables" table (first column, in backticks). */
async function documentedVariables(): Promise<Set<string>> {
  const readme = await Deno.readTextFile("load/README.md");
  const section = readme.slice(readme.indexOf("## Variables"));
  const table = section.slice(0, section.indexOf("\n## ", 3));
  return new Set([...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1] as string));
}

Deno.test("load scripts: all three are found", () => {
  assert.deepEqual(scripts, ["load/inbound_throughput.ts", "load/soak.ts", "load/user_journey.ts"]);
});

for (const script of scripts) {
  Deno.test(`load scripts: ${script} imports only k6 modules and its own files`, async () => {
    for (const file of await scriptFiles(script)) {
      assert.ok(
        /^load\/([\w]+\.ts|lib\/[\w]+\.ts)$/.test(file),
        `${file}: the script's own files live in load/ and load/lib/, not in the runner`,
      );
      for (const spec of importsOf(await Deno.readTextFile(file))) {
        assert.ok(isK6Module(spec) || spec.startsWith("./") || spec.startsWith("../"), spec);
      }
    }
  });

  Deno.test(`load scripts: ${script} reads no files and no process state at run time`, async () => {
    for (const file of await scriptFiles(script)) {
      const code = (await Deno.readTextFile(file)).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const banned of [/\bopen\s*\(/, /\bDeno\./, /\brequire\s*\(/, /\bfetch\s*\(/]) {
        assert.doesNotMatch(code, banned, `${file} uses ${banned}`);
      }
    }
  });

  Deno.test(`load scripts: ${script} reads only documented -e variables`, async () => {
    const documented = await documentedVariables();
    for (const file of await scriptFiles(script)) {
      for (const m of (await Deno.readTextFile(file)).matchAll(/__ENV\.([A-Z_]+)/g)) {
        assert.ok(
          documented.has(m[1] as string),
          `${file}: __ENV.${m[1]} is not in load/README.md`,
        );
      }
    }
  });
}

Deno.test("load scripts: an import from outside k6 and the script is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zapa-script-" });
  try {
    await Deno.writeTextFile(
      `${dir}/bad.ts`,
      `import { x } from "./ok.ts";\nimport "npm:left-pad";\n`,
    );
    await Deno.writeTextFile(
      `${dir}/ok.ts`,
      `import http from "k6/http";\nexport const x = http;\n`,
    );
    await assert.rejects(scriptFiles(`${dir}/bad.ts`), /imports npm:left-pad: only k6 modules/);
    assert.deepEqual(await scriptFiles(`${dir}/ok.ts`), [`${dir}/ok.ts`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
