import assert from "node:assert/strict";
import { isLiveTestFile, liveHosts, livePlan, liveProviders, liveSpecs } from "./live.ts";
import type { StackPorts, Wiring } from "../stack/mod.ts";
import { groupByName } from "./test_groups.ts";

function env(values: Record<string, string>) {
  return { get: (name: string) => values[name] };
}

const ports: StackPorts = {
  postgres: 1,
  redis: 2,
  bridge: 3,
  bridge_control: 4,
  llm: 5,
  private: 6,
  public: 7,
  control: 8,
};
const wiring: Wiring = {
  ports,
  secrets: {
    bridge_api_key: "b",
    webhook_secret: "w",
    jwt: "j",
    admin_jwt: "a",
    encryption_key: "e",
  },
  database_url: "postgres://x",
  redis_url: "redis://x",
};

Deno.test("live: only live_*_test.ts files are live tests", () => {
  assert.equal(isLiveTestFile("tests/llm/live_openai_test.ts"), true);
  assert.equal(isLiveTestFile("tests/e2e/live_bridge_test.ts"), true);
  assert.equal(isLiveTestFile("tests/llm/provider_switch_test.ts"), false);
  assert.equal(isLiveTestFile("tests/llm/alive_test.ts"), false);
  assert.equal(isLiveTestFile("tests/llm/live_helpers.ts"), false);
});

Deno.test("live: providers are live when their TEST_*_KEY is set and not blank", () => {
  assert.deepEqual(liveProviders(env({})), []);
  assert.deepEqual(
    liveProviders(env({ TEST_OPENAI_KEY: "sk-x", TEST_ANTHROPIC_KEY: " ", TEST_GOOGLE_KEY: "g" })),
    ["openai", "google"],
  );
});

Deno.test("live: specs drop only the live providers' base URLs, on both entrypoints", () => {
  const specs = liveSpecs(["anthropic"]);
  for (const name of ["private", "public"] as const) {
    const e = specs[name]!.env(wiring);
    assert.equal(e.ANTHROPIC_BASE_URL, undefined, name);
    assert.equal(e.OPENAI_BASE_URL, "http://127.0.0.1:5/v1", name);
    assert.equal(e.GOOGLE_BASE_URL, "http://127.0.0.1:5", name);
    assert.equal(e.ZAPA_ENV, "test");
  }
});

Deno.test("live: the real bridge's host is added to the network allow-list", () => {
  assert.deepEqual(liveHosts(env({})), []);
  assert.deepEqual(liveHosts(env({ ZAPA_LIVE_BRIDGE_URL: "https://zapw.example.com:8443/x" })), [
    "zapw.example.com:8443",
  ]);
  assert.deepEqual(liveHosts(env({ ZAPA_LIVE_BRIDGE_URL: "http://127.0.0.1:3000" })), []);
});

Deno.test("live: the live group gets its own stack only with a key on a native target", async () => {
  const llmGroup = groupByName("llm");
  if (!llmGroup) throw new Error("no llm group");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/tests/llm`, { recursive: true });
    await Deno.writeTextFile(`${dir}/tests/llm/live_openai_test.ts`, "");
    await Deno.writeTextFile(`${dir}/tests/llm/switch_test.ts`, "");
    const group = { ...llmGroup, dirs: [`${dir}/tests/llm`] };
    const none = await livePlan([group], { native: true, env: env({}) });
    assert.deepEqual(none?.files, [`${dir}/tests/llm/live_openai_test.ts`]);
    assert.equal(none?.group.stack, "none");
    const keyed = await livePlan([group], { native: true, env: env({ TEST_OPENAI_KEY: "k" }) });
    assert.equal(keyed?.group.stack, "live");
    const compose = await livePlan([group], { native: false, env: env({ TEST_OPENAI_KEY: "k" }) });
    assert.equal(compose?.group.stack, "none");
    const empty = await livePlan([{ ...group, dirs: [`${dir}/nothing`] }], {
      native: true,
      env: env({ TEST_OPENAI_KEY: "k" }),
    });
    assert.equal(empty, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
