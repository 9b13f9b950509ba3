/**
 * frontend: the dashboard's conversation reads like WhatsApp (issue 18) — the user's own
 * messages on the right, date separators, search hits highlighted (as text, never markup),
 * dark mode from the system setting — and Logout asks before it signs out.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { chat, configureLlm, createUser, target } from "../../lib/fixtures.ts";
import { assertClean, launchBrowser, openPage, shoot, uniqueWord } from "./_browser.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

/** Relative luminance 0–1 of a computed `rgb(…)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ["0", "0", "0"]).map(Number);
  return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
}

Deno.test("frontend: the dashboard shows my messages right, day separators, highlighted search hits, dark mode, and Logout confirms", async () => {
  const user = await createUser();
  await configureLlm(user);
  const word = uniqueWord("osprey");
  const mine = `<b>bold?</b> the ${word} flew by`;
  await chat(user, mine);
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.addInitScript(([token, phone]) => {
      sessionStorage.setItem("zapa.token", token!);
      sessionStorage.setItem("zapa.phone", phone!);
    }, [user.token, user.phone]);
    await page.goto(`${target.urls.public}/`);
    const myBubble = page.locator("#message-list .msg.in .bubble").first();
    const reply = page.locator("#message-list .msg.out .bubble").first();
    await reply.waitFor();

    // Mine on the right, the assistant's on the left, as in WhatsApp.
    const list = (await page.locator("#message-list").boundingBox())!;
    const a = (await myBubble.boundingBox())!;
    const b = (await reply.boundingBox())!;
    assert.ok(a.x + a.width > list.x + list.width - 8, "my message touches the right edge");
    assert.ok(b.x < list.x + 8, "the reply touches the left edge");

    // A day separator above the first message of each day.
    const separator = page.locator("#message-list .day-separator");
    assert.equal(await separator.count(), 1);
    assert.equal(await separator.textContent(), "Today");

    // Search: the hit is marked, the text stays exactly what was written.
    await page.fill("#message-search", word);
    await page.locator("#message-list mark", { hasText: word }).first().waitFor();
    const hit = page.locator("#message-list .msg.in .bubble-text").first();
    assert.equal(await hit.textContent(), mine);
    assert.equal(
      await page.locator("#message-list b").count(),
      0,
      "user text never becomes markup",
    );
    await shoot(page, "dashboard-search-highlight");
    await page.fill("#message-search", "");
    await page.locator("#message-list mark").first().waitFor({ state: "detached" });

    // Dark mode follows the system setting.
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(light) > 0.8, `light background ${light}`);
    assert.ok(luminance(dark) < 0.2, `dark background ${dark}`);
    await shoot(page, "dashboard-dark");
    await page.emulateMedia({ colorScheme: "light" });

    // Logout asks first.
    await page.click("#logout");
    await page.locator("#logout", { hasText: "Confirm logout" }).waitFor();
    assert.equal(await page.isVisible("#app-view"), true, "still signed in after one click");
    await page.click("#logout");
    await page.locator("#phone-form").waitFor();
    assertClean(problems, "the dashboard");
  } finally {
    await context.close();
  }
});
