import assert from "node:assert/strict";
import {
  escapeJsonText,
  isMarkedEscaped,
  JSON_CONTENT_TYPE,
  jsonResponse,
  markEscaped,
  safeStringify,
} from "./json.ts";

const PAYLOADS = [
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  "javascript:alert(1)",
  "a & b > c < d",
  "</script><!--",
  "line\u2028sep\u2029para",
  'quote " backslash \\ unicode 🎉 \u0000',
];

// rules: R-OUTPUT-1
Deno.test("json: safeStringify never emits <, > or & and parses back exactly", () => {
  for (const text of PAYLOADS) {
    const out = safeStringify({ text, nested: [text] });
    assert.equal(/[<>&\u2028\u2029]/.test(out), false, out);
    assert.deepEqual(JSON.parse(out), { text, nested: [text] });
  }
  assert.equal(safeStringify("<>&"), '"\\u003c\\u003e\\u0026"');
});

// rules: R-OUTPUT-1
Deno.test("json: escapeJsonText is idempotent and safe on chunks", () => {
  const whole = JSON.stringify(PAYLOADS);
  const once = escapeJsonText(whole);
  assert.equal(escapeJsonText(once), once);
  // Escaping chunk by chunk gives the same bytes as escaping the whole.
  const chunks = [whole.slice(0, 17), whole.slice(17, 40), whole.slice(40)];
  assert.equal(chunks.map(escapeJsonText).join(""), once);
  assert.deepEqual(JSON.parse(once), PAYLOADS);
});

// rules: R-OUTPUT-1
Deno.test("json: jsonResponse sets the R-OUTPUT-1 headers and is marked escaped", async () => {
  const res = jsonResponse({ a: "<b>" }, 201, { "x-extra": "1" });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("content-type"), JSON_CONTENT_TYPE);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("x-extra"), "1");
  assert.equal(isMarkedEscaped(res), true);
  assert.equal(await res.text(), '{"a":"\\u003cb\\u003e"}');
  const plain = new Response("x");
  assert.equal(isMarkedEscaped(plain), false);
  assert.equal(markEscaped(plain), plain);
  assert.equal(isMarkedEscaped(plain), true);
});
