/**
 * Client of the service-control API (R-HARNESS-2): what failure tests use to stop, kill,
 * start and restart a service of the stack over loopback HTTP.
 */

export type ControlledService =
  | "postgres"
  | "redis"
  | "bridge"
  | "llm"
  | "private"
  | "public"
  /** One instance of a replicated entrypoint (R-REPLICA-4); `private` alone means all. */
  | `private#${number}`
  | `public#${number}`
  | "proxy";

export interface ServiceStatus {
  name: ControlledService;
  state: "running" | "stopped";
  pid: number | null;
  port: number;
}

export class ControlError extends Error {
  override name = "ControlError";
  constructor(message: string, readonly status: number, readonly body: string) {
    super(message);
  }
}

export class ServiceControl {
  constructor(readonly url: string, readonly token: string) {}

  async #call(method: string, path: string, timeoutMs = 60_000): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      const body = await response.text();
      let detail = body;
      try {
        detail = JSON.parse(body).detail ?? body;
      } catch {
        // plain text
      }
      throw new ControlError(
        `${method} ${path} → ${response.status}: ${detail}`,
        response.status,
        body,
      );
    }
    return response;
  }

  async #action(name: ControlledService, action: string): Promise<ServiceStatus["state"]> {
    const response = await this.#call("POST", `/services/${encodeURIComponent(name)}/${action}`);
    return ((await response.json()) as { state: ServiceStatus["state"] }).state;
  }

  async services(): Promise<ServiceStatus[]> {
    const response = await this.#call("GET", "/services");
    return ((await response.json()) as { services: ServiceStatus[] }).services;
  }

  /** Graceful stop; resolves once the port is closed. */
  stop(name: ControlledService) {
    return this.#action(name, "stop");
  }
  /** SIGKILL at once. */
  kill(name: ControlledService) {
    return this.#action(name, "kill");
  }
  /** Start on the same port; resolves once healthy (ControlError 504 with the log tail otherwise). */
  start(name: ControlledService) {
    return this.#action(name, "start");
  }
  restart(name: ControlledService) {
    return this.#action(name, "restart");
  }

  async logs(name: ControlledService, lines = 100): Promise<string> {
    const response = await this.#call(
      "GET",
      `/services/${encodeURIComponent(name)}/logs?lines=${lines}`,
      10_000,
    );
    return await response.text();
  }

  /** Asks the harness that owns the stack to tear it down. */
  async shutdown(): Promise<void> {
    await (await this.#call("POST", "/shutdown", 10_000)).body?.cancel();
  }
}
