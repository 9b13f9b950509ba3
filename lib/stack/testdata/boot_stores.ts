/**
 * Boots a small stack (PostgreSQL, Redis, one fake Deno service), prints its pids and temp dir
 * as one JSON line, then waits to be killed: the harness test SIGKILLs this process and checks
 * that nothing it started survives.
 */

import { launchStack } from "../mod.ts";
import { fakeSpecs } from "./fake_specs.ts";

const logsDir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "zapa-stack-test." });
const running = await launchStack({
  ports: "free",
  stackFile: null,
  logsDir,
  services: ["postgres", "redis", "llm"],
  specs: fakeSpecs(),
});
const services = await running.stack.list();
console.log(JSON.stringify({
  pids: services.map((s) => s.pid).filter((pid) => pid !== null),
  dir: (running.stack as { dir?: string | null }).dir,
}));
await new Promise(() => {});
