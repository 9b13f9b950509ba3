import assert from "node:assert/strict";
import { DEFAULT_MODEL, PROVIDERS, resolveModel } from "./providers.ts";

// rules: R-LLMCFG-6
Deno.test("agent providers: the catalogue lists the three providers with their default first", () => {
  assert.deepEqual(PROVIDERS.map((p) => p.value), ["openai", "anthropic", "google"]);
  for (const p of PROVIDERS) {
    assert.equal(p.models[0]?.value, p.default_model);
    assert.equal(DEFAULT_MODEL[p.value], p.default_model);
    assert.ok(p.name && p.description);
  }
  assert.deepEqual(PROVIDERS[1]?.models.map((m) => m.value), [
    "claude-3-5-haiku-latest",
    "claude-3-5-sonnet-latest",
    "claude-3-haiku",
    "claude-3-sonnet",
    "claude-3-opus",
  ]);
});

// rules: R-LLMCFG-7
Deno.test("agent providers: aliases resolve at call time and unknown ids pass through", () => {
  assert.equal(resolveModel("anthropic", "claude-3-haiku"), "claude-3-haiku-20240307");
  assert.equal(resolveModel("anthropic", "claude-3-sonnet"), "claude-3-sonnet-20240229");
  assert.equal(resolveModel("anthropic", "claude-3-opus"), "claude-3-opus-20240229");
  assert.equal(resolveModel("anthropic", "claude-3-5-haiku"), "claude-3-5-haiku-latest");
  assert.equal(resolveModel("anthropic", "claude-3-5-sonnet"), "claude-3-5-sonnet-latest");
  assert.equal(resolveModel("google", "gemini-pro"), "gemini-1.5-pro");
  assert.equal(resolveModel("openai", "gpt-4-turbo-preview"), "gpt-4-turbo");
  assert.equal(resolveModel("openai", "my-custom-model"), "my-custom-model");
  assert.equal(resolveModel("anthropic", "claude-3-haiku-20240307"), "claude-3-haiku-20240307");
  assert.equal(resolveModel("google", ""), "gemini-2.0-flash");
  assert.equal(resolveModel("openai", null), "gpt-4o-mini");
});
