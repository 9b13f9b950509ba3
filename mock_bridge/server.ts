/**
 * Starts the mock bridge's two listeners. The `offline` fault really closes the API
 * listener (`shutdown()`: new connections are refused at once) and `Deno.serve`s again
 * on the same port when it is lifted; the control listener stays up throughout.
 */
import { createApiApp, createControlApp } from "./app.ts";
import type { BridgeConfig } from "./config.ts";
import { log } from "./log.ts";
import { BridgeState } from "./state.ts";

export interface RunningBridge {
  state: BridgeState;
  /** Actual ports (useful when the config asked for port 0). */
  apiPort: number;
  controlPort: number;
  apiUrl: string;
  controlUrl: string;
  close(): Promise<void>;
}

/** Longest an `offline` waits for the closed port to refuse connections. */
const CLOSE_WAIT_MS = 2000;

/** Resolves once a TCP connect to the port is refused (or after CLOSE_WAIT_MS). */
async function untilRefused(hostname: string, port: number): Promise<void> {
  const deadline = Date.now() + CLOSE_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname, port });
      conn.close();
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionRefused) return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function startBridge(
  config: BridgeConfig,
  options: { announce?: boolean } = {},
): RunningBridge {
  const state = new BridgeState(config);
  const apiApp = createApiApp(state);
  const controlApp = createControlApp(state);
  const hostname = config.hostname;
  const quiet = { onListen() {} };

  const control = Deno.serve({ hostname, port: config.controlPort, ...quiet }, controlApp.fetch);
  state.controlPort = control.addr.port;
  let api: Deno.HttpServer<Deno.NetAddr> | undefined = Deno.serve(
    { hostname, port: config.port, ...quiet },
    apiApp.fetch,
  );
  const apiPort = api.addr.port;
  let draining: Promise<void> | undefined;
  const local = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;

  state.onOffline = async (offline) => {
    if (offline && api) {
      const closing = api;
      api = undefined;
      // shutdown() closes the listener now and resolves once in-flight requests finish; that
      // may include the very request asking to go offline, so wait for the refusal instead.
      draining = closing.shutdown();
      await untilRefused(local, apiPort);
      log("info", "api port closed (offline)", { port: apiPort });
    } else if (!offline && !api) {
      api = Deno.serve({ hostname, port: apiPort, ...quiet }, apiApp.fetch);
      log("info", "api port reopened (online)", { port: apiPort });
    }
  };

  const running: RunningBridge = {
    state,
    apiPort,
    controlPort: control.addr.port,
    apiUrl: `http://${local}:${apiPort}`,
    controlUrl: `http://${local}:${control.addr.port}`,
    async close() {
      state.close();
      await Promise.all([api?.shutdown(), control.shutdown(), draining]);
      api = undefined;
    },
  };
  log("info", "mock bridge listening", {
    api_port: running.apiPort,
    control_port: running.controlPort,
    session_id: config.sessionId,
    webhooks: state.webhooksEnabled,
    auth: config.apiKey ? "api_key" : "none",
  });
  if (options.announce ?? true) state.announce();
  return running;
}
