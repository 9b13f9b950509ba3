/**
 * frontend: the load runner's HTML report (issue 9) opens in real Chromium and shows its charts.
 * A one-second run of the runner's own test script against a local echo server produces a
 * real report; the page is then loaded from disk like an operator would open it.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startTarget } from "../../load/runner/testdata/target.ts";
import { runnerArgs } from "../../load/runner/testdata/runner_args.ts";
import { assertClean, launchBrowser, openPage, shoot } from "./_browser.ts";

let browser: Browser | undefined;
let server: Deno.HttpServer<Deno.NetAddr> | undefined;
let out = "";

Deno.test.beforeAll(async () => {
  [browser, out] = await Promise.all([
    launchBrowser(),
    Deno.makeTempDir({ prefix: "zapa-load-report-" }),
  ]);
  server = startTarget();
});

Deno.test.afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  if (out) await Deno.remove(out, { recursive: true }).catch(() => {});
});

/** `deno task load`'s command line, narrowed to this run's output folder. */
async function runLoad(script: string, env: string[]): Promise<string> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: runnerArgs(out, [script, ...env.flatMap((e) => ["-e", e])]),
    env: { NO_COLOR: "1", ZAPA_STACK_FILE: ".zapa/no-such-stack-for-load-tests.json" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, `the load run passes:\n${text.slice(-2000)}`);
  return `${out}/basic.html`;
}

Deno.test("frontend: the load report opens in Chromium with its percentile, throughput and histogram charts", async () => {
  const report = await runLoad("load/runner/testdata/basic.ts", [
    `TARGET=http://127.0.0.1:${server!.addr.port}`,
    "DURATION=1s",
  ]);
  const { page, context, problems } = await openPage(browser!);
  try {
    await page.goto(`file://${report}`);
    await page.locator("h2", { hasText: "Key figures" }).waitFor();
    await page.locator("text=PASSED").first().waitFor();
    // Every chart is an inline SVG with a label, laid out at a real size, with its data drawn:
    // line series as paths (or a dot for a one-bucket series), histograms as bars.
    const charts = await page.locator("svg[role='img']").evaluateAll((nodes) =>
      nodes.map((n) => {
        const box = n.getBoundingClientRect();
        return {
          label: n.getAttribute("aria-label") ?? "",
          width: box.width,
          height: box.height,
          lines: n.querySelectorAll("path[d*='L'], circle").length,
          // The background is one rect; legends add one per series.
          rects: n.querySelectorAll("rect").length,
        };
      })
    );
    const labels = charts.map((c) => c.label);
    for (
      const wanted of [
        /percentiles over time/,
        /Throughput and VUs/,
        /distribution \(\d+ samples\)/,
      ]
    ) {
      assert.ok(labels.some((l) => wanted.test(l)), `a chart ${wanted}: saw ${labels.join(" | ")}`);
    }
    for (const chart of charts) {
      assert.ok(chart.width > 200 && chart.height > 100, `${chart.label} is drawn at a real size`);
      const drawn = /distribution/.test(chart.label) ? chart.rects > 3 : chart.lines >= 1;
      assert.ok(drawn, `${chart.label} shows its data: ${JSON.stringify(chart)}`);
    }
    // Self-contained: nothing is fetched from anywhere.
    const external = await page.evaluate(() =>
      performance.getEntriesByType("resource").map((e) => e.name)
    );
    assert.deepEqual(external, [], "the report loads no external assets");
    await shoot(page, "load-report");
    assertClean(problems, "the load report");
  } finally {
    await context.close();
  }
});
