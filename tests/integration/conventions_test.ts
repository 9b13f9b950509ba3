/**
 * Integration, the HTTP conventions every JSON answer shares: snake_case keys and ISO 8601 UTC
 * timestamps with milliseconds, read from real answers of both entrypoints, and `/metrics` as
 * Prometheus text on each of them.
 */
import assert from "node:assert/strict";
import { admin, chat, configureLlm, createUser } from "../../lib/fixtures.ts";
import { suiteTest, target } from "../../lib/target.ts";

/** Keys whose values are free-form JSON a user or admin wrote: their keys are not ours. */
const FREE_FORM = new Set(["metadata", "user_metadata", "preferences", "body"]);
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TIME_KEY = /(_at|^timestamp|^last_active|^first_seen)$/;

/** Every problem in one answer: a key that is not snake_case, a time not in ISO-with-ms. */
function conventionProblems(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => conventionProblems(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (!SNAKE.test(key)) problems.push(`${here}: key is not snake_case`);
    if (TIME_KEY.test(key) && v !== null && !(typeof v === "string" && ISO_MS.test(v))) {
      problems.push(`${here}: ${JSON.stringify(v)} is not an ISO 8601 UTC time with ms`);
    }
    if (!FREE_FORM.has(key)) problems.push(...conventionProblems(v, here));
  }
  return problems;
}

// rules: R-HTTP-2
suiteTest(
  "integration: JSON answers use snake_case keys and ISO 8601 UTC times with milliseconds",
  async () => {
    const user = await createUser();
    await configureLlm(user, { provider: "anthropic" });
    await chat(user, "a message so every list has rows");
    const adminApi = await admin();
    const answers = {
      "GET /auth/me": await user.api.me(),
      "GET /messages": await user.api.messages({ limit: 5 }),
      "GET /messages/search": await user.api.search("message"),
      "GET /messages/stats": await user.api.stats(),
      "GET /llm-config": await user.api.llmConfig(),
      "GET /admin/users": await adminApi.users({ search: user.phone }),
      "GET /admin/system/health": await adminApi.systemHealth(),
      "GET /admin/system/stats": await adminApi.systemStats(),
      "GET /admin/queue": await adminApi.queue(),
    };
    for (const [what, answer] of Object.entries(answers)) {
      assert.equal(answer.status, 200, `${what}: ${answer.text}`);
      assert.deepEqual(conventionProblems(answer.json), [], what);
    }
    // A list that holds rows proves the time check ran on real values, not only on nulls.
    const items = answers["GET /messages"].json.items as { created_at: string }[];
    assert.ok(items.length > 0 && ISO_MS.test(items[0]!.created_at), "a listed created_at");
  },
);

// rules: R-OPS-3
suiteTest(
  "integration: /metrics on both entrypoints is Prometheus text with zapa_* metrics",
  async () => {
    for (const base of [target.urls.public, target.urls.private]) {
      const res = await fetch(`${base}/metrics`);
      const text = await res.text();
      if (res.status === 401) {
        // A deployment with METRICS_TOKEN: the answer must be the standard Bearer failure.
        assert.equal(res.headers.get("www-authenticate"), "Bearer", base);
        assert.deepEqual(JSON.parse(text), { detail: "Could not validate credentials" });
        continue;
      }
      assert.equal(res.status, 200, `${base}/metrics: ${text.slice(0, 200)}`);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
      assert.match(text, /^# TYPE zapa_\w+ (counter|gauge|histogram)$/m, base);
      assert.match(text, /^zapa_\w+(\{[^}]*\})? [0-9.e+-]+$/m, base);
      const foreign = text.split("\n").filter((l) =>
        l && !l.startsWith("#") && !l.startsWith("zapa_")
      );
      assert.deepEqual(foreign, [], `${base}: every metric is named zapa_*`);
    }
  },
);
