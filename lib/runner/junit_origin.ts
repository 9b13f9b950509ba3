/**
 * Puts suite tests back under their own file in JUnit reports. Deno files a test under the
 * module that called `Deno.test`; tests declared through `suiteTest()` would all land under
 * `lib/target.ts`. The console output of `deno test` names each test's real module, so the
 * test command maps names to modules from it and regroups the XML by file.
 */

/** Test name → the module it came from, read from `deno test` console output. */
export function collectOrigins(output: string): Map<string, string> {
  const origins = new Map<string, string>();
  let current: string | null = null;
  for (const line of output.split("\n")) {
    const running = /^running \d+ tests? from (\S+)/.exec(line);
    if (running) {
      current = running[1]!;
      continue;
    }
    const parallel = /^(\.\/\S+) => (.+?) \.\.\. /.exec(line);
    if (parallel) {
      if (!origins.has(parallel[2]!)) origins.set(parallel[2]!, parallel[1]!);
      continue;
    }
    const serial = /^(\S.*?) \.\.\. /.exec(line);
    if (serial && current && !origins.has(serial[1]!)) origins.set(serial[1]!, current);
  }
  return origins;
}

function unescapeXml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

interface Case {
  file: string;
  xml: string;
  failed: boolean;
  skipped: boolean;
  time: number;
}

/**
 * Rewrites a Deno JUnit report so that every test case (and its steps, `parent > step`) sits
 * in a test suite named after the module it came from. Cases with no known origin keep theirs.
 */
export function regroupJunit(xml: string, origins: Map<string, string>): string {
  const header = /<testsuites\s[^>]*>/.exec(xml);
  if (!header || origins.size === 0) return xml;
  const cases: Case[] = [];
  for (const match of xml.matchAll(/<testcase\s[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g)) {
    let text = match[0];
    const name = unescapeXml(/\sname="([^"]*)"/.exec(text)?.[1] ?? "");
    const classname = unescapeXml(/\sclassname="([^"]*)"/.exec(text)?.[1] ?? "");
    const file = origins.get(name) ?? origins.get(name.split(" > ")[0]!) ?? classname;
    text = text.replace(/\sclassname="[^"]*"/, ` classname="${escapeXml(file)}"`);
    cases.push({
      file,
      xml: text,
      failed: /<(failure|error)[\s>]/.test(text),
      skipped: /<skipped/.test(text),
      time: Number(/\stime="([^"]*)"/.exec(text)?.[1] ?? 0),
    });
  }
  const files = [...new Set(cases.map((c) => c.file))];
  const suites = files.map((file) => {
    const mine = cases.filter((c) => c.file === file);
    const failures = mine.filter((c) => c.failed).length;
    const skipped = mine.filter((c) => c.skipped).length;
    const time = mine.reduce((sum, c) => sum + c.time, 0).toFixed(3);
    return `    <testsuite name="${
      escapeXml(file)
    }" tests="${mine.length}" disabled="0" errors="0" ` +
      `failures="${failures}" skipped="${skipped}" time="${time}">\n` +
      mine.map((c) => `        ${c.xml}`).join("\n") + "\n    </testsuite>";
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${header[0]}\n${
    suites.join("\n")
  }\n</testsuites>\n`;
}
