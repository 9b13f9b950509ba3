/**
 * The phone simulator in real Chromium: type a number, chat, see Zapa's reply on the left
 * with ticks going to "read". playwright-core needs `-A`, so without it the test is ignored:
 * `deno test -A mock_bridge/simulator_browser_test.ts`
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { type RunningBridge, startBridge } from "./server.ts";
import { testConfig } from "./testing.ts";

const allowed = Deno.permissions.querySync({ name: "run" }).state === "granted" &&
  Deno.permissions.querySync({ name: "sys" }).state === "granted";

let bridge: RunningBridge | undefined;
let zapa: Deno.HttpServer<Deno.NetAddr> | undefined;
let browser: Browser | undefined;

Deno.test({
  name:
    "mock bridge simulator: chatting in Chromium shows my bubble right and Zapa's reply left with read ticks",
  ignore: !allowed,
  async fn() {
    try {
      // A stand-in for Zapa: answers each message.received by sending a reply through the bridge.
      zapa = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const event = await req.json();
        if (event.eventType === "message.received" && bridge) {
          const to = String(event.data.from).split("@")[0];
          await fetch(`${bridge.apiUrl}/sessions/main/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ to, type: "text", text: `You said: "${event.data.text}"` }),
          }).then((r) => r.body?.cancel());
        }
        return Response.json({ status: "accepted" });
      });
      bridge = startBridge(
        testConfig({
          webhookUrl: `http://127.0.0.1:${zapa.addr.port}/hook`,
          sentDelayMs: 10,
          deliveredDelayMs: 50,
          readDelayMs: 150,
        }),
        { announce: false },
      );
      // Imported here: loading playwright-core at all needs -A.
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
        ],
      });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`${bridge.apiUrl}/`);
      await page.locator("#session-status[data-status='connected']").waitFor({ timeout: 5000 });
      await page.fill("#phone", "+1 555 000 7777");
      await page.click("#open-chat");
      const xss = `<img src=x onerror="window.pwned=1"> hi`;
      await page.fill("#text", xss);
      await page.click("#send");
      const mine = page.locator(".bubble.mine .text", { hasText: "hi" });
      await mine.waitFor({ timeout: 5000 });
      assert.equal(await mine.textContent(), xss);
      const reply = page.locator(".bubble.theirs .text");
      await reply.waitFor({ timeout: 5000 });
      assert.equal(await reply.textContent(), `You said: "${xss}"`);
      await page.locator(".bubble.theirs .ticks[data-status='read']").waitFor({ timeout: 5000 });
      await page.locator(".bubble.mine .ticks[data-status='read']").waitFor({ timeout: 5000 });
      assert.equal(await page.locator(".bubble img").count(), 0, "user text never becomes HTML");
      assert.equal(
        await page.evaluate(() => (window as unknown as { pwned?: number }).pwned),
        undefined,
      );
      assert.deepEqual(errors, []);
      // Offline shows in the status line (the page is served by the same API port, so use the control port).
      const control = await browser.newPage();
      await control.goto(`${bridge.controlUrl}/`);
      await fetch(`${bridge.controlUrl}/__mock/faults`, {
        method: "POST",
        body: JSON.stringify({ offline: true }),
      })
        .then((r) => r.body?.cancel());
      await control.locator("#session-status[data-status='offline']").waitFor({ timeout: 5000 });
    } finally {
      await browser?.close();
      await bridge?.close();
      await zapa?.shutdown();
    }
  },
});
