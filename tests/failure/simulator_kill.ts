/**
 * By hand, issue 16's acceptance on the user's path: while a person chats in the phone
 * simulator (the mock bridge's page, driven in Chromium), `private#2` is killed (-9) through
 * the service-control API and started again; every message they typed is answered once.
 * Not a test of the failure group: that group runs without the browser's permissions and on
 * a stack of its own. Run it against `ZAPA_PRIVATE_REPLICAS=2 ./run up`:
 *
 *   deno run -A tests/failure/simulator_kill.ts [--messages=60] [--per-second=5]
 *
 * It prints one line per phase and a verdict, and exits 1 on any lost, failed or repeated
 * message.
 */
import { parseArgs } from "node:util";
import { bridgeControl, configureLlm, createUser, target } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { type ControlledService, parseProxyStats } from "../../lib/stack/mod.ts";
import { launchBrowser, openPage } from "../frontend/_browser.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { messages: { type: "string" }, "per-second": { type: "string" } },
});
const MESSAGES = Number(values.messages ?? 60);
const PER_SECOND = Number(values["per-second"] ?? 5);
/** Killed once this many replies show on the page; started again at twice as many. */
const KILL_AFTER = Math.round(MESSAGES / 4);
const VICTIM = "private#2" as ControlledService;

const control = target.control;
if (!control || (target.instances?.private?.length ?? 0) < 2) {
  console.error("needs a stack with service control and 2 private instances:");
  console.error("  ZAPA_PRIVATE_REPLICAS=2 ./run up");
  Deno.exit(2);
}
/** Webhooks the proxy passed to each private instance, and its retries, so far. */
async function proxyCounts(): Promise<Record<string, number>> {
  const csv = await (await fetch(target.proxy!.stats.private!)).text();
  return Object.fromEntries(
    parseProxyStats(csv).filter((r) => r.backend === "private_replay")
      .map((
        r,
      ) => [
        r.server === "BACKEND" ? "retries" : r.server,
        r.server === "BACKEND" ? r.retries : r.sessions,
      ]),
  );
}

const t0 = performance.now();
const at = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

const user = await createUser();
await configureLlm(user);
const since = await bridgeControl.lastSeq();
const proxyBefore = await proxyCounts();
console.log(`${at()}: ${user.phone} signed in, LLM configured`);

const browser = await launchBrowser();
const { page, context, problems } = await openPage(browser, { width: 420, height: 900 });
const reply = (text: string) => `You said: "${text}"`;
const repliesOnPage = () => page.locator(".bubble.theirs .text").allTextContents();
const answered = async (texts: string[]) => {
  const shown = new Set(await repliesOnPage());
  return texts.filter((t) => shown.has(reply(t))).length;
};
try {
  await page.goto(`${target.urls.bridge}/`);
  await page.fill("#phone", user.phone);
  await page.click("#open-chat");
  await page.locator("#chat:not([hidden])").waitFor();

  const texts: string[] = [];
  let killedAt = "";
  let startedAt = "";
  const fault = (async () => {
    // Mid-conversation: once a quarter of the replies are on the screen.
    await eventually(async () => (await answered(texts)) >= KILL_AFTER, {
      timeoutMs: 60_000,
      intervalMs: 250,
      message: `${KILL_AFTER} replies on the page`,
    });
    await control.kill(VICTIM);
    killedAt = at();
    console.log(`${killedAt}: killed ${VICTIM} (-9) with ${texts.length} messages typed`);
    await eventually(async () => (await answered(texts)) >= 2 * KILL_AFTER, {
      timeoutMs: 60_000,
      intervalMs: 250,
      message: `${2 * KILL_AFTER} replies on the page`,
    });
    await control.start(VICTIM);
    startedAt = at();
    console.log(`${startedAt}: started ${VICTIM} again with ${texts.length} messages typed`);
  })();
  // The person types at a steady pace, as fast as a brisk chat; the pace is the scenario.
  for (let i = 1; i <= MESSAGES; i++) {
    const text = `simulator kill ${Date.now().toString(36)} #${i}`;
    await page.fill("#text", text);
    await page.click("#send");
    texts.push(text);
    await new Promise((r) => setTimeout(r, 1000 / PER_SECOND));
  }
  console.log(`${at()}: typed ${texts.length} messages`);
  await fault;
  await eventually(async () => (await answered(texts)) === texts.length, {
    timeoutMs: 90_000,
    intervalMs: 250,
    message: "a reply on the page for every message typed",
  }).catch(() => {}); // counted below
  // The bridge's own journal of sends, to catch a repeat the page might fold.
  const journal = (await bridgeControl.sent({ to: user.phone, since })).items
    .map((i) => i.text ?? "");
  const onPage = await repliesOnPage();
  const failedTicks = await page.locator(".bubble.mine[data-status='failed']").count();
  const missing = texts.filter((t) => !onPage.includes(reply(t)));
  const repeated = texts.filter((t) => journal.filter((j) => j === reply(t)).length > 1);
  const proxyAfter = await proxyCounts();
  const throughProxy = Object.fromEntries(
    Object.entries(proxyAfter).map(([k, n]) => [k, n - (proxyBefore[k] ?? 0)]),
  );
  const verdict = {
    messages_typed: texts.length,
    replies_on_page: texts.length - missing.length,
    failed_ticks: failedTicks,
    lost: missing.length,
    repeated_replies: repeated.length,
    killed_at: killedAt,
    started_at: startedAt,
    webhooks_through_proxy: throughProxy,
    page_problems: problems.errors.length + problems.csp.length + problems.dialogs.length,
  };
  console.log(`${at()}: verdict ${JSON.stringify(verdict)}`);
  if (missing.length) console.log(`missing: ${missing.slice(0, 10).join(" | ")}`);
  if (repeated.length) console.log(`repeated: ${repeated.slice(0, 10).join(" | ")}`);
  await Deno.mkdir("reports/failure", { recursive: true });
  await page.screenshot({ path: "reports/failure/simulator_kill.png", fullPage: false });
  await Deno.writeTextFile(
    "reports/failure/simulator_kill.json",
    JSON.stringify({ drill: "simulator_kill", at: new Date().toISOString(), ...verdict }, null, 2) +
      "\n",
  );
  if (missing.length || repeated.length || failedTicks) Deno.exitCode = 1;
} finally {
  await context.close();
  await browser.close();
}
