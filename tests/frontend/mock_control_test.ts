/**
 * frontend: the mock bridge's control page at `/__mock/` in real Chromium — fault switches,
 * live journals filtered by number or message id, reset. Switching faults on the shared
 * stack's bridge would break the suites running beside this one, so the page is driven
 * against a bridge of its own (real sockets, a webhook receiver standing in for Zapa); the
 * shared stack is only read: both of its ports must serve the page.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { type RunningBridge, startBridge } from "../../mock_bridge/server.ts";
import { type Receiver, startReceiver, testConfig } from "../../mock_bridge/testing.ts";
import { target } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { assertClean, launchBrowser, openPage, type Page, shoot } from "./_browser.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return await res.json();
}

async function faults(bridge: RunningBridge): Promise<Record<string, unknown>> {
  return await (await fetch(`${bridge.controlUrl}/__mock/faults`)).json();
}

/** A phone writes, and "Zapa" answers through the bridge's zapw API. */
async function exchange(bridge: RunningBridge, from: string, text: string): Promise<string> {
  const inbound = await post(`${bridge.controlUrl}/__mock/inbound`, { from, text });
  await post(`${bridge.apiUrl}/sessions/main/messages`, {
    to: from,
    type: "text",
    text: `You said: "${text}"`,
  });
  return String(inbound.message_id);
}

const rows = (page: Page, journal: string) => page.locator(`#journal-${journal} tbody tr`);

Deno.test("frontend: the shared stack's bridge serves its control page on the control port and the API port", async () => {
  const { page, context, problems } = await openPage(browser!);
  try {
    for (const base of [target.urls.bridge_control, target.urls.bridge]) {
      const res = await page.goto(`${base}/__mock/`);
      assert.equal(res?.status(), 200, `${base}/__mock/`);
      await page.locator("h1", { hasText: "Mock bridge controls" }).waitFor();
      await page.locator("#api-status[data-status='online']").waitFor();
    }
    assertClean(problems, "the control page");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the mock bridge control page switches faults, shows live filterable journals and resets", async () => {
  let receiver: Receiver | undefined;
  let bridge: RunningBridge | undefined;
  const { page, context, problems } = await openPage(browser!);
  try {
    receiver = startReceiver();
    bridge = startBridge(
      testConfig({
        webhookUrl: receiver.url,
        sentDelayMs: 10,
        deliveredDelayMs: 30,
        readDelayMs: 60,
      }),
      { announce: false },
    );
    await page.goto(`${bridge.controlUrl}/__mock/`);
    await page.locator("#api-status[data-status='online']").waitFor();

    // Journals fill in live, without a reload.
    const alice = await exchange(bridge, "+15550001111", "hello from alice");
    await exchange(bridge, "+15550002222", "hello from bob");
    await rows(page, "inbound").nth(1).waitFor();
    await rows(page, "sent").nth(1).waitFor();
    await rows(page, "webhooks").filter({ hasText: "message.received" }).nth(1).waitFor();
    await rows(page, "receipts").filter({ hasText: "message.read" }).nth(1).waitFor();
    assert.equal(
      await rows(page, "receipts").filter({ hasText: "message.received" }).count(),
      0,
      "receipts are only sent / delivered / read",
    );

    // Filter by number: each journal keeps that phone's rows (webhooks through message ids).
    await page.fill("#journal-filter", "+1 555 000 1111");
    await rows(page, "inbound").filter({ hasText: "bob" }).waitFor({ state: "detached" });
    assert.equal(await rows(page, "inbound").count(), 1);
    assert.equal(await rows(page, "sent").count(), 1);
    assert.match(await rows(page, "sent").first().textContent() ?? "", /alice/);
    assert.equal(
      await rows(page, "webhooks").filter({ hasText: "message.received" }).count(),
      1,
    );
    // Filter by message id.
    await page.fill("#journal-filter", alice);
    await rows(page, "inbound").filter({ hasText: alice }).waitFor();
    assert.equal(await rows(page, "inbound").count(), 1);
    await shoot(page, "mock-control");
    await page.fill("#journal-filter", "");

    // Switches: each one changes the bridge's faults, and the bridge acts on it.
    await page.click("#fault-offline");
    await page.locator("#api-status[data-status='offline']").waitFor();
    await assert.rejects(fetch(`${bridge.apiUrl}/health`), "the API port refuses connections");
    assert.equal((await faults(bridge)).offline, true);
    await page.click("#fault-offline");
    await page.locator("#api-status[data-status='online']").waitFor();

    await page.click("#fault-duplicate_webhooks");
    await eventually(async () => (await faults(bridge!)).duplicate_webhooks === true, {
      message: "duplicate_webhooks on",
    });
    await page.click("#fault-disconnect_session");
    await page.locator("#session-status", { hasText: "disconnected" }).waitFor();

    await page.fill("#send-fail-times", "2");
    await page.selectOption("#send-status", "503");
    await page.fill("#latency-ms", "250");
    await page.click("#apply-faults");
    await page.locator("#faults-status", { hasText: "Applied" }).waitFor();
    const applied = await faults(bridge);
    assert.equal(applied.send_fail_times, 2);
    assert.equal(applied.send_status, 503);
    assert.equal(applied.latency_ms, 250);
    assert.equal(applied.disconnect_session, true);
    await shoot(page, "mock-control-faults");

    // Reset asks first, then clears faults and journals.
    await page.click("#reset");
    await page.locator("#reset", { hasText: "Confirm reset" }).click();
    await page.locator("#faults-status", { hasText: "Reset" }).waitFor();
    await rows(page, "inbound").first().waitFor({ state: "detached" });
    const after = await faults(bridge);
    assert.equal(after.disconnect_session, false);
    assert.equal(after.send_fail_times, null);
    await page.locator("#fault-duplicate_webhooks:not(:checked)").waitFor({ state: "attached" });
    await page.locator("#fault-disconnect_session:not(:checked)").waitFor({ state: "attached" });
    assert.equal(await page.inputValue("#latency-ms"), "0");
    assertClean(problems, "the control page");
  } finally {
    await context.close();
    await bridge?.close();
    await receiver?.close();
  }
});
