/**
 * Security: hostile text — SQL-injection and XSS payloads — through search, filters, login and
 * WhatsApp bodies. Answers are 200/4xx (never 500), the tables stay intact, content comes back
 * exactly as sent, and no raw JSON body ever contains `<` (R-OUTPUT-1, R-OUTPUT-4).
 */
import assert from "node:assert/strict";
import { chat, configureLlm, createUser, privateApi, publicApi } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { withLogTail } from "../e2e/_with_logs.ts";

const SQL_PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  "1; DELETE FROM users WHERE 1=1",
  "%' UNION SELECT id, phone_number FROM users --",
  "\\'; SELECT pg_sleep(5); --",
  "%",
  "_",
  "\\",
];

const XSS_PAYLOADS = [
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  "javascript:alert(1)",
  '"><svg onload=alert(1)>',
  "</textarea><b>&amp;&lt;</b>",
];

// rules: R-MSG-4
suiteTest(
  "security: SQL-injection payloads are inert on every input",
  withLogTail(["private", "public", "llm"], async (t: Deno.TestContext) => {
    const user = await createUser();
    await configureLlm(user);
    await chat(user, "100% sure about the plan_b");
    await chat(user, "a plain message");

    await t.step("search and listing filters", async () => {
      for (const payload of SQL_PAYLOADS) {
        for (
          const result of [
            await user.api.search(payload),
            await user.api.messages({ search: payload }),
            await user.api.messages({ direction: payload }),
            await user.api.messages({ limit: payload }),
            await user.api.messages({ before_id: payload }),
          ]
        ) {
          assert.ok(
            [200, 400, 422].includes(result.status),
            `${JSON.stringify(payload)}: ${result.status} ${result.text.slice(0, 200)}`,
          );
        }
      }
    });

    await t.step("wildcards are literal: % and _ match only themselves", async () => {
      const percent = await user.api.search("%");
      assert.equal(percent.status, 200, percent.text);
      assert.ok(percent.json.items.length >= 1, `"%" finds the "100%" message: ${percent.text}`);
      for (const m of percent.json.items) assert.ok(m.content?.includes("%"), m.content ?? "");
      const underscore = await user.api.search("_");
      for (const m of underscore.json.items) assert.ok(m.content?.includes("_"), m.content ?? "");
    });

    await t.step("login fields", async () => {
      for (const payload of SQL_PAYLOADS) {
        const code = await publicApi.requestCode(payload);
        assert.equal(code.status, 422, `${payload}: ${code.status}`);
        const verify = await publicApi.verify(user.phone, payload);
        assert.ok([401, 422].includes(verify.status), `${payload}: ${verify.status}`);
      }
    });

    await t.step("WhatsApp bodies are stored and echoed exactly", async () => {
      const payload = SQL_PAYLOADS[1]!;
      const { text } = await chat(user, payload);
      assert.equal(text, `You said: "${payload}"`);
    });

    await t.step("the system is intact", async () => {
      assert.equal((await publicApi.raw("GET", "/health")).status, 200);
      assert.equal((await privateApi.raw("GET", "/health", { token: null })).status, 200);
      const list = await user.api.messages({ limit: 100 });
      assert.equal(list.status, 200);
      assert.ok(list.json.total >= 6, `messages still there: total ${list.json.total}`);
      assert.equal((await user.api.me()).status, 200);
    });
  }),
);

// rules: R-OUTPUT-1, R-OUTPUT-4
suiteTest(
  "security: XSS payloads round-trip exactly and raw JSON never contains '<'",
  withLogTail(["private", "public", "llm"], async () => {
    const user = await createUser();
    await configureLlm(user);
    for (const payload of XSS_PAYLOADS) {
      const { text } = await chat(user, payload);
      assert.equal(text, `You said: "${payload}"`, "the reply carries the payload as text");
    }
    const list = await user.api.messages({ limit: 100 });
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes("<"), "raw listing body contains '<'");
    assert.ok(!list.text.includes(">"), "raw listing body contains '>'");
    assert.match(list.headers.get("content-type") ?? "", /^application\/json; charset=utf-8/);
    assert.equal(list.headers.get("x-content-type-options"), "nosniff");
    const contents = list.json.items.filter((m) => m.direction === "inbound").map((m) => m.content);
    for (const payload of XSS_PAYLOADS) assert.ok(contents.includes(payload), `exact ${payload}`);

    for (const result of [await user.api.search("script"), await user.api.exportMessages("json")]) {
      assert.equal(result.status, 200);
      assert.ok(!result.text.includes("<"), "raw body contains '<'");
    }
  }),
);

// rules: R-OUTPUT-2
suiteTest("security: HTML pages carry the CSP and framing headers", async () => {
  const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
  for (
    const [api, path] of [[publicApi, "/"], [privateApi, "/admin"], [publicApi, "/docs"]] as const
  ) {
    const page = await api.raw("GET", path, { token: null });
    assert.equal(page.status, 200, `${path}: ${page.status}`);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(page.headers.get("content-security-policy"), csp, path);
    assert.equal(page.headers.get("x-frame-options"), "DENY", path);
    assert.equal(page.headers.get("referrer-policy"), "no-referrer", path);
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(page.text), `${path} has an inline script`);
    assert.ok(!/\sstyle=/i.test(page.text), `${path} has an inline style attribute`);
    assert.ok(!/<style/i.test(page.text), `${path} has an inline style element`);
  }
});
