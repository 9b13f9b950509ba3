/**
 * frontend: the admin sessions view. The real list must show the connected main session;
 * the QR flow ("Reconnect" → QR that refreshes → connected) runs against scripted answers
 * (playwright routes), because relinking the shared stack's session would disturb every
 * other suite.
 */
import assert from "node:assert/strict";
import QRCode from "qrcode";
import type { Browser, Route } from "playwright-core";
import { assertClean, launchBrowser, openPage, shoot } from "./_browser.ts";
import { signInAsAdmin } from "./_admin.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

function session(status: string, qr: string | null) {
  return {
    id: "main",
    status,
    phone_number: status === "connected" ? "+1234567890" : null,
    name: null,
    connected_at: status === "connected" ? new Date().toISOString() : null,
    qr_code: qr,
    qr_expires_at: qr ? new Date(Date.now() + 60_000).toISOString() : null,
    is_main: true,
  };
}

// rules: R-UI-3, R-ADMIN-7
Deno.test("frontend: the sessions view lists the bridge's main session", async () => {
  const { page, context, problems } = await openPage(browser!);
  try {
    await signInAsAdmin(page, "sessions");
    const row = page.locator("#sessions-body tr", { hasText: "main" });
    await row.waitFor();
    await row.locator(".badge", { hasText: /^Connected$/ }).waitFor();
    assert.equal(await page.isVisible("#create-session"), false, "nothing to reconnect");
    await shoot(page, "admin-sessions");
    assertClean(problems, "the sessions view");
  } finally {
    await context.close();
  }
});

// rules: R-UI-3, R-ADMIN-7, R-BRIDGE-3
Deno.test("frontend: Reconnect shows a QR code that refreshes until the session connects", async () => {
  const { page, context, problems } = await openPage(browser!);
  const firstQr = await QRCode.toDataURL("zapa-frontend-test-first");
  const secondQr = await QRCode.toDataURL("zapa-frontend-test-second");
  let current = session("disconnected", null);
  let polls = 0;
  let releaseConnect: () => void = () => {};
  const connectAllowed = new Promise<void>((resolve) => releaseConnect = resolve);
  const json = (route: Route, body: unknown, status = 200) =>
    route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
  try {
    await page.route(/\/api\/v1\/admin\/sessions(\/main)?(\?.*)?$/, async (route) => {
      const request = route.request();
      const one = /\/sessions\/main/.test(request.url());
      if (request.method() === "DELETE") return await route.fulfill({ status: 204 });
      if (request.method() === "POST") {
        current = session("qr_waiting", firstQr);
        return await json(route, current, 201);
      }
      if (one) {
        polls++;
        // The first poll brings a fresh QR; the session connects once the test allows it.
        if (polls === 1) current = session("qr_waiting", secondQr);
        else if (polls > 1) {
          await connectAllowed;
          current = session("connected", null);
        }
        return await json(route, current);
      }
      return await json(route, { sessions: [current] });
    });
    await signInAsAdmin(page, "sessions");
    await page.locator("#sessions-body tr .badge", { hasText: /^Disconnected$/ }).waitFor();
    await page.locator("#create-session", { hasText: "Reconnect" }).click();
    await page.locator("#qr-image[src^='data:image/png;base64,']").waitFor();
    await page.waitForFunction(
      (src) => (document.getElementById("qr-image") as HTMLImageElement | null)?.src === src,
      secondQr,
    );
    await page.locator("#qr-status", { hasText: "Scan this code" }).waitFor();
    await shoot(page, "admin-sessions-qr");
    releaseConnect();
    await page.locator("#sessions-notice", { hasText: "Connected as +1234567890" }).waitFor();
    assert.equal(await page.isVisible("#qr-image"), false);
    await page.locator("#sessions-body tr .badge", { hasText: /^Connected$/ }).waitFor();
    assertClean(problems, "the sessions view");
  } finally {
    releaseConnect();
    await context.close();
  }
});
