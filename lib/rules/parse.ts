/**
 * Reads the two halves of rule traceability: the numbered rules of `spec/rules.md` and the
 * `// rules: R-…` declarations above tests. Pure text functions, so the convention is tested
 * on small inputs and a generator can trust it.
 */

/** A rule id: `R-` + an upper-case group + `-` + a number (`R-LOGIN-3`). */
export const RULE_ID = /\bR-[A-Z]+-\d+\b/g;
/** A whole group of rules cited at once: `R-LOGIN-*`. */
export const RULE_GROUP = /\bR-[A-Z]+-\*/g;

export interface Rule {
  id: string;
  /** The group heading the rule sits under. */
  group: string;
  /** The testable sentence. */
  claim: string;
  /** Why no test enforces it: "not testable here", a known gap ("pending"), or withdrawn. */
  reason: { kind: "not-testable" | "pending" | "withdrawn"; text: string } | null;
}

const RULE_START = /^- \*\*(R-[A-Z]+-\d+)\*\* — (.*)$/;
const REASONS = [
  { kind: "not-testable", marker: "**Not testable here:**" },
  { kind: "pending", marker: "**Pending:**" },
  { kind: "withdrawn", marker: "**Withdrawn:**" },
] as const;

/** The rules of a `rules.md`, in document order; throws on a duplicate id. */
export function parseRules(markdown: string): Rule[] {
  const rules: Rule[] = [];
  let group = "";
  let current: Rule | null = null;
  let inClaim = false;
  let inReason = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) {
      group = line.slice(3).trim();
      current = null;
      continue;
    }
    const start = RULE_START.exec(line);
    if (start) {
      if (rules.some((r) => r.id === start[1])) throw new Error(`duplicate rule id ${start[1]}`);
      current = { id: start[1]!, group, claim: start[2]!.trim(), reason: null };
      rules.push(current);
      inClaim = true;
      inReason = false;
      continue;
    }
    if (!current) continue;
    if (!line.startsWith("  ")) {
      current = null;
      continue;
    }
    const body = line.trim();
    if (body.startsWith("- ")) {
      inClaim = false;
      inReason = false;
      const item = body.slice(2);
      const reason = REASONS.find((r) => item.startsWith(r.marker));
      if (reason) {
        current.reason = { kind: reason.kind, text: item.slice(reason.marker.length).trim() };
        inReason = true;
      }
    } else if (inClaim) {
      current.claim += ` ${body}`;
    } else if (inReason && current.reason) {
      current.reason.text += ` ${body}`;
    }
  }
  return rules;
}

/**
 * What a test checks: `public` (the contract, visible from outside: HTTP, webhook, bridge and LLM
 * behaviour) or `internal` (our implementation: schema and table names, indexes, Redis keys, log
 * format, exact internal texts). Declared with `// tier: internal — why` beside `// rules:`;
 * public is the default.
 */
export type Tier = "public" | "internal";

/** One test registration and the rules it declares (none when it has no annotation). */
export interface DeclaredTest {
  file: string;
  /** 1-based line of the test call. */
  line: number;
  /** The test's name as written (template literals keep their `${…}`). */
  name: string;
  rules: string[];
  tier: Tier;
  /** The text after `// tier: internal —`, when given. */
  tierReason?: string;
}

const ANNOTATION = /^\s*\/\/\s*rules:\s*(.*)$/;
/** `// tier: internal — our table names` (the reason after a dash or colon is optional). */
export const TIER_ANNOTATION = /^\s*\/\/\s*tier:\s*(public|internal)\b\s*(?:[—–:-]+\s*(.*))?$/;
const ANY_ANNOTATION = (line: string) => ANNOTATION.test(line) || TIER_ANNOTATION.test(line);
/** A call whose first string argument is a test name: "<suite>: <sentence>". */
const TEST_CALL = /^\s*(?:[A-Za-z_$][\w$.]*)\(\s*(?:\{\s*name:\s*)?(["'`])([\w .\/-]+: .*)$/;

/** Calls that take a "<word>: …" string but register no test. */
const NOT_A_TEST = /^\s*(?:assert|console|log|throw|new |await |return |expect|[\w$.]*\.includes)/;

/**
 * Finds the `// rules:` annotations of a test file and the tests they sit directly above, and
 * every other test registration (name "<suite>: …") without one.
 */
export function parseTestFile(file: string, text: string): DeclaredTest[] {
  const lines = text.split("\n");
  const out: DeclaredTest[] = [];
  const annotated = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    if (!ANY_ANNOTATION(lines[i]!)) continue;
    const ids: string[] = [];
    let tier: Tier = "public";
    let tierReason: string | undefined;
    let j = i;
    for (; j < lines.length && ANY_ANNOTATION(lines[j]!); j++) {
      const rules = ANNOTATION.exec(lines[j]!);
      if (rules) ids.push(...[...rules[1]!.matchAll(RULE_ID)].map((x) => x[0]));
      const t = TIER_ANNOTATION.exec(lines[j]!);
      if (t) {
        tier = t[1] as Tier;
        tierReason = t[2]?.trim() || undefined;
      }
    }
    const name = testNameAt(lines, j);
    if (name === null) {
      throw new Error(`${file}:${i + 1}: "// rules:" is not directly above a test`);
    }
    out.push({ file, line: j + 1, name, rules: ids, tier, ...(tierReason ? { tierReason } : {}) });
    annotated.add(j);
    i = j - 1;
  }
  for (let i = 0; i < lines.length; i++) {
    if (annotated.has(i) || NOT_A_TEST.test(lines[i]!)) continue;
    if (!TEST_CALL.test(lines[i]!) && !isCallOpening(lines, i)) continue;
    const name = testNameAt(lines, i);
    if (name !== null && /^[\w .\/-]+: /.test(name)) {
      out.push({ file, line: i + 1, name, rules: [], tier: "public" });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** `suiteTest(` / `Deno.test(` alone on its line, the name on the next one. */
function isCallOpening(lines: string[], i: number): boolean {
  return /^\s*[A-Za-z_$][\w$.]*\(\s*$/.test(lines[i]!) &&
    /^\s*["'`]/.test(lines[i + 1] ?? "");
}

/** The first string literal of the statement starting at line `i` (within three lines). */
function testNameAt(lines: string[], i: number): string | null {
  if (!/^\s*[A-Za-z_$][\w$.]*\(/.test(lines[i] ?? "")) return null;
  const chunk = lines.slice(i, i + 3).join("\n");
  const m = /(["'`])((?:\\.|(?!\1)[^\\])*)\1/.exec(chunk);
  return m ? m[2]! : null;
}
