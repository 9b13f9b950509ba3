/**
 * frontend: a message's journey in the admin console (R-ADMIN-8) in real Chromium — from a
 * user's conversation, the message's "trace" link opens its hops in order, each with a bar on
 * one time axis; an unknown id and a hostile one get a clear answer, never a broken page.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { chat, configureLlm, createUser } from "../../lib/fixtures.ts";
import { assertClean, launchBrowser, openPage, shoot, uniqueWord } from "./_browser.ts";
import { signInAsAdmin } from "./_admin.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

// rules: R-ADMIN-8, R-UI-3
Deno.test("frontend: the admin console traces a message from the user's conversation, hops in order", async () => {
  const { page, context, problems } = await openPage(browser!);
  const user = await createUser();
  await configureLlm(user, { provider: "anthropic" });
  const word = uniqueWord("trace");
  const sent = await chat(user, `where did ${word} go`);
  try {
    await signInAsAdmin(page, "users");
    await page.evaluate((id) => location.hash = `#users/${id}`, user.id);
    const bubble = page.locator("#detail-messages li.msg.in", { hasText: word });
    await bubble.locator("a.trace-link").click();
    await page.locator("#view-trace").waitFor();
    assert.equal(
      decodeURIComponent(new URL(page.url()).hash),
      `#trace/${sent.messageId}`,
      "the link names the message's WhatsApp id",
    );
    await page.locator("#trace-hops li.trace-hop").nth(4).waitFor();
    const hops = await page.locator("#trace-hops li.trace-hop").evaluateAll((items) =>
      items.map((li) => (li as HTMLElement).dataset.hop)
    );
    assert.deepEqual(hops, ["stored", "waiting for the agent", "agent", "LLM call", "delivery"]);
    const llm = page.locator("#trace-hops li[data-hop='LLM call']");
    assert.match(await llm.locator(".trace-detail").innerText(), /anthropic claude/);
    // Bars sit on one axis: each starts no earlier than the one before.
    const lefts = await page.locator("#trace-hops .trace-bar").evaluateAll((bars) =>
      bars.map((b) => parseFloat((b as HTMLElement).style.left))
    );
    assert.deepEqual(lefts, [...lefts].sort((a, b) => a - b), `bar offsets ${lefts}`);
    assert.match(await page.locator("#trace-fields").innerText(), new RegExp(word));
    await shoot(page, "admin-trace");

    // By hand: an unknown id, then one the API refuses; both say so in the page.
    await page.fill("#trace-id", "3EB0NOSUCHMESSAGE");
    await page.click("#trace-form button[type=submit]");
    await page.locator("#trace-title", { hasText: "No message with this WhatsApp id" }).waitFor();
    assert.equal(await page.locator("#trace-hops li").count(), 0);
    await page.fill("#trace-id", "<img src=x onerror=alert(1)> id");
    await page.click("#trace-form button[type=submit]");
    await page.locator("#trace-title", { hasText: "Could not trace the message" }).waitFor();
    assert.match(await page.locator("#trace-state").innerText(), /printable ASCII/);
    assertClean(problems, "the trace view");
  } finally {
    await context.close();
  }
});
