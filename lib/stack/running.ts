/** What every launcher (native, compose) hands back: the stack's description and its control. */
import type { ServiceController } from "./controller.ts";
import type { StackInfo } from "./stack_file.ts";

export interface RunningStack {
  info: StackInfo;
  stack: ServiceController;
  /** Stops everything, removes the temp dir and the stack file. Safe to call twice. */
  shutdown(): Promise<void>;
}
