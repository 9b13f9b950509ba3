/** Builders for the report's tests: JUnit XML of given outcomes, and a group run published from it. */

import { type GroupRun, publishGroup } from "./publish.ts";
import { stagingDir } from "./store.ts";
import type { GroupRecord } from "./model.ts";

function x(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

export type Outcome = [name: string, status: "passed" | "failed" | "ignored", message?: string];

/** A Deno-shaped JUnit report with one file and the given top-level tests. */
export function junitOf(file: string, outcomes: readonly Outcome[]): string {
  const cases = outcomes.map(([name, status, message]) =>
    `<testcase name="${x(name)}" classname="${x(file)}" time="0.250">` +
    (status === "ignored" ? "<skipped/>" : "") +
    (status === "failed"
      ? `<failure message="${x(`Uncaught ${message ?? "boom"}`)}">${
        x(`${message ?? "boom"}\n    at file:///${file}:1:1`)
      }</failure>`
      : "") +
    "</testcase>"
  ).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="deno test">\n` +
    `<testsuite name="${
      x(file)
    }" tests="${outcomes.length}">\n${cases}\n</testsuite>\n</testsuites>\n`;
}

/** Publishes a group run whose JUnit holds `outcomes`, as the test command does. */
export async function publishOutcomes(
  reportsDir: string,
  group: string,
  outcomes: readonly Outcome[],
  run: Partial<GroupRun> & { run_id: string },
): Promise<GroupRecord> {
  const staging = stagingDir(reportsDir, group);
  await Deno.mkdir(staging, { recursive: true });
  await Deno.writeTextFile(`${staging}/junit.xml`, junitOf(`./tests/${group}/a_test.ts`, outcomes));
  return publishGroup(reportsDir, {
    name: group,
    status: outcomes.some((o) => o[1] === "failed") ? "failed" : "passed",
    target: "native",
    started_at: new Date().toISOString(),
    seconds: 2,
    staging,
    ...run,
  });
}
