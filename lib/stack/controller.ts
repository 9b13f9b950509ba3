/**
 * What the service-control API drives: a stack that can list, stop, start, kill and restart
 * its services by name and show their logs. The native stack and the compose driver both
 * implement it, so failure tests work the same against either.
 */

import type { ServiceName } from "./services.ts";

export interface ServiceState {
  name: ServiceName;
  state: "running" | "stopped";
  pid: number | null;
  port: number;
}

export interface ServiceController {
  list(): Promise<ServiceState[]>;
  /** Graceful stop; resolves once the port is closed. */
  stop(name: ServiceName): Promise<void>;
  /** SIGKILL at once; resolves once the process is gone. */
  kill(name: ServiceName): Promise<void>;
  /** Starts on the same port with the same data; resolves once healthy, else throws ServiceStartError. */
  start(name: ServiceName): Promise<void>;
  restart(name: ServiceName): Promise<void>;
  logs(name: ServiceName, lines: number): Promise<string>;
}
