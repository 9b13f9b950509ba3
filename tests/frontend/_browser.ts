/**
 * Chromium for the frontend suite: Debian's binary driven by
 * playwright-core. Every page is watched: a CSP violation (the `securitypolicyviolation`
 * event or Chromium's console report), an uncaught page error or a dialog is recorded, and
 * `assertClean` fails the test on any of them. `shoot` saves a page at 375 and 1280 px wide
 * under `reports/screenshots/`.
 */
import assert from "node:assert/strict";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export type { Page } from "playwright-core";

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOTS = new URL("../../reports/screenshots/", import.meta.url);
export const WIDTHS = [375, 1280] as const;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    args: LAUNCH_ARGS,
  });
}

/** What went wrong on a page, as readable lines. */
export interface PageProblems {
  csp: string[];
  errors: string[];
  dialogs: string[];
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/** A fresh context (own sessionStorage) and page, with every problem recorded. */
export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    acceptDownloads: true,
  });
  const problems: PageProblems = { csp: [], errors: [], dialogs: [] };
  // Runs through the DevTools protocol, before any page script and outside the page's CSP.
  await context.exposeFunction("__zapaCspViolation", (text: string) => problems.csp.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (globalThis as unknown as { __zapaCspViolation(t: string): void })
        .__zapaCspViolation;
      report(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|apply|load)/i.test(message.text())) {
      problems.csp.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.errors.push(`${error.name}: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  return { context, page, problems };
}

/** Fails when the page reported a CSP violation, an uncaught error or opened a dialog. */
export function assertClean(problems: PageProblems, where = "the page"): void {
  assert.deepEqual(problems.csp, [], `CSP violations on ${where}`);
  assert.deepEqual(problems.errors, [], `uncaught errors on ${where}`);
  assert.deepEqual(problems.dialogs, [], `dialogs opened on ${where}`);
}

/**
 * Saves `<name>-375.png` and `<name>-1280.png` (full page), then restores 1280 px. `ready`
 * is awaited after each resize, so the shot shows settled content.
 */
export async function shoot(
  page: Page,
  name: string,
  ready: () => Promise<unknown> = () => Promise.resolve(),
): Promise<string[]> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const paths: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 812 : 800 });
    await ready();
    const path = new URL(`${name}-${width}.png`, SCREENSHOTS).pathname;
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return paths;
}

/** Random lowercase letters: a word no other test will ever send. */
export function uniqueWord(prefix: string): string {
  const letters = crypto.getRandomValues(new Uint8Array(8));
  return prefix + Array.from(letters, (b) => String.fromCharCode(97 + (b % 26))).join("");
}
