/** Signs in to the admin console in a browser page, as the frontend suites need it. */
import type { Page } from "playwright-core";
import { target } from "../../lib/fixtures.ts";

/** Opens the console on `view`, signs in with the target's admin credentials, waits for it. */
export async function signInAsAdmin(page: Page, view = "dashboard"): Promise<void> {
  await page.goto(`${target.urls.private}/admin#${view}`);
  await page.locator("#login-form").waitFor();
  await page.fill("#username", target.admin.username);
  await page.fill("#password", target.admin.password);
  await page.click("#sign-in");
  await page.locator(`#view-${view}`).waitFor();
}
