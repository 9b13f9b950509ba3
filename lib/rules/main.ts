/**
 * `deno task rules`: writes `spec/traceability.md` and `reports/traceability.json` from
 * `spec/rules.md` and the tests' `// rules:` declarations, and exits 1 when a rule has neither a
 * test nor a written reason or when anything cites an unknown rule id.
 */
import { readSources, renderJson, renderMarkdown, trace } from "./trace.ts";

const root = new URL("../../", import.meta.url);
const rulesMd = await Deno.readTextFile(new URL("spec/rules.md", root));
const { tests, sources } = await readSources(root);
const t = trace(rulesMd, tests, sources);
await Deno.writeTextFile(new URL("spec/traceability.md", root), renderMarkdown(t));
await Deno.mkdir(new URL("reports/", root), { recursive: true });
await Deno.writeTextFile(new URL("reports/traceability.json", root), renderJson(t));

const covered = t.rules.filter((r) => r.tests.length > 0).length;
console.log(
  `${t.rules.length} rules, ${covered} covered by tests; wrote spec/traceability.md and ` +
    "reports/traceability.json",
);
for (const id of t.uncovered) {
  console.error(`${id}: no test declares it and rules.md gives no reason`);
}
for (const u of t.unknown) console.error(`${u.file}:${u.line}: unknown rule id ${u.id}`);
if (t.uncovered.length > 0 || t.unknown.length > 0) Deno.exit(1);
