/**
 * Replicas of the Zapa entrypoints (R-REPLICA-1): how many instances of each run, what each
 * instance is called (`private#1`, `private#2`, …) and which instances a service-control name
 * means (`private` alone means all of them).
 */

export const REPLICATED = ["private", "public"] as const;
export type ReplicatedService = typeof REPLICATED[number];

/** Instances per entrypoint; 1 keeps the single-process wiring of earlier versions. */
export type ReplicaCounts = Record<ReplicatedService, number>;

export const SINGLE: ReplicaCounts = { private: 1, public: 1 };

/** The variable that sets each count. */
export const REPLICA_VARIABLES: Record<ReplicatedService, string> = {
  private: "ZAPA_PRIVATE_REPLICAS",
  public: "ZAPA_PUBLIC_REPLICAS",
};

/** Reads ZAPA_PRIVATE_REPLICAS / ZAPA_PUBLIC_REPLICAS (default 1, at most 8). */
export function readReplicaCounts(
  env: { get(name: string): string | undefined },
): ReplicaCounts {
  const counts = { ...SINGLE };
  for (const service of REPLICATED) {
    const variable = REPLICA_VARIABLES[service];
    const raw = env.get(variable);
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 8) {
      throw new Error(`${variable}=${raw}: expected a whole number from 1 to 8`);
    }
    counts[service] = n;
  }
  return counts;
}

/** True when some entrypoint runs more than once, i.e. the stack needs the proxy. */
export function needsProxy(counts: ReplicaCounts): boolean {
  return REPLICATED.some((service) => counts[service] > 1);
}

/**
 * The instance names of one entrypoint: the plain name for a single instance (so a stack
 * without replicas looks exactly as before), `private#1` … `private#N` otherwise.
 */
export function instanceNames(service: ReplicatedService, count: number): string[] {
  if (count <= 1) return [service];
  return Array.from({ length: count }, (_, i) => `${service}#${i + 1}`);
}

/** The log file stem of an instance: `private#2` → `private-2` (no `#` in file names). */
export function logStem(instance: string): string {
  return instance.replace("#", "-");
}

/**
 * Which of `known` instance names a service-control name addresses: itself, or for an
 * entrypoint name every `name#i`; `private#1` also names a lone `private`. Empty: unknown.
 */
export function resolveInstances(name: string, known: readonly string[]): string[] {
  if (known.includes(name)) return [name];
  const all = known.filter((k) => k.startsWith(`${name}#`));
  if (all.length > 0) return all;
  const match = /^(private|public)#1$/.exec(name);
  if (match && known.includes(match[1]!)) return [match[1]!];
  return [];
}

/** One instance of a replicated entrypoint and the port it listens on. */
export interface Instance {
  name: string;
  port: number;
}

/**
 * The instances of each entrypoint: a single one keeps the entrypoint's own port; with
 * replicas, the proxy takes that port and every instance gets a free one of its own.
 */
export function layoutInstances(
  counts: ReplicaCounts,
  ports: Record<ReplicatedService, number>,
  freePort: () => number,
): Record<ReplicatedService, Instance[]> {
  const used = new Set<number>(Object.values(ports));
  const pick = () => {
    let port: number;
    do port = freePort(); while (used.has(port));
    used.add(port);
    return port;
  };
  const layout = {} as Record<ReplicatedService, Instance[]>;
  for (const service of REPLICATED) {
    layout[service] = counts[service] <= 1
      ? [{ name: service, port: ports[service] }]
      : instanceNames(service, counts[service]).map((name) => ({ name, port: pick() }));
  }
  return layout;
}
