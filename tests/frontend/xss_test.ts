/**
 * frontend: XSS. Payloads sent over WhatsApp (and set as a user's name by the admin API)
 * render as plain text in the dashboard and the admin console: no dialog opens, no script,
 * img or link element appears, no CSP violation is reported.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { admin, chat, configureLlm, createUser, target } from "../../lib/fixtures.ts";
import { assertClean, launchBrowser, openPage, type Page } from "./_browser.ts";

const PAYLOADS = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "javascript:alert(1)",
  `"><svg onload=alert(1)>`,
];

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

/** No element the payloads could have created exists inside `root`. */
async function assertNoInjectedElements(page: Page, root: string): Promise<void> {
  // The console's own links are the only anchors allowed: "View" (`#users/<id>`) and each
  // message's "trace" (`#trace/<id>`, R-ADMIN-8), whose text is always just "trace".
  const ours = "a:not([href^='#users/']):not(.trace-link[href^='#trace/'])";
  for (const tag of ["script", "img", "svg", "iframe", ours]) {
    assert.equal(await page.locator(`${root} ${tag}`).count(), 0, `no ${tag} inside ${root}`);
  }
  for (const text of await page.locator(`${root} a.trace-link`).allInnerTexts()) {
    assert.equal(text, "trace", "a trace link shows no message text");
  }
}

// rules: R-OUTPUT-3, R-OUTPUT-4
Deno.test("frontend: XSS payloads sent over WhatsApp render as text in the dashboard and the admin console", async () => {
  const user = await createUser();
  await configureLlm(user);
  for (const payload of PAYLOADS) {
    const { text } = await chat(user, payload);
    assert.equal(text, `You said: "${payload}"`);
  }
  const api = await admin();
  const renamed = await api.updateUser(user.id, {
    display_name: PAYLOADS[1],
    first_name: PAYLOADS[0],
    last_name: PAYLOADS[2],
  });
  assert.equal(renamed.status, 200, renamed.text);

  const dashboard = await openPage(browser!);
  const consoleTab = await openPage(browser!);
  try {
    // The user's dashboard: every payload and every echoing reply, exactly, as text.
    const { page } = dashboard;
    await page.addInitScript(
      ([token, phone]) => {
        sessionStorage.setItem("zapa.token", token!);
        sessionStorage.setItem("zapa.phone", phone!);
      },
      [user.token, user.phone],
    );
    await page.goto(`${target.urls.public}/`);
    for (const payload of PAYLOADS) {
      const inbound = page.locator("#message-list .msg.in .bubble-text").filter({
        hasText: payload,
      });
      await inbound.first().waitFor();
      assert.equal(await inbound.first().textContent(), payload);
      await page.locator("#message-list .msg.out .bubble-text", {
        hasText: `You said: "${payload}"`,
      }).first().waitFor();
    }
    await assertNoInjectedElements(page, "#message-list");
    await page.fill("#message-search", "<script>");
    await page.locator("#message-footer", { hasText: "“<script>”" }).waitFor();
    await assertNoInjectedElements(page, "#tab-messages");
    assertClean(dashboard.problems, "the dashboard");

    // The admin console: the users table and the detail view show the names as text.
    const adminPage = consoleTab.page;
    await adminPage.goto(`${target.urls.private}/admin#users`);
    await adminPage.fill("#username", target.admin.username);
    await adminPage.fill("#password", target.admin.password);
    await adminPage.click("#sign-in");
    await adminPage.fill("#user-search", user.phone);
    await adminPage.locator("#users-page", { hasText: "· 1 user" }).waitFor();
    await adminPage.locator(`#users-body tr[data-user-id='${user.id}'] a`).click();
    await adminPage.locator("#detail-title", { hasText: PAYLOADS[1]! }).waitFor();
    assert.equal(await adminPage.textContent("#detail-title"), PAYLOADS[1]);
    await adminPage.locator("#detail-fields dd", { hasText: `${PAYLOADS[0]} ${PAYLOADS[2]}` })
      .waitFor();
    for (const payload of PAYLOADS) {
      await adminPage.locator("#detail-messages .bubble-text", { hasText: payload }).first()
        .waitFor();
    }
    await assertNoInjectedElements(adminPage, "#user-detail");
    await adminPage.click("#detail-back");
    await adminPage.fill("#user-search", PAYLOADS[1]!);
    await adminPage.locator("#users-page", { hasText: "· 1 user" }).waitFor();
    await adminPage.locator(`#users-body tr[data-user-id='${user.id}']`).waitFor();
    await assertNoInjectedElements(adminPage, "#users-body");
    assertClean(consoleTab.problems, "the admin console");
  } finally {
    await dashboard.context.close();
    await consoleTab.context.close();
  }
});
