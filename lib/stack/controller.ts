/**
 * What the service-control API drives: a stack that can list, stop, start, kill and restart
 * its services by name and show their logs. The native stack and the compose driver both
 * implement it, so failure tests work the same against either.
 */

import type { ServiceName } from "./services.ts";

export interface ServiceState {
  /** A service, an instance of a replicated entrypoint (`private#2`) or `proxy`. */
  name: ServiceName | string;
  state: "running" | "stopped";
  pid: number | null;
  port: number;
}

/**
 * Names are services (`private` means every instance of it), instances (`private#2`) or the
 * proxy; an unknown name throws (the control API answers 404 first, through `knows`).
 */
export interface ServiceController {
  list(): Promise<ServiceState[]>;
  /** Whether `name` means anything in this stack (default: one of the six services). */
  knows?(name: string): boolean;
  /** Graceful stop; resolves once the port is closed. */
  stop(name: string): Promise<void>;
  /** SIGKILL at once; resolves once the process is gone. */
  kill(name: string): Promise<void>;
  /** Starts on the same port with the same data; resolves once healthy, else throws ServiceStartError. */
  start(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  logs(name: string, lines: number): Promise<string>;
}
