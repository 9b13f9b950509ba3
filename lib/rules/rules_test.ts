/** Rule traceability: the `// rules:` convention as the generator reads it, and the repository's own state. */
import assert from "node:assert/strict";
import { parseRules, parseTestFile } from "./parse.ts";
import { readSources, trace } from "./trace.ts";

const RULES_MD = `# Rules

## Login (R-LOGIN)

- **R-LOGIN-1** — A code works once,
  even when two verifications race.
  - 401 \`{detail}\` otherwise.
- **R-LOGIN-2** — Codes are random.
  - **Not testable here:** randomness
    is a property of the generator.

## Replicas (R-REPLICA)

- **R-REPLICA-1** — Two instances share the stores.
  - **Pending:** needs a proxy.
`;

Deno.test("rules: rules.md items give id, group, claim with continuation lines, and reasons", () => {
  assert.deepEqual(parseRules(RULES_MD), [
    {
      id: "R-LOGIN-1",
      group: "Login (R-LOGIN)",
      claim: "A code works once, even when two verifications race.",
      reason: null,
    },
    {
      id: "R-LOGIN-2",
      group: "Login (R-LOGIN)",
      claim: "Codes are random.",
      reason: { kind: "not-testable", text: "randomness is a property of the generator." },
    },
    {
      id: "R-REPLICA-1",
      group: "Replicas (R-REPLICA)",
      claim: "Two instances share the stores.",
      reason: { kind: "pending", text: "needs a proxy." },
    },
  ]);
  assert.throws(() => parseRules(`${RULES_MD}- **R-LOGIN-1** — again\n`), /duplicate rule id/);
});

/** Built so that the generator does not read these fixtures as annotations of this file. */
const R = "//" + " rules:";
const UNKNOWN = "R-" + "LOGIN-9";
const NOPE = "R-" + "NOPE-2";
const NOPE_GROUP = "R-" + "NOPE-*";

const TEST_FILE = `import { suiteTest } from "../lib/target.ts";

${R} R-LOGIN-1, R-LOGIN-2
Deno.test("auth: a code works once", () => {});

${R} R-LOGIN-1
${R} R-REPLICA-1
suiteTest(
  "security: two lines of rules",
  { needs: ["control"] },
  async () => {},
);

for (const c of cases) {
  ${R} R-LOGIN-2
  Deno.test(\`auth: case \${c.name}\`, () => {});
}

journey("e2e: a wrapper without rules", async () => {});
assert.equal(x, "security: not a test");
`;

Deno.test("rules: a 'rules:' comment directly above a test call names that test; unannotated tests are listed", () => {
  assert.deepEqual(parseTestFile("t_test.ts", TEST_FILE), [
    {
      file: "t_test.ts",
      line: 4,
      name: "auth: a code works once",
      rules: ["R-LOGIN-1", "R-LOGIN-2"],
      tier: "public",
    },
    {
      file: "t_test.ts",
      line: 8,
      name: "security: two lines of rules",
      rules: ["R-LOGIN-1", "R-REPLICA-1"],
      tier: "public",
    },
    {
      file: "t_test.ts",
      line: 16,
      name: "auth: case ${c.name}",
      rules: ["R-LOGIN-2"],
      tier: "public",
    },
    {
      file: "t_test.ts",
      line: 19,
      name: "e2e: a wrapper without rules",
      rules: [],
      tier: "public",
    },
  ]);
  assert.throws(
    () => parseTestFile("t_test.ts", `${R} R-LOGIN-1\n\nDeno.test("a: b", () => {});\n`),
    /not directly above a test/,
  );
});

Deno.test("rules: a rule without test or reason, and an unknown id in a test or a comment, are reported", () => {
  const t = trace(
    RULES_MD,
    [{ path: "tests/a_test.ts", text: `${R} ${UNKNOWN}\nDeno.test("a: b", () => {});\n` }],
    [{ path: "zapa/x.ts", text: `// see R-LOGIN-1 and ${NOPE}, R-LOGIN-* and ${NOPE_GROUP}\n` }],
  );
  assert.deepEqual(t.uncovered, ["R-LOGIN-1"]);
  assert.deepEqual(t.unknown, [
    { file: "zapa/x.ts", line: 1, id: NOPE },
    { file: "zapa/x.ts", line: 1, id: NOPE_GROUP },
  ]);
  const again = trace(
    RULES_MD,
    [{ path: "tests/a_test.ts", text: `${R} ${UNKNOWN}\nDeno.test("a: b", () => {});\n` }],
    [{ path: "tests/a_test.ts", text: `${R} ${UNKNOWN}\n` }],
  );
  assert.deepEqual(again.unknown, [{ file: "tests/a_test.ts", line: 1, id: UNKNOWN }]);
});

Deno.test("rules: every rule of spec/rules.md has a test or a written reason, and every cited id exists", async () => {
  const root = new URL("../../", import.meta.url);
  const rulesMd = await Deno.readTextFile(new URL("spec/rules.md", root));
  const { tests, sources } = await readSources(root);
  const t = trace(rulesMd, tests, sources);
  assert.ok(t.rules.length > 100, `only ${t.rules.length} rules parsed from spec/rules.md`);
  assert.deepEqual(t.uncovered, [], "rules with no test and no reason (add a test or a reason)");
  assert.deepEqual(
    t.unknown.map((u) => `${u.file}:${u.line} ${u.id}`),
    [],
    "rule ids cited that spec/rules.md does not define",
  );
});

const TIER = "//" + " tier:";

Deno.test("rules: a 'tier:' line in the annotation block declares an implementation check; public is the default", () => {
  const text =
    `${R} R-LOGIN-1\n${TIER} internal — our table names\nsuiteTest("a: b", () => {});\n\n` +
    `${TIER} internal\n${R} R-LOGIN-2\nDeno.test("a: c", () => {});\n\n${R} R-LOGIN-2\nDeno.test("a: d", () => {});\n`;
  assert.deepEqual(
    parseTestFile("t_test.ts", text).map((t) => [t.name, t.rules, t.tier, t.tierReason]),
    [
      ["a: b", ["R-LOGIN-1"], "internal", "our table names"],
      ["a: c", ["R-LOGIN-2"], "internal", undefined],
      ["a: d", ["R-LOGIN-2"], "public", undefined],
    ],
  );
});

/** Code that reaches into the database or Redis directly: only implementation checks may. */
const DIRECT_STORE =
  /sql`|postgres\(|withSql\(|MiniRedis|target\.(database|redis)\b|needs:[^\n]*"(database|redis)"/;
/** Public tests allowed to touch a store, and why. */
const STORE_EXCEPTIONS: Record<string, string> = {
  "integration: session events are accepted with their event type":
    "its SQL part runs only `if (target.database)`, which external sets only with ZAPA_CHECK_INTERNALS=1",
  "integration: a login code is never stored as a message":
    "its SQL part runs only `if (target.database)`, which external sets only with ZAPA_CHECK_INTERNALS=1",
};

// rules: R-HARNESS-4
Deno.test("rules: every suite test that reads the database or Redis directly is declared internal (tier), and registers through suiteTest", async () => {
  const root = new URL("../../", import.meta.url);
  const { tests: files } = await readSources(root);
  const wrong: string[] = [];
  const unseen = new Set(Object.keys(STORE_EXCEPTIONS));
  for (const f of files.filter((x) => x.path.startsWith("tests/"))) {
    const lines = f.text.split("\n");
    const tests = parseTestFile(f.path, f.text);
    tests.forEach((t, i) => {
      const body = lines.slice(t.line - 1, (tests[i + 1]?.line ?? lines.length + 1) - 1).join("\n");
      if (t.tier === "internal" && /^\s*Deno\.test\(/.test(lines[t.line - 1]!)) {
        wrong.push(
          `${f.path}:${t.line} "${t.name}" is internal but registered with Deno.test (use suiteTest)`,
        );
      }
      if (t.tier === "internal" || !DIRECT_STORE.test(body)) return;
      if (t.name in STORE_EXCEPTIONS) unseen.delete(t.name);
      else wrong.push(`${f.path}:${t.line} "${t.name}" touches a store: add // tier: internal`);
    });
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual([...unseen], [], "stated exceptions that no longer match a test (remove them)");
});
