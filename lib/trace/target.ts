/** Turns the suites' target (stack file or ZAPA_* variables) into what the collector reads. */
import type { ControlledService, Target } from "../stack/mod.ts";
import type { TraceTarget } from "./types.ts";

export function traceTargetOf(target: Target): TraceTarget {
  const control = target.control;
  return {
    bridgeControl: target.urls.bridge_control,
    llm: target.urls.llm,
    private: target.urls.private,
    admin: target.admin,
    logs: control ? (service, lines) => control.logs(service as ControlledService, lines) : null,
  };
}
