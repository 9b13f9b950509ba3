import assert from "node:assert/strict";
import { kindForStatus, LlmError, parseRetryAfter, toLlmError } from "./errors.ts";
import { normaliseBaseUrl } from "./types.ts";

// rules: R-LLMERR-2, R-LLMERR-5
Deno.test("agent errors: statuses map to the taxonomy", () => {
  assert.equal(kindForStatus(401), "rejected_key");
  assert.equal(kindForStatus(403), "rejected_key");
  assert.equal(kindForStatus(429), "rate_limited");
  assert.equal(kindForStatus(500), "unavailable");
  assert.equal(kindForStatus(503), "unavailable");
  assert.equal(kindForStatus(529), "unavailable");
  assert.equal(kindForStatus(400), "bad_request");
  assert.equal(kindForStatus(404), "bad_request");
  assert.equal(kindForStatus(422), "bad_request");
});

// rules: R-LLMERR-2
Deno.test("agent errors: Retry-After is honoured up to 30 s", () => {
  const h = (v: Record<string, string>) => new Headers(v);
  assert.equal(parseRetryAfter(h({ "retry-after": "1" })), 1_000);
  assert.equal(parseRetryAfter(h({ "retry-after": "2.5" })), 2_500);
  assert.equal(parseRetryAfter(h({ "retry-after": "120" })), 30_000);
  assert.equal(parseRetryAfter(h({ "retry-after-ms": "250" })), 250);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter(h({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now), 5_000);
  assert.equal(parseRetryAfter(h({ "retry-after": "soon" })), null);
  assert.equal(parseRetryAfter(h({})), null);
  assert.equal(parseRetryAfter(null), null);
});

// rules: R-LLMERR-1, R-LLMERR-2
Deno.test("agent errors: SDK errors, aborts, parse and network failures are normalised", () => {
  const sdk = Object.assign(new Error("rate limited"), {
    status: 429,
    headers: new Headers({ "retry-after": "3" }),
  });
  const limited = toLlmError(sdk, { timedOut: false });
  assert.equal(limited.kind, "rate_limited");
  assert.equal(limited.retryAfterMs, 3_000);
  assert.equal(toLlmError(new Error("aborted"), { timedOut: true }).kind, "timeout");
  assert.equal(
    toLlmError(new SyntaxError("Unexpected end"), { timedOut: false }).kind,
    "malformed",
  );
  const network = toLlmError(new TypeError("connection refused"), { timedOut: false });
  assert.equal(network.kind, "network");
  assert.ok(network.transient);
  const forbidden = toLlmError(Object.assign(new Error("no"), { status: 403 }), {
    timedOut: false,
  });
  assert.ok(forbidden instanceof LlmError && !forbidden.transient);
});

Deno.test("agent adapters: base URLs tolerate the usual slips", () => {
  assert.equal(normaliseBaseUrl("openai", "http://llm:4000"), "http://llm:4000/v1");
  assert.equal(normaliseBaseUrl("openai", "http://llm:4000/v1/"), "http://llm:4000/v1");
  assert.equal(
    normaliseBaseUrl("openai", "https://x.example/openai/v1"),
    "https://x.example/openai/v1",
  );
  assert.equal(normaliseBaseUrl("anthropic", "http://llm:4000/v1"), "http://llm:4000");
  assert.equal(normaliseBaseUrl("google", "http://llm:4000/v1beta/"), "http://llm:4000");
  assert.equal(normaliseBaseUrl("google", "http://llm:4000"), "http://llm:4000");
  assert.equal(normaliseBaseUrl("anthropic", null), null);
});
