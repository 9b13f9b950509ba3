/**
 * The CI job summary: totals, one row per group and the failing tests' names with the first
 * line of their message, as GitHub-flavoured Markdown. The test command writes it to
 * `reports/summary.md`; run as a script (`deno task summary`), this appends that file to
 * `$GITHUB_STEP_SUMMARY` when the variable is set, so the workflow shows it on the run's page.
 */

import type { GroupRecord } from "./model.ts";

/** Markdown-safe text on one line: no table breaks, no HTML, no links smuggled in. */
export function mdText(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`);
}

export function renderJobSummary(groups: readonly GroupRecord[], limit = 50): string {
  const sum = (k: "passed" | "failed" | "ignored") => groups.reduce((s, g) => s + g.counts[k], 0);
  const lines = [
    `## Zapa integration tests: ${sum("passed")} passed, ${sum("failed")} failed, ${
      sum("ignored")
    } ignored`,
    "",
    "| group | result | passed | failed | ignored | time | last run |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ...groups.map((g) =>
      `| ${mdText(g.name)} | ${
        g.status === "failed" ? "❌ failed" : g.status === "passed" ? "✅ passed" : g.status
      } | ${g.counts.passed} | ${g.counts.failed} | ${g.counts.ignored} | ${
        g.seconds.toFixed(1)
      } s | ${g.finished_at.slice(0, 19).replace("T", " ")} |`
    ),
  ];
  const failing = groups.flatMap((g) =>
    g.tests.filter((t) => t.status === "failed").map((t) => ({ g, t }))
  );
  if (failing.length > 0) {
    lines.push("", `### Failing tests (${failing.length})`, "");
    for (const { g, t } of failing.slice(0, limit)) {
      const first = (t.failure?.message ?? "").split("\n").find((l) => l.trim()) ?? "";
      lines.push(
        `- **${mdText(t.name)}** (${mdText(g.name)}, \`${t.file.replaceAll("`", "'")}\`): ${
          mdText(first).slice(0, 300)
        }`,
      );
    }
    if (failing.length > limit) lines.push(`- … and ${failing.length - limit} more`);
  }
  lines.push(
    "",
    "The full report is in the `reports-<group>` artifact: open `reports/index.html`.",
  );
  return lines.join("\n") + "\n";
}

/** Appends reports/summary.md to `$GITHUB_STEP_SUMMARY`; does nothing when it is not set. */
export async function appendJobSummary(
  summaryFile: string,
  target = Deno.env.get("GITHUB_STEP_SUMMARY"),
): Promise<boolean> {
  if (!target) return false;
  const text = await Deno.readTextFile(summaryFile);
  await Deno.writeTextFile(target, text, { append: true });
  return true;
}

if (import.meta.main) {
  const file = Deno.args[0] ?? "reports/summary.md";
  try {
    const done = await appendJobSummary(file);
    console.log(
      done ? `job summary: appended ${file}` : "job summary: GITHUB_STEP_SUMMARY not set",
    );
  } catch (error) {
    console.error(`job summary: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
