/**
 * The runtime side of test tiers: a test whose `// tier: internal` declaration sits above it
 * checks our implementation (schema, Redis keys, log format, exact internal texts), so on a
 * foreign Zapa (`ZAPA_STACK=external`) it is ignored with that reason unless
 * `ZAPA_CHECK_INTERNALS=1`. The comment is the only declaration: `suiteTest` finds it by reading
 * the calling test file at the line V8 reports, with the same parser `deno task rules` uses.
 */
import { type DeclaredTest, parseTestFile } from "./rules/parse.ts";

/** Whether internal-tier tests run: always on our own stacks, on external only when asked. */
export function checksInternals(kind: string, env: { get(name: string): string | undefined }) {
  return kind !== "external" ||
    ["1", "true", "yes"].includes(env.get("ZAPA_CHECK_INTERNALS") ?? "");
}

/** `file:///…/x_test.ts:12:3` → the test file URL and line of the first frame in a test file. */
export function testFrame(stack: string): { url: string; line: number } | null {
  for (const m of stack.matchAll(/(file:\/\/[^\s()]+?_test\.tsx?):(\d+):\d+/g)) {
    return { url: m[1]!, line: Number(m[2]) };
  }
  return null;
}

const parsed = new Map<string, DeclaredTest[]>();

/**
 * The declaration of the test registered from `stack` (an `Error().stack` taken inside the
 * registering helper), or null when the call is not in a test file. Throws when the file cannot
 * be read: a tier must never be guessed.
 */
export function declarationAt(
  stack: string,
  readText: (url: URL) => string = (url) => Deno.readTextFileSync(url),
): DeclaredTest | null {
  const frame = testFrame(stack);
  if (!frame) return null;
  let tests = parsed.get(frame.url);
  if (!tests) {
    let text: string;
    try {
      text = readText(new URL(frame.url));
    } catch (error) {
      throw new Error(
        `cannot read ${frame.url} to find its tests' tier declarations (needs --allow-read on ` +
          `tests/): ${(error as Error).message}`,
      );
    }
    tests = parseTestFile(frame.url, text);
    parsed.set(frame.url, tests);
  }
  return tests.find((t) => t.line === frame.line) ?? null;
}

/** Why an internal-tier test does not run here, or null when it runs. */
export function internalIgnoreReason(
  declared: Pick<DeclaredTest, "tier" | "tierReason"> | null,
  kind: string,
  env: { get(name: string): string | undefined },
): string | null {
  if (!declared || declared.tier !== "internal" || checksInternals(kind, env)) return null;
  return `implementation check (tier: internal${
    declared.tierReason ? ` — ${declared.tierReason}` : ""
  }) does not apply to a foreign Zapa; ZAPA_CHECK_INTERNALS=1 runs it`;
}
