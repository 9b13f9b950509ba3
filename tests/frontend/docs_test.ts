/**
 * frontend: `/docs` on both entrypoints renders the published OpenAPI with Swagger UI, served
 * from the entrypoint itself (no CDN) under the §3 CSP: operations with their schemas, and
 * "Try it out" sending a real request.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { target } from "../../lib/fixtures.ts";
import { assertClean, launchBrowser, openPage, shoot } from "./_browser.ts";

let browser: Browser | undefined;

Deno.test.beforeAll(async () => {
  browser = await launchBrowser();
});

Deno.test.afterAll(async () => {
  await browser?.close();
});

Deno.test("frontend: /docs renders both OpenAPI documents with schemas and a working Try it out, all served locally", async () => {
  const { page, context, problems } = await openPage(browser!);
  try {
    const foreign: string[] = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (!["127.0.0.1", "localhost"].includes(url.hostname) && url.protocol !== "data:") {
        foreign.push(r.url());
      }
    });
    for (const [base, name] of [[target.urls.private, "private"], [target.urls.public, "public"]]) {
      await page.goto(`${base}/docs`);
      await page.locator(".swagger-ui .opblock").first().waitFor({ timeout: 20_000 });
      await page.locator(".swagger-ui .models, .swagger-ui section.models").first().waitFor();
      await shoot(page, `docs-${name}`);
    }
    // On the public page: open the providers route (no auth), Try it out, Execute → live answer.
    const op = page.locator(".opblock", {
      has: page.locator(".opblock-summary-path[data-path='/api/v1/llm-config/providers']"),
    });
    await op.locator(".opblock-summary-control").click();
    await op.locator("button.try-out__btn").click();
    await op.locator("button.execute").click();
    const live = op.locator(".live-responses-table");
    await live.locator(".response-col_status", { hasText: "200" }).first().waitFor();
    assert.match(await live.textContent() ?? "", /gpt-4o-mini/);
    assert.deepEqual(foreign, [], "nothing loaded from another host");
    assertClean(problems, "the docs pages");
  } finally {
    await context.close();
  }
});
