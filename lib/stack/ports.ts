/**
 * Port selection: standard ports for `deno task up` (each movable by a variable), free ports
 * for the test command, and a clear error when a wanted port is already taken.
 */

import { PORT_SETTINGS, type PortName, type StackPorts } from "./services.ts";

export class PortTakenError extends Error {
  override name = "PortTakenError";
}

/** Every port freePort handed out in this process: two stacks booting at once never share one. */
const handedOut = new Set<number>();

/**
 * A port the kernel considers free right now on 127.0.0.1, and that this process has not
 * handed out before (the kernel may offer a port again once its listener is closed, before
 * the service it was chosen for has bound it).
 */
export function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** True when nothing can bind `port` on 127.0.0.1 (someone listens there). */
export function portTaken(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return true;
    throw error;
  }
}

/** Resolves when nothing accepts connections on `port` any more. */
export async function portClosed(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch {
    return true;
  }
}

export interface PortPlan {
  /** "standard": the documented ports (overridable by variables); "free": all free ports. */
  mode: "standard" | "free";
  /** Variables such as ZAPA_PUBLIC_PORT (already read from the environment). */
  overrides?: Partial<Record<string, string | undefined>>;
}

/** Chooses every port of a stack; throws PortTakenError naming the port and its variable. */
export function choosePorts(plan: PortPlan): StackPorts {
  const ports = {} as StackPorts;
  const taken: string[] = [];
  const used = new Set<number>();
  for (
    const [name, setting] of Object.entries(PORT_SETTINGS) as [
      PortName,
      typeof PORT_SETTINGS[PortName],
    ][]
  ) {
    const raw = plan.overrides?.[setting.variable];
    let port = plan.mode === "standard" ? setting.standard : 0;
    if (raw !== undefined && raw !== "") {
      port = Number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new PortTakenError(`${setting.variable}=${raw} is not a port number`);
      }
    }
    if (port === 0) {
      do port = freePort(); while (used.has(port));
    } else if (portTaken(port)) {
      taken.push(
        `port ${port} (${name}) is already in use; stop what listens there or set ${setting.variable}` +
          ` to another port, e.g. ${setting.variable}=${port + 10000}`,
      );
    }
    used.add(port);
    ports[name] = port;
  }
  if (taken.length > 0) throw new PortTakenError(taken.join("\n"));
  return ports;
}
