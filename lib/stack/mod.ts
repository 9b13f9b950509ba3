/**
 * The stack harness: boot the whole Zapa system (natively or with compose), publish it in a
 * stack file with a token-protected service-control API, and tear it all down again.
 *
 * ```ts
 * const running = await launch({ ports: "free", stackFile: ".zapa/stacks/x.json", logsDir });
 * try { ... } finally { await running.shutdown(); }
 * ```
 */

export { launch } from "./launch.ts";
export { type LaunchOptions, launchStack, stackInfo } from "./native_launch.ts";
export type { RunningStack } from "./running.ts";
export { NativeStack } from "./native_stack.ts";
export { httpProbe, ServiceStartError, waitHealthy } from "./readiness.ts";
export { spawnLogged, stopProcess } from "./process.ts";
export { type HarnessSettings, pgBin, readSettings } from "./settings.ts";
export type { StackInfo } from "./stack_file.ts";
export type { ServiceController, ServiceState } from "./controller.ts";
export {
  DENO_SERVICE_SPECS,
  type DenoServiceName,
  type DenoServiceSpec,
  FAILURE_REPLICAS,
  failureSpecs,
  SERVICE_NAMES,
  type StackPorts,
  type Wiring,
} from "./services.ts";
export { watchParent } from "./parent_watch.ts";
export { readStackFile } from "./stack_file.ts";
export { controlAnswers } from "./temp_dirs.ts";
export { ControlError, type ControlledService, ServiceControl } from "./control_client.ts";
export { parseProxyStats } from "./haproxy.ts";
export { freePort } from "./ports.ts";
export { missingNeeds, type Need, resolveTarget, type Target } from "./target_core.ts";
