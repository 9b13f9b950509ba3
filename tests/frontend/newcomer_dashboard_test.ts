/**
 * frontend: what a newcomer tripped over in the user dashboard and the phone simulator
 * (issue 18) — the code-request limit, AI settings that kept the fallback key hostage, the
 * simulator's first-message surprise, failing favicons, and a history search that found itself.
 */
import assert from "node:assert/strict";
import type { Browser, Response } from "playwright-core";
import {
  bridgeControl,
  codeFromText,
  configureLlm,
  createUser,
  llmCalls,
  target,
  type TestUser,
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

async function openSignedIn(page: Page, user: TestUser, hash = ""): Promise<void> {
  await page.addInitScript(([token, phone]) => {
    sessionStorage.setItem("zapa.token", token!);
    sessionStorage.setItem("zapa.phone", phone!);
  }, [user.token, user.phone]);
  await page.goto(`${target.urls.public}/${hash}`);
}

/** Every answer of 400 or more the page's requests got, as "status url" lines. */
function failedResponses(page: Page): string[] {
  const failed: string[] = [];
  page.on("response", (r: Response) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  return failed;
}

Deno.test("frontend: over the code-request limit the sign-in says when to retry and still takes the code already sent", async () => {
  const { page, context, problems } = await openPage(browser!);
  const phone = uniquePhone();
  try {
    await page.goto(`${target.urls.public}/`);
    await page.fill("#phone", phone);
    const since = await bridgeControl.lastSeq();
    await page.click("#send-code");
    await page.locator("#code-sent", { hasText: `Code sent to ${phone}` }).waitFor();
    // "Resend code" asks again (requests 2 and 3 of the hourly 3 per number).
    for (let i = 2; i <= 3; i++) {
      await page.click("#resend-code");
      await page.locator("#code-sent", { hasText: `New code sent to ${phone}` }).waitFor();
    }
    const sent = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
    const code = codeFromText(sent.at(-1)!.text);
    // The 4th request is over the limit: the page says when, and the code field stays.
    await page.click("#resend-code");
    await page.locator("#code-sent", { hasText: /Try again in \d+ min/ }).waitFor();
    assert.match(await page.textContent("#code-sent") ?? "", /code already sent .*still works/i);
    assert.equal(await page.isVisible("#code"), true, "the code field stays visible");
    assert.equal(await page.isEnabled("#code"), true, "the code field stays usable");
    assert.equal(await page.isDisabled("#resend-code"), true, "no resend before the limit ends");
    // Going back and asking for the same number again lands on the code form, not a dead end.
    await page.click("#change-number");
    await page.fill("#phone", phone);
    await page.click("#send-code");
    await page.locator("#code-sent", { hasText: /Try again in \d+ min/ }).waitFor();
    assert.equal(await page.isVisible("#code"), true);
    await shoot(page, "dashboard-login-limited");
    await page.fill("#code", code);
    await page.click("#verify");
    await page.locator("#account-phone", { hasText: phone }).waitFor();
    assertClean(problems, "the sign-in");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: AI settings — a new primary key alone saves, Test connection names the saved key, a rejected save stays visible", async () => {
  const user = await createUser();
  const setup = await configureLlm(user, { fallback: { provider: "google" } });
  const { page, context, problems } = await openPage(browser!);
  try {
    await openSignedIn(page, user, "#settings");
    await page.locator("#settings-form[data-loaded='true']").waitFor();
    assert.equal(await page.isChecked("#use-fallback"), true);

    // Only the primary key changes: the fallback key is not asked for again.
    const newKey = uniqueKey("ui-rotated");
    await page.fill("#primary-key", newKey);
    await page.click("#save-settings");
    await page.locator("#settings-status.ok", { hasText: "Saved" }).waitFor();
    const saved = (await user.api.llmConfig()).json as {
      primary: { key_hint: string };
      fallback: { provider: string; key_hint: string } | null;
    };
    assert.equal(saved.primary.key_hint, newKey.slice(-4));
    assert.equal(saved.fallback?.provider, "google", "the fallback is kept");
    assert.equal(saved.fallback?.key_hint, setup.fallback!.apiKey.slice(-4));

    // Empty key field: the saved key is tested, and the result says so.
    await page.click("#test-settings");
    await page.locator("#test-status.ok", { hasText: `saved key ending in ${newKey.slice(-4)}` })
      .waitFor({ timeout: 20_000 });
    const calls = await llmCalls(await keyFingerprint(newKey));
    assert.ok(calls.length >= 1, "the saved (new) key was the one called");

    // A save the server refuses stays on screen when a connection test follows.
    await page.evaluate(() =>
      document.getElementById("instructions")!.removeAttribute("maxlength")
    );
    await page.fill("#instructions", "x".repeat(2001));
    await page.fill("#primary-key", uniqueKey("ui-refused"));
    await page.click("#save-settings");
    await page.locator("#settings-status.fail", { hasText: "Not saved" }).waitFor();
    await page.click("#test-settings");
    await page.locator("#test-status:not(:empty)", { hasText: /\w/ }).waitFor({ timeout: 20_000 });
    await page.locator("#settings-status.fail", { hasText: "Not saved" }).waitFor();
    await shoot(page, "dashboard-settings-refused");
    assertClean(problems, "the AI settings");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the phone simulator tells a new number to set up the assistant and links to the dashboard", async () => {
  const { page, context, problems } = await openPage(browser!);
  const phone = uniquePhone();
  try {
    await page.goto(`${target.urls.bridge}/?phone=${encodeURIComponent(phone)}`);
    const hint = page.locator("#setup-hint");
    await hint.waitFor();
    assert.match(await hint.textContent() ?? "", /isn.t set up yet/);
    const link = hint.locator("a#dashboard-link");
    assert.equal(await link.getAttribute("href"), `${target.urls.public}/`);
    await page.fill("#text", "hello there");
    await page.click("#send");
    await page.locator(".bubble.theirs .text", { hasText: "isn't set up yet" }).waitFor({
      timeout: REPLY_MS,
    });
    await shoot(page, "simulator-new-number");
    assertClean(problems, "the phone simulator");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the simulator, the control page and both docs pages load without a failed request", async () => {
  const { page, context, problems } = await openPage(browser!);
  try {
    const failed = failedResponses(page);
    const pages = [
      `${target.urls.bridge}/`,
      `${target.urls.bridge_control}/`,
      `${target.urls.public}/docs`,
      `${target.urls.private}/docs`,
    ];
    for (const url of pages) {
      await page.goto(url);
      await page.waitForLoadState("networkidle");
      // Headless Chromium does not fetch icons itself: ask for the one a tab bar would show.
      const icon = await page.evaluate(() =>
        (document.querySelector("link[rel~='icon']") as HTMLLinkElement | null)?.href ??
          new URL("/favicon.ico", location.href).href
      );
      const answer = await page.request.get(icon);
      assert.ok(answer.status() < 400, `icon of ${url}: ${answer.status()} ${icon}`);
    }
    assert.deepEqual(failed, []);
    assertClean(problems, "the simulator and docs pages");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the assistant's history search never finds the message that asked for it", async () => {
  const user = await createUser();
  // A slow first answer lets the second message land while the first one is being answered.
  await configureLlm(user, { apiKey: `${uniqueKey("ui-search")}_mock-latency-800` });
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.goto(`${target.urls.bridge}/?phone=${encodeURIComponent(user.phone)}`);
    const word = uniqueWord("heron");
    const ask = `search for "${word}"`;
    for (let i = 0; i < 2; i++) {
      await page.fill("#text", ask);
      await page.click("#send");
    }
    const replies = page.locator(".bubble.theirs .text", { hasText: "I found" });
    await replies.nth(1).waitFor({ timeout: REPLY_MS });
    // Oldest first: the first request has nothing before it; the second finds the first.
    assert.deepEqual(await replies.allTextContents(), [
      "I found 0 matching message(s).",
      `I found 1 matching message(s): "${ask}"`,
    ]);
    assertClean(problems, "the phone simulator");
  } finally {
    await context.close();
  }
});
