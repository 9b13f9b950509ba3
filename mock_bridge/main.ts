/**
 * Entry point of the mock WhatsApp bridge (zapw-compatible double, R-BRIDGE-*):
 * `deno task bridge`. Reads the environment once and stops cleanly on SIGINT/SIGTERM.
 */
import { loadConfig } from "./config.ts";
import { log } from "./log.ts";
import { startBridge } from "./server.ts";

if (import.meta.main) {
  const bridge = startBridge(loadConfig());
  const stop = async (signal: string) => {
    log("info", "stopping", { signal });
    await Promise.race([bridge.close(), new Promise((r) => setTimeout(r, 3000))]);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
}
