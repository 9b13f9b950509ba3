/**
 * frontend: the admin journey in real Chromium — sign in, read the dashboard cards, find a
 * user, deactivate them and prove their next WhatsApp message is stored but never answered,
 * look at the user's detail, and requeue a dead-lettered reply from the queue view.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import {
  bridgeControl,
  chat,
  configureLlm,
  createUser,
  sendWhatsApp,
  target,
  waitForReply,
} from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { assertClean, launchBrowser, openPage, shoot, uniqueWord } from "./_browser.ts";
import { signInAsAdmin } from "./_admin.ts";
import { conversation, deadLetteredReply } from "./_dead_letter.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

const consoleUrl = () => `${target.urls.private}/admin`;

// rules: R-UI-3, R-ADMIN-1, R-ADMIN-2, R-ADMIN-5, R-SILENCE-4
Deno.test("frontend: the admin journey — dashboard, find and deactivate a user who is then not answered, detail view", async () => {
  const { page, context, problems } = await openPage(browser!);
  const quiet = await createUser();
  const control = await createUser();
  await configureLlm(quiet);
  await configureLlm(control);
  await chat(quiet, "hello before the admin steps in");
  try {
    await page.goto(consoleUrl());
    await page.locator("#login-form").waitFor();
    await shoot(page, "admin-login");
    await page.fill("#username", target.admin.username);
    await page.fill("#password", "definitely-wrong");
    await page.click("#sign-in");
    await page.locator("#login-error", { hasText: "Wrong username or password" }).waitFor();
    await page.fill("#password", target.admin.password);
    await page.click("#sign-in");

    // Dashboard: the four cards fill in with a status colour.
    await page.locator("#card-database[data-status='up']").waitFor();
    await page.locator("#card-redis[data-status='up']").waitFor();
    await page.locator("#card-bridge:not([data-status='unknown'])").waitFor();
    await page.locator("#card-queue:not([data-status='unknown'])").waitFor();
    await page.locator("#s-total-users", { hasText: /\d/ }).waitFor();
    await shoot(page, "admin-dashboard");

    // Users: find the user by phone and deactivate them.
    await page.click("a.topnav-link[data-view='users']");
    await page.locator("#view-users").waitFor();
    await page.fill("#user-search", quiet.phone);
    await page.locator("#users-page", { hasText: "· 1 user" }).waitFor();
    const row = page.locator(`#users-body tr[data-user-id='${quiet.id}']`);
    await row.waitFor();
    assert.equal(await page.locator("#users-body tr").count(), 1, "the search finds one user");
    // Exact text: a substring match on "Active" would also take "Inactive".
    await row.locator(".badge", { hasText: /^Active$/ }).waitFor();
    await shoot(page, "admin-users");
    await row.locator("button", { hasText: "Deactivate" }).click();
    await page.locator(`#users-body tr[data-user-id='${quiet.id}'] .badge`, {
      hasText: /^Inactive$/,
    })
      .waitFor();
    await page.selectOption("#user-status", "inactive");
    await page.locator(`#users-body tr[data-user-id='${quiet.id}']`).waitFor();

    // Their next WhatsApp message is stored but never answered.
    const text = `anyone there? ${uniqueWord("quiet")}`;
    const sent = await sendWhatsApp(quiet.phone, text);
    await eventually(
      async () => (await conversation(quiet)).some((m) => m.content === text),
      { timeoutMs: 20_000, message: `the inbound row "${text}"` },
    );
    // A later message from an active user is answered: the pipeline got past ours.
    const controlReply = await chat(control, `control ${uniqueWord("ctl")}`);
    assert.match(controlReply.text, /You said/);
    const after = await bridgeControl.sent({ to: quiet.phone, since: sent.since, all: true });
    assert.deepEqual(after.items.map((i) => i.text), [], "the inactive user got no reply");
    assert.ok(
      !(await conversation(quiet)).some((m) =>
        m.direction === "outbound" && m.content?.includes(text)
      ),
      "no reply row either",
    );

    // Detail view shows the user, their status and the unanswered message.
    await page.selectOption("#user-status", "all");
    await page.locator(`#users-body tr[data-user-id='${quiet.id}'] a`, { hasText: "View" }).click();
    await page.locator("#user-detail").waitFor();
    await page.locator("#detail-status", { hasText: /^Inactive$/ }).waitFor();
    await page.locator("#detail-fields dd", { hasText: quiet.phone }).waitFor();
    await page.locator("#detail-messages .msg.in .bubble-text", { hasText: text }).waitFor();
    await shoot(page, "admin-user-detail");

    // Reactivate from the detail view: answered again.
    await page.click("#detail-toggle");
    await page.locator("#detail-status[data-status='active']", { hasText: /^Active$/ }).waitFor();
    const back = await chat(quiet, "back again");
    assert.match(back.text, /You said: "back again"/);

    await page.click("#detail-back");
    await page.locator("#users-list-panel").waitFor();
    assertClean(problems, "the admin console");
  } finally {
    await context.close();
  }
});

// rules: R-UI-3, R-ADMIN-6, R-DELIVERY-4
Deno.test("frontend: the admin queue view lists a dead-lettered reply and requeues it", async () => {
  const { page, context, problems } = await openPage(browser!);
  const user = await createUser();
  await configureLlm(user);
  try {
    await signInAsAdmin(page);
    const { text, since } = await deadLetteredReply(user);

    await page.click("a.topnav-link[data-view='queue']");
    await page.locator("#view-queue").waitFor();
    await page.locator("#dead-body tr").first().waitFor();
    await page.locator("#q-failed", { hasText: /[1-9]/ }).waitFor();
    await shoot(page, "admin-queue");
    await page.click("#requeue-failed");
    await page.locator("#queue-status.ok", { hasText: /Requeued [1-9]\d* failed/ }).waitFor();
    const reply = await waitForReply(user.phone, since, 20_000);
    assert.ok(reply.text?.includes(text), `the requeued reply was delivered: ${reply.text}`);
    await eventually(
      async () =>
        (await conversation(user)).some((m) =>
          m.direction === "outbound" && m.content?.includes(text) && m.status !== "failed"
        ),
      { timeoutMs: 10_000, message: "the reply row no longer failed" },
    );
    assertClean(problems, "the admin queue view");
  } finally {
    await context.close();
  }
});
