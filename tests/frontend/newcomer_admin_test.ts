/**
 * frontend: what a newcomer tripped over in the admin console (issue 18) — the users' empty
 * state under a filter, a one-click session delete, a QR panel that outlived the scan, and a
 * queue card that said "Flowing" with the bridge down. States the shared stack must not be
 * put in (no inactive users at all, the bridge down) are scripted with playwright routes.
 */
import assert from "node:assert/strict";
import type { Browser, Route } from "playwright-core";
import { admin, configureLlm, createUser, waitForReply } from "../../lib/fixtures.ts";
import { deadLetteredReply } from "./_dead_letter.ts";
import { assertClean, launchBrowser, openPage, shoot } from "./_browser.ts";
import { signInAsAdmin } from "./_admin.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

const json = (route: Route, body: unknown, status = 200) =>
  route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });

Deno.test("frontend: the users list under the Inactive filter with no match does not say 'No users yet'", async () => {
  await createUser(); // users exist; none of them is inactive in the scripted answer
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.route(
      /\/api\/v1\/admin\/users\?.*status=inactive/,
      (route) => json(route, { users: [], total: 0, page: 1, page_size: 20, total_pages: 0 }),
    );
    await signInAsAdmin(page, "users");
    await page.locator("#users-body tr").first().waitFor();
    await page.selectOption("#user-status", "inactive");
    await page.locator("#users-state", { hasText: "No inactive users" }).waitFor();
    assert.doesNotMatch(await page.textContent("#users-state") ?? "", /No users yet/);
    assertClean(problems, "the users view");
  } finally {
    await context.close();
  }
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

// A 1×1 PNG: the view only checks that the QR is a PNG data URL.
const PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

Deno.test("frontend: deleting a session asks first, and the QR panel goes once the session connects", async () => {
  const { page, context, problems } = await openPage(browser!);
  let current = session("disconnected", null);
  let deletes = 0;
  let polls = 0;
  try {
    await page.route(/\/api\/v1\/admin\/sessions(\/main)?(\?.*)?$/, async (route) => {
      const request = route.request();
      if (request.method() === "DELETE") {
        deletes++;
        return await route.fulfill({ status: 204 });
      }
      if (request.method() === "POST") {
        current = session("qr_waiting", PNG);
        return await json(route, current, 201);
      }
      if (/\/sessions\/main/.test(request.url())) {
        // The second look at the session finds it connected (the phone scanned the code).
        if (++polls >= 2) current = session("connected", null);
        return await json(route, current);
      }
      return await json(route, { sessions: [current] });
    });
    await signInAsAdmin(page, "sessions");
    const del = page.locator("#sessions-body tr button", { hasText: "Delete" });
    await del.click();
    await page.locator("#sessions-body tr button", { hasText: "Confirm delete" }).waitFor();
    assert.equal(deletes, 0, "one click deletes nothing");
    await page.locator("#sessions-body tr button", { hasText: "Confirm delete" }).click();
    await page.locator("#sessions-body tr button", { hasText: /^Delete$/ }).waitFor();
    assert.equal(deletes, 1);

    deletes = 0;
    await page.locator("#create-session", { hasText: "Reconnect" }).click();
    await page.locator("#sessions-notice", { hasText: "Connected as +1234567890" }).waitFor();
    await page.locator("#qr-panel").waitFor({ state: "hidden" });
    await shoot(page, "admin-sessions-connected");
    assertClean(problems, "the sessions view");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the queue card is not 'Flowing' while the bridge is down with messages queued, and its figures are explained", async () => {
  const { page, context, problems } = await openPage(browser!);
  const counts = {
    queued: 1,
    processing: 0,
    failed: 0,
    total: 1,
    inbound: { queued: 0, processing: 0, failed: 0 },
    outbound: { queued: 1, processing: 0, failed: 0 },
  };
  try {
    await page.route(/\/api\/v1\/admin\/system\/health$/, (route) =>
      json(route, {
        status: "degraded",
        checks: {
          database: { status: "up", latency_ms: 1 },
          redis: { status: "up", latency_ms: 1 },
          bridge: { status: "down", latency_ms: 2, error: "connection refused" },
          queue: { status: "up", latency_ms: 1, ...counts, oldest_queued_age_s: 12 },
        },
        uptime_seconds: 100,
        version: "test",
      }));
    await page.route(/\/api\/v1\/admin\/queue$/, (route) => json(route, counts));
    await page.route(/\/api\/v1\/admin\/system\/stats$/, (route) =>
      json(route, {
        total_users: 3,
        active_users: 3,
        total_messages: 9,
        messages_today: 9,
        average_response_time_ms: 40,
        llm_provider_usage: { openai: 2, anthropic: 0, google: 0, unknown: 3 },
      }));
    await signInAsAdmin(page, "dashboard");
    await page.locator("#card-bridge[data-status='down']").waitFor();
    const badge = page.locator("#card-queue-status");
    await badge.filter({ hasText: /\w/ }).waitFor();
    await page.locator("#card-queue:not([data-status='unknown'])").waitFor();
    assert.notEqual(await badge.textContent(), "Flowing");
    assert.notEqual(await page.getAttribute("#card-queue", "data-status"), "up");
    await page.locator("#card-queue-figures", { hasText: "bridge is down" }).waitFor();
    // "unknown" replies are the ones no AI wrote: say so.
    await page.locator("#s-providers", { hasText: "no AI" }).waitFor();
    await shoot(page, "admin-dashboard-bridge-down");

    await page.click("a.topnav-link[data-view='queue']");
    await page.locator("#view-queue").waitFor();
    const labels = await page.locator("#view-queue .stat-label").allTextContents();
    assert.ok(!labels.some((l) => l.includes("(q / p / f)")), `unexplained: ${labels}`);
    assert.ok(labels.some((l) => /queued \/ processing \/ failed/i.test(l)), `${labels}`);
    assertClean(problems, "the admin dashboard");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: each dead letter shows recipient, text, attempts, error and time, with its own Requeue and Delete", async () => {
  const user = await createUser();
  await configureLlm(user);
  const kept = await deadLetteredReply(user, "requeue me");
  const dropped = await deadLetteredReply(user, "delete me");
  const { page, context, problems } = await openPage(browser!);
  try {
    await signInAsAdmin(page, "queue");
    const row = (text: string) => page.locator("#dead-body tr", { hasText: text });
    await row(kept.text).waitFor();
    const cells = await row(kept.text).locator("td").allTextContents();
    const line = cells.join(" | ");
    assert.ok(cells.includes(user.phone), `recipient: ${line}`);
    assert.ok(cells.some((c) => c.includes(`You said: "${kept.text}"`)), `excerpt: ${line}`);
    assert.ok(cells.includes("3"), `attempts: ${line}`);
    assert.ok(cells.some((c) => /\d{1,2}:\d{2}/.test(c)), `time: ${line}`);
    assert.ok(cells.some((c) => /422|fail/i.test(c)), `last error: ${line}`);
    await shoot(page, "admin-dead-letters");

    // Requeue just this one: it is delivered, the other stays.
    await row(kept.text).locator("button", { hasText: "Requeue" }).click();
    await page.locator("#queue-status.ok", { hasText: "Requeued 1" }).waitFor();
    const reply = await waitForReply(user.phone, kept.since, 20_000);
    assert.ok(reply.text?.includes(kept.text), `delivered: ${reply.text}`);
    await row(kept.text).waitFor({ state: "detached" });
    assert.equal(await row(dropped.text).count(), 1, "the other dead letter stays");

    // Delete asks first, then removes just this one.
    await row(dropped.text).locator("button", { hasText: "Delete" }).click();
    await row(dropped.text).locator("button", { hasText: "Confirm delete" }).click();
    await row(dropped.text).waitFor({ state: "detached" });
    const api = await admin();
    const left = await api.raw<{ items: { excerpt: string | null }[] }>(
      "GET",
      "/api/v1/admin/queue/failed",
    );
    assert.ok(!left.json.items.some((i) => i.excerpt?.includes(dropped.text)), "deleted for good");
    assertClean(problems, "the queue view");
  } finally {
    await context.close();
  }
});
