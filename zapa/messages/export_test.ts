import assert from "node:assert/strict";
import {
  CSV_COLUMNS,
  csvField,
  csvLine,
  csvStream,
  exportFilename,
  guardFormula,
  jsonStream,
} from "./export.ts";
import type { MessageItem } from "./item.ts";

// rules: R-MSG-7
Deno.test("csv export: fields follow RFC 4180", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField(null), "");
  assert.equal(csvField(undefined), "");
  assert.equal(csvField(42), "42");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField("cr\rhere"), '"cr\rhere"');
  assert.equal(csvField("<script>"), "<script>");
});

// rules: R-MSG-7
Deno.test("csv export: cells that start like a formula get a leading quote", () => {
  for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
    assert.equal(guardFormula(`${start}SUM(A1)`), `'${start}SUM(A1)`);
  }
  assert.equal(guardFormula("a=1"), "a=1");
  assert.equal(guardFormula(" =1"), " =1");
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField("-1"), "'-1");
  assert.equal(csvField("\rcmd"), `"'\rcmd"`);
});

const item = (over: Partial<MessageItem> = {}): MessageItem => ({
  id: 1,
  user_id: 2,
  direction: "inbound",
  message_type: "text",
  content: "hi",
  caption: null,
  status: null,
  whatsapp_message_id: "wa1",
  metadata: { is_group: false },
  created_at: "2026-01-01T00:00:00.000Z",
  timestamp: "2026-01-01T00:00:00.000Z",
  ...over,
});

async function* batches(...lists: MessageItem[][]) {
  for (const l of lists) yield l;
}

// rules: R-MSG-7
Deno.test("csv export: the exact columns, one CRLF row per message", async () => {
  assert.deepEqual([...CSV_COLUMNS], [
    "id",
    "created_at",
    "timestamp",
    "direction",
    "message_type",
    "status",
    "content",
    "caption",
    "whatsapp_message_id",
  ]);
  assert.equal(
    csvLine(item({ content: "@me, ok" })),
    `1,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,inbound,text,,"'@me, ok",,wa1\r\n`,
  );
  const text = await new Response(csvStream(batches([item()], [item({ id: 2 })]))).text();
  assert.deepEqual(text.split("\r\n"), [
    CSV_COLUMNS.join(","),
    csvLine(item()).trim(),
    csvLine(item({ id: 2 })).trim(),
    "",
  ]);
});

// rules: R-MSG-7, R-OUTPUT-1
Deno.test("json export: a valid, escaped array across batches", async () => {
  const a = item({ content: "<b>&</b>" });
  const b = item({ id: 2 });
  const text = await new Response(jsonStream(batches([a], [], [b]))).text();
  assert.equal(text.includes("<"), false);
  assert.deepEqual(JSON.parse(text), [a, b]);
  assert.equal(await new Response(jsonStream(batches())).text(), "[]");
});

// rules: R-MSG-7
Deno.test("export filename: zapa-messages-<user>-<YYYYMMDD>.<ext>", () => {
  const at = new Date("2026-07-04T23:59:59Z");
  assert.equal(exportFilename(12, "csv", at), "zapa-messages-12-20260704.csv");
  assert.equal(exportFilename(3, "json", at), "zapa-messages-3-20260704.json");
});
