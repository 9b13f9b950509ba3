/**
 * The patterns the documents publish agree with the code that validates (R-HTTP-9): for a
 * table of awkward inputs, the ECMAScript reading of each pattern (`u` flag, as ajv reads it)
 * accepts exactly what the runtime accepts.
 */
import assert from "node:assert/strict";
import { NONBLANK_TEXT_PATTERN, SAFE_TEXT_PATTERN, textProblem } from "./text_input.ts";
import { normalisePhone, PHONE_PATTERN } from "../phone.ts";

const TEXTS = [
  "a",
  " a ",
  "",
  "  ",
  "\t\u3000\ufeff",
  "😀",
  "\u200f rtl",
  "\ud800",
  "x\udc00",
  "a\u0000",
  "\u001c",
  "\u0085",
  "x".repeat(600),
];

// rules: R-HTTP-9
Deno.test("patterns: the published text rule matches textProblem", () => {
  const safe = new RegExp(SAFE_TEXT_PATTERN, "u");
  for (const text of TEXTS) {
    assert.equal(safe.test(text), textProblem(text) === null, JSON.stringify(text));
  }
});

// rules: R-HTTP-9
Deno.test("patterns: the published not-blank rule matches trim() plus the text rule", () => {
  const nonblank = new RegExp(NONBLANK_TEXT_PATTERN, "u");
  for (const text of TEXTS) {
    const runtime = text.trim().length > 0 && textProblem(text) === null;
    assert.equal(nonblank.test(text), runtime, JSON.stringify(text));
  }
});

// rules: R-HTTP-9, R-LOGIN-2
Deno.test("patterns: the published phone pattern accepts exactly what normalisePhone does", () => {
  const phone = new RegExp(PHONE_PATTERN, "u");
  const cases = [
    "+15551234567",
    "+1 (555) 123-4567",
    "+1.555.123.4567",
    "+1\u30005551234567",
    " +44 20 7946 0958 ",
    "15551234567",
    "+0555123456",
    "+1555",
    "+1234567890123456",
    "+1\u001c5551234567",
    "+1555123456７",
    "+1555\u00001234567",
  ];
  for (const input of cases) {
    assert.equal(phone.test(input), normalisePhone(input) !== null, JSON.stringify(input));
  }
});
