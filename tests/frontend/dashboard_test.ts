/**
 * frontend: the user journey in real Chromium — sign in with the code the phone received,
 * write from the phone simulator and watch the message and its reply appear, search, switch
 * the AI provider and see the next reply come from it, check stats and export, log out.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Browser } from "playwright-core";
import { suiteTest } from "../../lib/target.ts";
import {
  bridgeControl,
  codeFromText,
  createUser,
  llm,
  target,
  uniqueKey,
  uniquePhone,
} from "../../lib/fixtures.ts";
import { keyFingerprint } from "../../lib/clients/llm.ts";
import { assertClean, launchBrowser, openPage, type Page, shoot, uniqueWord } from "./_browser.ts";

const REPLY_MS = 30_000;
let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

/** Writes `text` from the phone simulator page, as the user would on WhatsApp. */
async function sendFromSimulator(simulator: Page, text: string): Promise<void> {
  await simulator.fill("#text", text);
  await simulator.click("#send");
  await simulator.locator(".bubble.mine .text", { hasText: text }).first().waitFor();
}

async function saveProvider(
  page: Page,
  settings: { provider: string; model: string; key: string },
): Promise<void> {
  await page.click("#tab-btn-settings");
  await page.locator("#settings-form[data-loaded='true']").waitFor();
  await page.selectOption("#primary-provider", settings.provider);
  await page.fill("#primary-model", settings.model);
  await page.fill("#primary-key", settings.key);
  await page.click("#save-settings");
  await page.locator("#settings-status.ok", { hasText: "Saved" }).waitFor();
  await page.locator("#primary-key-hint", { hasText: settings.key.slice(-4) }).waitFor();
  assert.equal(await page.inputValue("#primary-key"), "", "the key field is cleared after saving");
}

// rules: R-UI-1, R-UI-2, R-MSG-7
Deno.test("frontend: the user journey — code sign-in, live messages, search, provider switch, stats, export", async () => {
  const { page, context, problems } = await openPage(browser!);
  const simulatorTab = await openPage(browser!);
  const phone = uniquePhone();
  try {
    // Sign in with the code the phone received over WhatsApp.
    await page.goto(`${target.urls.public}/`);
    await page.locator("#phone-form").waitFor();
    await shoot(page, "dashboard-login");
    await page.fill("#phone", "12");
    await page.click("#send-code");
    await page.locator("#phone-error", { hasText: "international format" }).waitFor();
    await page.fill("#phone", phone);
    const since = await bridgeControl.lastSeq();
    await page.click("#send-code");
    await page.locator("#code-sent", { hasText: `Code sent to ${phone}` }).waitFor();
    const [codeMessage] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
    const code = codeFromText(codeMessage!.text);
    await page.fill("#code", code === "000000" ? "111111" : "000000");
    await page.click("#verify");
    await page.locator("#code-error", { hasText: "wrong or has expired" }).waitFor();
    await shoot(page, "dashboard-login-code");
    await page.fill("#code", code);
    await page.click("#verify");
    await page.locator("#account-phone", { hasText: phone }).waitFor();
    await page.locator("#messages-state", { hasText: "No messages yet" }).waitFor();

    // Choose the first provider in AI settings.
    const openaiKey = uniqueKey("ui-openai");
    await saveProvider(page, { provider: "openai", model: "gpt-4o-mini", key: openaiKey });
    await page.click("#test-settings");
    await page.locator("#test-status.ok", { hasText: "Connection works" }).waitFor({
      timeout: 20_000,
    });
    await shoot(page, "dashboard-settings");

    // Write from the phone simulator; the message and the reply appear in the dashboard.
    const simulator = simulatorTab.page;
    await simulator.goto(`${target.urls.bridge}/?phone=${encodeURIComponent(phone)}`);
    const word = uniqueWord("pelican");
    const first = `Hello from the simulator, ${word}`;
    await sendFromSimulator(simulator, first);
    await page.click("#tab-btn-messages");
    await page.locator("#message-list .msg.in .bubble-text", { hasText: first }).waitFor({
      timeout: REPLY_MS,
    });
    await page.locator("#message-list .msg.out .bubble-text", { hasText: `You said: "${first}"` })
      .waitFor({ timeout: REPLY_MS });
    await page.locator("#message-footer", { hasText: /^2 messages; since / }).waitFor({
      timeout: REPLY_MS,
    });
    await simulator.locator(".bubble.theirs .text", { hasText: `You said: "${first}"` }).waitFor({
      timeout: REPLY_MS,
    });

    // Switch to Anthropic: the next reply comes from it, with the new key.
    const anthropicKey = uniqueKey("ui-anthropic");
    const fingerprint = await keyFingerprint(anthropicKey);
    await saveProvider(page, { provider: "anthropic", model: "claude-3-haiku", key: anthropicKey });
    const llmSince = await llm.lastSeq();
    const second = "Which provider answers now?";
    await sendFromSimulator(simulator, second);
    await page.click("#tab-btn-messages");
    await page.locator("#message-list .msg.out .bubble-text", { hasText: `You said: "${second}"` })
      .waitFor({ timeout: REPLY_MS });
    const calls = (await llm.requests({ key_fingerprint: fingerprint })).filter((c) =>
      c.seq > llmSince
    );
    assert.ok(calls.length >= 1, "the new key was used");
    assert.equal(calls[0]!.provider, "anthropic");
    assert.equal(calls[0]!.path, "/v1/messages");
    assert.equal(calls[0]!.model, "claude-3-haiku-20240307");
    const openaiFingerprint = await keyFingerprint(openaiKey);
    const lateOpenai = (await llm.requests({ key_fingerprint: openaiFingerprint })).filter((c) =>
      c.seq > llmSince && !/Connection test/.test(c.last_user_message ?? "")
    );
    assert.deepEqual(lateOpenai, [], "the old provider was not called for the new message");
    await page.locator("#message-footer", { hasText: /^4 messages; since / }).waitFor({
      timeout: REPLY_MS,
    });
    await shoot(page, "dashboard-messages");

    // Search (debounced): only the matching message stays.
    await page.fill("#message-search", word);
    await page.locator("#message-footer", { hasText: /^2 messages match/ }).waitFor();
    assert.equal(await page.locator("#message-list .msg").count(), 2);
    await page.fill("#message-search", uniqueWord("nothing"));
    await page.locator("#messages-state", { hasText: "No messages match" }).waitFor();
    await page.fill("#message-search", "");
    await page.locator("#message-footer", { hasText: /^4 messages; since / }).waitFor();

    // Stats: totals and a 30-day SVG chart.
    await page.click("#tab-btn-stats");
    await page.locator("#stat-total", { hasText: /^4$/ }).waitFor();
    assert.equal(await page.textContent("#stat-sent"), "2");
    assert.equal(await page.textContent("#stat-received"), "2");
    await page.locator("#stat-provider", { hasText: "claude-3-haiku" }).waitFor();
    assert.equal(await page.locator("#chart svg rect.bar").count(), 30);
    await shoot(page, "dashboard-stats");

    // Export: both formats download through fetch + Blob with the token.
    await page.click("#tab-btn-export");
    for (const format of ["json", "csv"] as const) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`#export-${format}`),
      ]);
      assert.match(
        download.suggestedFilename(),
        new RegExp(`^zapa-messages-\\d+-\\d{8}\\.${format}$`),
      );
      const text = await Deno.readTextFile((await download.path())!);
      if (format === "json") {
        const items = JSON.parse(text) as Array<{ content: string }>;
        assert.equal(items.length, 4);
        assert.ok(items.some((m) => m.content === first));
      } else {
        assert.match(
          text,
          /^id,created_at,timestamp,direction,message_type,status,content,caption,whatsapp_message_id\r?\n/,
        );
        assert.ok(text.includes(word));
      }
    }
    await page.locator("#export-status", { hasText: "Downloaded zapa-messages-" }).waitFor();
    await shoot(page, "dashboard-export");

    // Logout: back to sign-in, the token is gone.
    await page.click("#tab-btn-messages");
    await page.click("#logout");
    await page.locator("#logout", { hasText: "Confirm logout" }).click();
    await page.locator("#phone-form").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("zapa.token")), null);
    assertClean(problems, "the dashboard");
    assertClean(simulatorTab.problems, "the phone simulator");
  } finally {
    await simulatorTab.context.close();
    await context.close();
  }
});

// rules: R-UI-1
Deno.test("frontend: a revoked or expired token returns the dashboard to sign-in", async () => {
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.addInitScript(() => sessionStorage.setItem("zapa.token", "not.a.token"));
    await page.goto(`${target.urls.public}/#stats`);
    await page.locator("#phone-error", { hasText: "session has ended" }).waitFor();
    assert.equal(await page.isVisible("#app-view"), false);
    assertClean(problems, "the dashboard");
  } finally {
    await context.close();
  }
});

// rules: R-UI-2, R-MSG-2
// tier: internal — seeds 120 messages with SQL into our messages table
suiteTest(
  "frontend: Load older pages back through history 50 at a time",
  { needs: ["database"] },
  async () => {
    const user = await createUser();
    const sql = postgres(target.database!, { max: 1, onnotice: () => {} });
    try {
      // The R-DATA-3 raw insert: 120 rows, one second apart, oldest first.
      await sql`INSERT INTO messages (user_id, content, direction, created_at)
        SELECT ${user.id}, 'history ' || n, CASE WHEN n % 2 = 0 THEN 'outbound' ELSE 'inbound' END,
               now() - make_interval(secs => 200 - n)
        FROM generate_series(1, 120) AS n`;
    } finally {
      await sql.end({ timeout: 1 });
    }
    const { page, context, problems } = await openPage(browser!);
    try {
      await page.addInitScript(([token, phone]) => {
        sessionStorage.setItem("zapa.token", token!);
        sessionStorage.setItem("zapa.phone", phone!);
      }, [user.token, user.phone]);
      await page.goto(`${target.urls.public}/`);
      await page.locator("#message-footer", { hasText: /^120 messages; since / }).waitFor();
      const bubbles = page.locator("#message-list .msg");
      assert.equal(await bubbles.count(), 50);
      assert.equal(await bubbles.last().locator(".bubble-text").textContent(), "history 120");
      await page.click("#load-older");
      await page.locator("#message-list .bubble-text", { hasText: /^history 21$/ }).waitFor();
      assert.equal(await bubbles.count(), 100);
      await page.click("#load-older");
      await page.locator("#message-list .bubble-text", { hasText: /^history 1$/ }).waitFor();
      assert.equal(await bubbles.count(), 120);
      await page.locator("#load-older").waitFor({ state: "hidden" });
      assert.equal(await bubbles.first().locator(".bubble-text").textContent(), "history 1");
      assertClean(problems, "the dashboard");
    } finally {
      await context.close();
    }
  },
);

// rules: R-UI-2, R-LLMCFG-2, R-LLMCFG-4, R-LLMCFG-5
Deno.test("frontend: AI settings save an optional fallback, test the saved config and delete it", async () => {
  const user = await createUser();
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.addInitScript(([token, phone]) => {
      sessionStorage.setItem("zapa.token", token!);
      sessionStorage.setItem("zapa.phone", phone!);
    }, [user.token, user.phone]);
    await page.goto(`${target.urls.public}/#settings`);
    await page.locator("#settings-form[data-loaded='true']").waitFor();
    await page.click("#save-settings");
    await page.locator("#settings-status.fail", { hasText: "Enter the primary API key" }).waitFor();

    const primaryKey = uniqueKey("ui-primary");
    const fallbackKey = uniqueKey("ui-fallback");
    await page.selectOption("#primary-provider", "openai");
    await page.fill("#primary-key", primaryKey);
    await page.fill("#instructions", "Answer like a pirate.");
    await page.check("#use-fallback");
    await page.selectOption("#fallback-provider", "google");
    await page.locator("#fallback-model").fill("gemini-2.0-flash");
    await page.fill("#fallback-key", fallbackKey);
    await page.click("#save-settings");
    await page.locator("#settings-status.ok", { hasText: "Saved" }).waitFor();
    await page.locator("#fallback-key-hint", { hasText: fallbackKey.slice(-4) }).waitFor();
    const saved = await user.api.llmConfig();
    assert.equal(saved.status, 200);
    const body = saved.json as {
      primary: { provider: string; model_settings: { custom_instructions?: string } };
      fallback: { provider: string; key_hint: string } | null;
    };
    assert.equal(body.primary.provider, "openai");
    assert.equal(body.primary.model_settings.custom_instructions, "Answer like a pirate.");
    assert.equal(body.fallback?.provider, "google");
    assert.equal(body.fallback?.key_hint, fallbackKey.slice(-4));

    // Test connection with an empty key field tests the saved primary.
    await page.click("#test-settings");
    await page.locator("#test-status.ok", { hasText: "Connection works" }).waitFor({
      timeout: 20_000,
    });

    await page.click("#delete-settings");
    await page.locator("#delete-settings", { hasText: "Confirm delete" }).click();
    await page.locator("#settings-status.ok", { hasText: "deleted" }).waitFor();
    await page.locator("#primary-key-hint", { hasText: "No key saved" }).waitFor();
    const after = await user.api.llmConfig();
    assert.deepEqual(after.json, { primary: null, fallback: null });
    assertClean(problems, "the AI settings");
  } finally {
    await context.close();
  }
});
