import assert from "node:assert/strict";
import { createApp, createState } from "../app.ts";
import { compareObserved, formatReport, observe, runDrift, type Transport } from "./mod.ts";
import { compareShapes, eventOrder, parseSse, shapeOf } from "./shape.ts";

const env = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

Deno.test("drift: shapes record paths and types, merging array elements", () => {
  const shape = shapeOf({ a: [{ b: 1 }, { b: null, c: "x" }], d: true });
  assert.deepEqual([...shape.get("$.a[].b")!].sort(), ["null", "number"]);
  assert.deepEqual([...shape.get("$.a[].c")!], ["string"]);
  assert.deepEqual([...shape.get("$.d")!], ["boolean"]);
});

Deno.test("drift: a missing subtree is reported once, at its top", () => {
  const real = shapeOf({ usage: { in: 1, out: 2 }, id: "x" });
  const mock = shapeOf({ id: 5, extra: true });
  const diffs = compareShapes(real, mock);
  assert.deepEqual(diffs.map((d) => [d.path, d.kind]), [
    ["$.extra", "extra_in_mock"],
    ["$.id", "type_mismatch"],
    ["$.usage", "missing_in_mock"],
  ]);
});

Deno.test("drift: SSE events are labelled by name or chunk structure, repeats collapsed", () => {
  const anthropic = parseSse(
    'event: message_start\ndata: {}\n\nevent: content_block_delta\ndata: {"delta":{"type":"text_delta"}}\n\n' +
      'event: content_block_delta\ndata: {"delta":{"type":"text_delta"}}\n\nevent: message_stop\ndata: {}\n\n',
  );
  assert.deepEqual(eventOrder(anthropic), [
    "message_start",
    "content_block_delta(text_delta)",
    "message_stop",
  ]);
  const openai = parseSse(
    'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n' +
      'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[{"delta":{"content":"!"}}]}\n\n' +
      'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{}}\n\ndata: [DONE]\n\n',
  );
  assert.deepEqual(eventOrder(openai), [
    "delta{role}",
    "delta{content}",
    "delta{}+finish",
    "no-choices+usage",
    "[DONE]",
  ]);
});

Deno.test("drift: fields only the mock sends are errors, fields only the real API sends warnings", () => {
  const base = { status: 200, content_type: "application/json", events: null, error: null };
  const result = compareObserved(
    { ...base, shape: shapeOf({ id: "a", system_fingerprint: "fp" }) },
    { ...base, shape: shapeOf({ id: "b", mock: true }) },
  );
  assert.deepEqual(result.errors, ["$.mock: only the mock sends it (boolean)"]);
  assert.deepEqual(result.warnings, ["$.system_fingerprint: only the real API sends it (string)"]);
  const unreachable = compareObserved({ ...base, shape: new Map(), error: "could not reach x" }, {
    ...base,
    shape: new Map(),
  });
  assert.deepEqual(unreachable.errors, ["could not reach x"]);
});

Deno.test("drift: the mock compared with itself shows no drift for any provider", async () => {
  // A second in-process mock plays the real API; its rejected-key case needs a mock-invalid key.
  const other = createApp(createState({ journalLimit: 100 }));
  const realTransport: Transport = (url, init) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of headers) {
      if (value.includes("invalid-drift-check-key")) {
        headers.set(name, value.replace("invalid-drift-check-key", "x_mock-invalid"));
      }
    }
    return Promise.resolve(other.fetch(new Request(url, { ...init, headers })));
  };
  const reports = await runDrift({
    env: env({
      TEST_OPENAI_KEY: "k1",
      TEST_ANTHROPIC_KEY: "k2",
      TEST_GOOGLE_KEY: "k3",
      TEST_OPENAI_BASE_URL: "http://real.invalid/v1",
      TEST_ANTHROPIC_BASE_URL: "http://real.invalid",
      TEST_GOOGLE_BASE_URL: "http://real.invalid",
    }),
    mockOrigin: null,
    realTransport,
  });
  assert.equal(reports.length, 15);
  const drifted = reports.filter((r) => r.errors.length > 0 || r.warnings.length > 0);
  assert.deepEqual(drifted, [], formatReport(drifted));
});

Deno.test("drift: an unreachable provider is reported, never waited on forever", async () => {
  const refused: Transport = () => Promise.reject(new TypeError("dns error: no such host"));
  const observed = await observe(refused, {
    url: "https://api.openai.com/v1/chat/completions",
    init: { method: "POST" },
  });
  assert.equal(observed.error, "could not reach https://api.openai.com: dns error: no such host");
  const reports = await runDrift({
    env: env({ TEST_OPENAI_KEY: "sk-invalid" }),
    mockOrigin: null,
    realTransport: refused,
  });
  assert.equal(reports.length, 5);
  assert.ok(
    reports.every((r) => r.errors[0]?.startsWith("could not reach https://api.openai.com")),
  );
});
