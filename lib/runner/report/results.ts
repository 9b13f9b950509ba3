/**
 * Turns what a group run leaves behind — its JUnit XML, the console output of `deno test` and
 * the attachments its tests wrote — into the report's per-test results, with steps nested
 * under their test and every failure split into its message (expected vs seen) and its stack.
 */

import { type JunitCase, parseJunitCases } from "../deno_summary.ts";
import type { AttachmentMeta } from "../../attachments.ts";
import {
  type Failure,
  type StepResult,
  suiteOf,
  type TestResult,
  type TestStatus,
} from "./model.ts";

/** `IGNORED "name": reason` lines that suiteTest prints for a test the target cannot run. */
export function ignoredReasons(output: string): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const match of output.matchAll(/^IGNORED "(.+)": (.+)$/gm)) {
    reasons.set(match[1]!, match[2]!);
  }
  return reasons;
}

function statusOf(c: JunitCase): TestStatus {
  return c.status === "skipped" ? "ignored" : c.status;
}

/** The message alone, and the stack: the failure text without the message's lines. */
export function failureOf(c: JunitCase): Failure | undefined {
  if (c.status !== "failed") return undefined;
  const text = c.failure ?? "";
  const message = c.message || text.split(/\n\s+at /)[0]!.trim() || "(no message)";
  const stack = text.startsWith(message) ? text.slice(message.length).trim() : text;
  return { message, stack };
}

/**
 * Results of one group from its JUnit reports. A case named `parent > step` is a step of
 * `parent` when `parent` is itself a case (a test name may contain " > " on its own).
 */
export function buildTests(
  group: string,
  junitXml: readonly string[],
  options: { output?: string; attachments?: Map<string, AttachmentMeta> } = {},
): TestResult[] {
  const cases = junitXml.flatMap((xml) => parseJunitCases(xml));
  const names = new Set(cases.map((c) => c.name));
  const parentOf = (name: string): string | undefined => {
    const parts = name.split(" > ");
    for (let i = parts.length - 1; i > 0; i--) {
      const parent = parts.slice(0, i).join(" > ");
      if (names.has(parent)) return parent;
    }
    return undefined;
  };
  const reasons = ignoredReasons(options.output ?? "");
  const tests = new Map<string, TestResult>();
  const steps: { parent: string; step: StepResult }[] = [];
  for (const c of cases) {
    const parent = parentOf(c.name);
    if (parent !== undefined) {
      steps.push({
        parent,
        step: {
          name: c.name.slice(parent.length + 3),
          status: statusOf(c),
          seconds: c.seconds,
          ...(c.status === "failed" ? { failure: failureOf(c) } : {}),
        },
      });
      continue;
    }
    const status = statusOf(c);
    const reason = reasons.get(c.name);
    const failure = failureOf(c);
    tests.set(c.name, {
      name: c.name,
      suite: suiteOf(c.name, group),
      file: c.file.replace(/^\.\//, ""),
      status,
      ...(status === "ignored" && reason ? { reason } : {}),
      seconds: c.seconds,
      steps: [],
      ...(failure ? { failure } : {}),
      attachments: [],
    });
  }
  for (const { parent, step } of steps) tests.get(parent)?.steps.push(step);
  for (const [name, meta] of options.attachments ?? []) {
    // Attachments are filed under the test's full name; a step's go to its test.
    const test = tests.get(name) ?? tests.get(parentOf(name) ?? "");
    test?.attachments.push(...meta.files);
  }
  return [...tests.values()];
}

/**
 * A failed run that left no failed test (a module that did not load, a crash, a stack that did
 * not boot) still counts as one failure: it becomes a test of its own, so every count agrees.
 */
export function runFailure(group: string, what: string, detail: string): TestResult {
  return {
    name: `${group}: ${what}`,
    suite: group,
    file: "(the test command)",
    status: "failed",
    seconds: 0,
    steps: [],
    failure: { message: what, stack: detail },
    attachments: [],
  };
}
