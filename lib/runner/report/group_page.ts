/**
 * One group's page (`groups/<group>/index.html`): every test with its status, duration and
 * steps; for a failure its message (expected vs seen), its stack and its attachments shown in
 * place — plain text and JSON as text, HTML (message traces) in a sandboxed frame: the frame
 * runs no script and cannot reach this page, so an attachment's markup needs no sanitiser.
 */

import type { AttachmentRef, GroupRecord, TestResult } from "./model.ts";
import { escape, filterBar, page, seconds, time } from "./html.ts";

/** Outcome changes a test shows beside its status ("newly broken", "fixed", "flaky"). */
export type Marks = Map<string, string[]>;

const INLINE_LIMIT = 200_000;

async function attachmentHtml(dir: string, a: AttachmentRef): Promise<string> {
  let body: string;
  try {
    body = await Deno.readTextFile(`${dir}/${a.file}`);
  } catch {
    return `<p class="muted">${escape(a.name)}: file missing</p>`;
  }
  const link = `<a href="attachments/${escape(a.file)}">${escape(a.file)}</a>`;
  const cut = body.length > INLINE_LIMIT;
  if (cut) body = body.slice(-INLINE_LIMIT);
  let shown: string;
  if (a.type === "text/html") {
    shown = `<iframe sandbox title="${escape(a.name)}" srcdoc="${escape(body)}"></iframe>`;
  } else if (a.type === "application/json") {
    try {
      shown = `<pre>${escape(JSON.stringify(JSON.parse(body), null, 2))}</pre>`;
    } catch {
      shown = `<pre>${escape(body)}</pre>`;
    }
  } else shown = `<pre>${escape(body)}</pre>`;
  return `<div class="attachment"><h4>${escape(a.name)} <span class="muted">(${
    escape(a.type)
  }, ${link}${cut ? ", last 200 kB shown" : ""})</span></h4>${shown}</div>`;
}

/** A stable anchor for a test, for links from the landing page. */
export function testAnchor(name: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return `t-${(hash >>> 0).toString(16)}`;
}

async function testHtml(test: TestResult, dir: string, marks: string[]): Promise<string> {
  const flaky = marks.includes("flaky");
  const parts: string[] = [];
  if (test.failure) {
    parts.push(`<h4>Expected vs seen</h4><pre class="msg">${escape(test.failure.message)}</pre>`);
    if (test.failure.stack) {
      parts.push(
        `<details><summary>Stack</summary><pre>${escape(test.failure.stack)}</pre></details>`,
      );
    }
  }
  if (test.steps.length > 0) {
    parts.push(
      `<h4>Steps</h4><ol>${
        test.steps.map((s) =>
          `<li><span class="badge ${s.status}">${s.status}</span> ${
            escape(s.name)
          } <span class="muted">${seconds(s.seconds)}</span>${
            s.failure ? `<pre class="msg">${escape(s.failure.message)}</pre>` : ""
          }</li>`
        ).join("")
      }</ol>`,
    );
  }
  for (const a of test.attachments) parts.push(await attachmentHtml(dir, a));
  return `<details class="t" id="${
    testAnchor(test.name)
  }" data-status="${test.status}" data-flaky="${flaky ? 1 : 0}" data-text="${
    escape(`${test.name} ${test.file}`.toLowerCase())
  }"${
    test.status === "failed" ? " open" : ""
  }><summary><span class="badge ${test.status}">${test.status}</span> ${escape(test.name)}${
    marks.map((m) => `<span class="mark">${escape(m)}</span>`).join("")
  }${test.reason ? ` <span class="muted">— ${escape(test.reason)}</span>` : ""}<span class="dur">${
    seconds(test.seconds)
  }</span><span class="file">${escape(test.file)}</span></summary>${parts.join("\n")}</details>`;
}

export async function renderGroupPage(
  record: GroupRecord,
  options: { attachmentsDir: string; marks?: Marks },
): Promise<string> {
  const marks = options.marks ?? new Map();
  const c = record.counts;
  const order = { failed: 0, passed: 1, ignored: 2 } as const;
  const tests = [...record.tests].sort((a, b) =>
    order[a.status] - order[b.status] || a.file.localeCompare(b.file) ||
    a.name.localeCompare(b.name)
  );
  const flakyCount = tests.filter((t) => marks.get(t.name)?.includes("flaky")).length;
  const rows = await Promise.all(
    tests.map((t) => testHtml(t, options.attachmentsDir, marks.get(t.name) ?? [])),
  );
  const body = `<p><a href="../../index.html">← all groups</a></p>
<h1>${escape(record.name)}: <span class="${record.status}">${record.status}</span></h1>
<p class="totals"><b>${c.passed}</b> passed, <b>${c.failed}</b> failed, <b>${c.ignored}</b> ignored
 · ${seconds(record.seconds)} · ${escape(time(record.started_at))} · target ${escape(record.target)}
${record.filter ? ` · filter <code>${escape(record.filter)}</code>` : ""}${
    record.note ? ` · ${escape(record.note)}` : ""
  }</p>
<p class="muted">JUnit: ${
    record.junit.map((j) => `<a href="${escape(j)}">${escape(j)}</a>`).join(", ") || "none"
  }${
    record.logs
      ? ` · service logs: <a href="../../logs/${escape(record.logs)}/">logs/${
        escape(record.logs)
      }</a>`
      : ""
  }</p>
${filterBar({ ...c, flaky: flakyCount })}
${rows.join("\n") || "<p>No tests ran.</p>"}`;
  return page(`${record.name} — Zapa tests`, body);
}
