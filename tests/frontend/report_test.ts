/**
 * frontend: the test report (issue 15) opens in real Chromium after a run with deliberately
 * failing tests. A scratch reports folder receives a real `deno test` run of
 * lib/runner/testdata/report_fixture_suite.ts through the group runner, is published like the
 * test command does, and the pages are loaded from disk as a reader would open them.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { runDenoGroup } from "../../lib/runner/group_runner.ts";
import {
  publishGroup,
  rebuildReport,
  recordRun,
  runId,
  stagingDir,
} from "../../lib/runner/report/mod.ts";
import { HOPS } from "../../lib/runner/testdata/trace_fixture.ts";
import { assertClean, launchBrowser, openPage, SCREENSHOTS, shoot } from "./_browser.ts";

const FAILING = "demo: the agent's reply reaches the user <img src=x onerror=alert(1)>";
const BARE = "demo: a test that fails without evidence of its own";

let browser: Browser | undefined;
let dir = "";

Deno.test.beforeAll(async () => {
  [browser, dir] = await Promise.all([
    launchBrowser(),
    Deno.makeTempDir({ prefix: "zapa-report-frontend-" }),
  ]);
});

Deno.test.afterAll(async () => {
  await browser?.close();
  if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
});

/** Runs the fixture suite as group "demo" and publishes it, with a service log folder. */
async function runFixture(): Promise<number> {
  const logsDir = `${dir}/logs/shared-1`;
  await Deno.mkdir(logsDir, { recursive: true });
  await Deno.writeTextFile(
    `${logsDir}/public.log`,
    '{"level":"info","msg":"boot"}\n{"level":"warn","msg":"no reply sent for wamid.BARE"}\n',
  );
  const startedAt = new Date().toISOString();
  const staging = stagingDir(dir, "demo");
  const result = await runDenoGroup({
    name: "unit",
    dirs: [],
    stack: "none",
    parallel: false,
    permissions: "unit",
    kind: "deno",
  }, {
    files: ["lib/runner/testdata/report_fixture_suite.ts"],
    flags: ["--allow-read", "--allow-env=ZAPA_ATTACHMENTS_DIR", `--allow-write=${dir}`],
    passthrough: [],
    env: { NO_COLOR: "1" },
    dir: staging,
    echo: "quiet",
  });
  assert.equal(result.status, "failed", "the fixture suite fails on purpose");
  const t0 = performance.now();
  const run = { run_id: runId(startedAt), started_at: startedAt, target: "native" };
  const record = await publishGroup(dir, {
    ...run,
    name: "demo",
    status: result.status,
    started_at: startedAt,
    seconds: result.seconds,
    staging,
    output: result.output,
    logsDir,
  });
  await recordRun(dir, { ...run, seconds: result.seconds }, [record]);
  await rebuildReport(dir);
  return performance.now() - t0;
}

Deno.test("frontend: the report shows a failing test's name, expected vs seen, log tail and every hop of its message trace in order", async () => {
  const ms = await runFixture();
  console.log(`report for the fixture run built in ${ms.toFixed(0)} ms`);
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.goto(`file://${dir}/index.html`);
    await page.locator("h1", { hasText: "1 passed" }).waitFor();
    assert.match(await page.locator("h1").innerText(), /1 passed, 2 failed, 1 ignored/);
    await shoot(page, "report-landing");
    // The landing page lists the failing test by name and links to it.
    const link = page.locator("#failing + ul a", { hasText: FAILING });
    await link.waitFor();
    await link.click();
    await page.waitForURL(/groups\/demo\/index\.html#t-/);
    const test = page.locator("details.t", { hasText: FAILING });
    assert.equal(await test.getAttribute("data-status"), "failed");
    const message = await test.locator("pre.msg").first().innerText();
    assert.match(message, /expected the reply to be delivered, saw it failed/);
    assert.match(message, /\+ 'failed'\n- 'delivered'/, "expected vs seen");
    assert.match(
      await test.locator(".attachment", { hasText: "private log tail" }).innerText(),
      /agent gave up: LLM timeout/,
    );
    // The trace renders in a sandboxed frame; its hops appear in the order they happened.
    const frame = page.frameLocator("iframe[title='trace of wamid.FIXTURE1']");
    const hops = await frame.locator("li[data-hop] span.hop").allInnerTexts();
    assert.deepEqual(hops, HOPS.map((hop, i) => `${i + 1}. ${hop}`));
    await page.locator("iframe[title='trace of wamid.FIXTURE1']").screenshot({
      path: new URL("report-trace.png", SCREENSHOTS).pathname,
    });
    await page.evaluate(() => scrollTo(0, 0)); // full-page shots show the sticky filter bar on top
    await shoot(page, "report-failing-test");
    // A failing test without evidence of its own gets the services' log tails from the runner.
    const bare = page.locator("details.t", { hasText: BARE });
    assert.match(
      await bare.locator(".attachment").first().innerText(),
      /public log tail[\s\S]*no reply sent for wamid\.BARE/,
    );
    // Steps and the ignored reason are shown; the status filter hides what is unchecked.
    const passed = page.locator("details.t", { hasText: "demo: a user signs in, in two steps" });
    await passed.locator("summary").click();
    // Opening a <details> shows its content on the next rendering update: wait for that fact.
    await page.waitForFunction(
      (el) => (el as HTMLElement).innerText.includes("verify the code"),
      await passed.elementHandle(),
      { timeout: 10_000 },
    );
    assert.match(await passed.innerText(), /request a code[\s\S]*verify the code/);
    assert.match(
      await page.locator("details.t", { hasText: "an implementation check" }).innerText(),
      /lacks a database/,
    );
    await page.locator("[data-chip=passed]").uncheck();
    assert.equal(await passed.isHidden(), true);
    await page.locator("#q").fill("without evidence");
    assert.equal(await test.isHidden(), true);
    assert.equal(await bare.isVisible(), true);
    // No script of the hostile test name ran, and the page broke none of its own rules.
    assertClean(problems, "the report");
  } finally {
    await context.close();
  }
});

Deno.test("frontend: the report's history view shows each run with a trend line per group", async () => {
  await runFixture(); // a second run: two points make a line
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.goto(`file://${dir}/index.html#history`);
    const rows = page.locator("#history + table tr");
    assert.equal(await rows.count(), 3, "a header and two runs");
    const trend = page.locator("svg[aria-label='demo duration s']");
    assert.equal(await trend.count(), 1);
    assert.ok((await trend.boundingBox())!.width > 50);
    await shoot(page, "report-history");
    assertClean(problems, "the report's history");
  } finally {
    await context.close();
  }
});
