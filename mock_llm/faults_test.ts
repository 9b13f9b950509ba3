/** Tests of fault directives in keys, global faults and per-key `-times-N` counters. */
import assert from "node:assert/strict";
import { FaultBook, parseGlobalFaults, parseKeyDirectives } from "./faults.ts";

// rules: R-MOCKLLM-4
Deno.test("mock llm faults: key directives are parsed from _-separated parts", () => {
  const cases: Array<[string, object]> = [
    ["plain-key", {}],
    ["u7_mock-fail-429-times-2", { status: 429, times: 2 }],
    ["u1_mock-fail-503", { status: 503 }],
    ["u1_mock-latency-250_mock-cut-3", { latency_ms: 250, cut_after: 3 }],
    ["u1_mock-hang", { hang: true }],
    ["u1_mock-bad-json", { bad_json: true }],
    ["u1_mock-tool-loop", { tool_loop: true }],
    ["sk-mock-invalid-123", { invalid: true }],
    ["u1_mock-fail-200", {}],
    ["u1_mock-unknown_mock-fail-abc", {}],
  ];
  for (const [key, plan] of cases) assert.deepEqual(parseKeyDirectives(key), plan, key);
});

// rules: R-MOCKLLM-4
Deno.test("mock llm faults: -times-N fails exactly N calls per key, then succeeds", () => {
  const book = new FaultBook();
  const plan = parseKeyDirectives("u_mock-fail-429-times-2");
  const call = (fingerprint: string) =>
    book.decide({ provider: "openai", model: "m", fingerprint }, plan).status;
  assert.deepEqual([call("a"), call("a"), call("a"), call("a")], [429, 429, undefined, undefined]);
  assert.deepEqual([call("b"), call("b"), call("b")], [429, 429, undefined], "counted per key");
  book.reset();
  assert.equal(call("a"), 429, "reset clears the counters");
});

// rules: R-MOCKLLM-4
Deno.test("mock llm faults: global faults filter by provider and model; keys win", () => {
  const book = new FaultBook();
  book.setGlobal({ provider: "anthropic", status: 503, times: 1, latency_ms: 10 });
  const none = {};
  assert.equal(book.decide({ provider: "openai", model: "m", fingerprint: "x" }, none).label, null);
  const first = book.decide({ provider: "anthropic", model: "m", fingerprint: "x" }, none);
  assert.equal(first.status, 503);
  assert.equal(first.latency_ms, 10);
  assert.equal(first.label, "global-fail-503-times-1,mock-latency-10");
  assert.equal(
    book.decide({ provider: "anthropic", model: "m", fingerprint: "x" }, none).status,
    undefined,
  );
  const keyed = book.decide({ provider: "anthropic", model: "m", fingerprint: "y" }, {
    status: 429,
    latency_ms: 0,
  });
  assert.equal(keyed.status, 429);
  assert.equal(keyed.latency_ms, undefined, "a key's latency-0 overrides the global latency");
});

Deno.test("mock llm faults: the global faults body is validated", () => {
  assert.deepEqual(parseGlobalFaults({ provider: "gemini", status: 500, hang: false }), {
    provider: "google",
    status: 500,
    hang: false,
  });
  assert.deepEqual(parseGlobalFaults({ status: null }), {});
  for (const bad of [[], "x", { status: 200 }, { times: -1 }, { hang: "yes" }, { nope: 1 }]) {
    assert.equal(typeof parseGlobalFaults(bad), "string", JSON.stringify(bad));
  }
});
