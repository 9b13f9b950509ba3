/**
 * Security: bad input gets a clear 4xx with `{detail}` and nothing breaks — oversized,
 * malformed and mistyped bodies, invalid UTF-8, absurd paging — and the webhook refuses
 * requests without its secret.
 */
import assert from "node:assert/strict";
import { createUser, privateApi, publicApi, uniquePhone } from "../../lib/fixtures.ts";
import { suiteTest, target } from "../../lib/target.ts";
import type { HttpResult } from "../../lib/clients/http.ts";

function assertClientError(result: HttpResult, expected: number[], what: string): void {
  assert.ok(
    expected.includes(result.status),
    `${what}: expected ${expected.join("/")}, got ${result.status} ${result.text.slice(0, 300)}`,
  );
  assert.ok(
    !/at .*\.ts:\d+|Error:|stack/i.test(result.text),
    `${what}: leaks internals: ${result.text}`,
  );
}

// rules: R-HTTP-3, R-LOGIN-2
suiteTest("security: malformed login bodies are refused with 4xx and {detail}", async () => {
  const post = (rawBody: BodyInit, type = "application/json") =>
    publicApi.raw("POST", "/api/v1/auth/request-code", {
      rawBody,
      headers: { "content-type": type },
    });
  const cases: Array<[string, () => Promise<HttpResult>, number[]]> = [
    ["invalid JSON", () => post("{not json"), [422]],
    ["a JSON array", () => post(JSON.stringify([{ phone_number: uniquePhone() }])), [422]],
    ["a JSON string", () => post(JSON.stringify("+15551234567")), [422]],
    ["a number as phone", () => post(JSON.stringify({ phone_number: 15551234567 })), [422]],
    ["a 10 000-character phone", () => post(JSON.stringify({ phone_number: "1".repeat(10_000) })), [
      422,
    ]],
    ["invalid UTF-8", () => post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), [400, 422]],
    ["an empty body", () => post(""), [422]],
    ["a 2 MB body", () => post(JSON.stringify({ phone_number: "x".repeat(2 * 1024 * 1024) })), [
      413,
    ]],
  ];
  for (const [what, run, expected] of cases) {
    const result = await run();
    assertClientError(result, expected, what);
    assert.ok(
      typeof (result.json as { detail?: unknown })?.detail !== "undefined",
      `${what}: {detail}`,
    );
  }
});

// rules: R-HTTP-3, R-MSG-1
suiteTest("security: absurd paging parameters are refused with 422", async () => {
  const user = await createUser();
  for (
    const params of [{ limit: -1 }, { limit: 0 }, { limit: 101 }, { limit: 1e12 }, { offset: -5 }, {
      limit: "ten",
    }]
  ) {
    const result = await user.api.messages(params as unknown as Record<string, string | number>);
    assertClientError(result, [422], JSON.stringify(params));
  }
  const empty = await user.api.search("");
  assertClientError(empty, [400], "an empty search");
  const format = await user.api.raw("GET", "/api/v1/messages/export?format=xml");
  assertClientError(format, [400, 422], "an unknown export format");
});

// rules: R-LLMCFG-3
suiteTest("security: invalid AI settings are refused with 422", async () => {
  const user = await createUser();
  const base = {
    provider: "openai",
    api_key: "sk-valid",
    model_settings: { model: "gpt-4o-mini" },
  };
  const cases: Array<[string, unknown]> = [
    ["an unknown provider", { ...base, provider: "acme" }],
    ["an empty key", { ...base, api_key: "" }],
    ["a 501-character key", { ...base, api_key: "k".repeat(501) }],
    ["no model", { ...base, model_settings: {} }],
    ["temperature 3", { ...base, model_settings: { model: "gpt-4o-mini", temperature: 3 } }],
    ["max_tokens 0", { ...base, model_settings: { model: "gpt-4o-mini", max_tokens: 0 } }],
    ["max_tokens 9000", { ...base, model_settings: { model: "gpt-4o-mini", max_tokens: 9000 } }],
    ["long instructions", {
      ...base,
      model_settings: { model: "gpt-4o-mini", custom_instructions: "i".repeat(2001) },
    }],
    ["an array body", [base]],
  ];
  for (const [what, body] of cases) {
    const result = await user.api.raw("POST", "/api/v1/llm-config", { body });
    assertClientError(result, [422], what);
  }
});

// rules: R-WEBHOOK-1
suiteTest(
  "security: the webhook refuses a missing or wrong secret",
  { needs: ["webhook_secret"] },
  async () => {
    const event = {
      sessionId: target.session_id,
      origin: "test",
      eventType: "message.received",
      timestamp: Date.now(),
      data: {
        from: `${uniquePhone().slice(1)}@s.whatsapp.net`,
        to: `${target.system_number.slice(1)}:1@s.whatsapp.net`,
        messageId: `SEC${crypto.randomUUID()}`,
        timestamp: Date.now(),
        isGroup: false,
        type: "text",
        text: "no secret",
      },
    };
    for (const secret of [null, "wrong", `${target.webhook_secret}x`]) {
      const result = await privateApi.webhook(event, { secret, header: secret !== null });
      assert.equal(result.status, 401, `secret ${secret}: ${result.status} ${result.text}`);
      assert.deepEqual(result.json, { status: "error", error: "unauthorized" });
    }
    const ok = await privateApi.webhook(event, { secret: target.webhook_secret, header: true });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, "accepted");
  },
);

// rules: R-WEBHOOK-5
suiteTest("security: malformed webhooks are 400 invalid_payload, oversized ones 413", {
  needs: ["webhook_secret"],
}, async () => {
  const post = (rawBody: BodyInit) =>
    privateApi.raw("POST", "/api/v1/webhooks/whatsapp", {
      rawBody,
      token: null,
      headers: { "content-type": "application/json", "x-webhook-secret": target.webhook_secret! },
    });
  for (const body of ["{oops", "[]", "null", JSON.stringify({ eventType: "message.received" })]) {
    const result = await post(body);
    assert.equal(result.status, 400, `${body}: ${result.status} ${result.text}`);
    assert.deepEqual(result.json, { status: "error", error: "invalid_payload" });
  }
  const big = await post(
    JSON.stringify({ eventType: "message.received", data: "x".repeat(2 << 20) }),
  );
  assert.equal(big.status, 413, big.text.slice(0, 200));
});
