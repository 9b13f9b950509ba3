/**
 * frontend: the phone simulator closer to WhatsApp Web (issue 18) — the chat list comes from
 * the bridge's journal (not only this browser's storage) with unread counts, a day separator
 * above the messages, image / location / contact messages, and on a phone the open chat
 * takes the whole screen with a way back to the list.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { bridgeControl, sendWhatsApp, target, uniquePhone } from "../../lib/fixtures.ts";
import { assertClean, launchBrowser, openPage, shoot } from "./_browser.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

Deno.test("frontend: the simulator lists chats from the bridge with unread counts and sends image, location and contact messages", async () => {
  const phone = uniquePhone();
  // Written by another client: this browser has never seen the number.
  const sent = await sendWhatsApp(phone, "hello from elsewhere");
  await bridgeControl.waitForSent({ to: phone, since: sent.since, timeoutMs: 20_000 });
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.goto(`${target.urls.bridge}/`);
    const entry = page.locator("#chat-list li", { hasText: phone });
    await entry.waitFor();
    assert.match(await entry.textContent() ?? "", /isn't set up yet/, "last message preview");
    await entry.locator(".unread", { hasText: /^1$/ }).waitFor();

    await entry.locator("button").click();
    await page.locator(".bubble.theirs .text", { hasText: "isn't set up yet" }).waitFor();
    await page.locator("#messages .day-separator", { hasText: "Today" }).waitFor();
    await entry.locator(".unread").waitFor({ state: "detached" });

    // Image with caption, location and contact, through the attach menu. A bubble shows at once
    // as pending; the bridge has journaled the message only once it has left that state.
    const sentBubble = (text: string) =>
      page.locator('.bubble.mine:not([data-status="pending"]) .text', { hasText: text }).waitFor();
    await page.click("#attach");
    await page.click("#attach-image");
    await page.fill("#attach-caption", "my cat");
    await page.click("#attach-send");
    await sentBubble("my cat");
    await page.click("#attach");
    await page.click("#attach-location");
    await page.fill("#attach-latitude", "52.52");
    await page.fill("#attach-longitude", "13.405");
    await page.fill("#attach-name", "Brandenburg Gate");
    await page.click("#attach-send");
    await sentBubble("Brandenburg Gate");
    await page.click("#attach");
    await page.click("#attach-contact");
    await page.fill("#attach-name", "Ada");
    await page.fill("#attach-number", "+15550009999");
    await page.click("#attach-send");
    await sentBubble("Ada");
    const res = await fetch(`${target.urls.bridge_control}/__mock/inbound?from=${phone.slice(1)}`);
    const items = (await res.json()).items as { type: string; caption: string | null }[];
    assert.deepEqual(items.map((i) => i.type), ["text", "image", "location", "contact"]);
    assert.equal(items[1]!.caption, "my cat");
    await shoot(page, "simulator-attachments");

    // On a phone the open chat takes the screen; Back shows the list.
    await page.setViewportSize({ width: 375, height: 812 });
    assert.equal(await page.isVisible("#chat"), true);
    assert.equal(await page.isVisible("#chat-list"), false, "the chat comes first on a phone");
    await page.click("#back-to-chats");
    await page.locator("#chat-list").waitFor();
    assert.equal(await page.isVisible("#chat"), false);
    assertClean(problems, "the phone simulator");
  } finally {
    await context.close();
  }
});
