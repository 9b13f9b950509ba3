/**
 * The replica topology of compose.test.yaml (profile `replicas`): a second private instance
 * and HAProxy in front of both, with the same configuration generator as the native stack, so
 * `compose/haproxy.cfg` cannot drift from it (compose_test.ts compares them).
 */

import { haproxyConfig, type ProxiedEntrypoint } from "./haproxy.ts";

export const COMPOSE_PROXY_CONFIG = "compose/haproxy.cfg";
export const COMPOSE_REPLICAS_PROFILE = "replicas";

/** Compose services of the replica topology, by service-control name. */
export const COMPOSE_INSTANCES: Record<string, string> = {
  "private#1": "zapa-private",
  "private#2": "zapa-private-2",
  proxy: "zapa-proxy",
};

/** The proxy inside the compose network: both private instances on their container port. */
export const COMPOSE_PROXIED: ProxiedEntrypoint = {
  name: "private",
  port: 8001,
  bind: "*",
  instances: [
    { name: "private#1", host: "zapa-private", port: 8001 },
    { name: "private#2", host: "zapa-private-2", port: 8001 },
  ],
  replayable: ["/api/v1/webhooks/"],
};

export function composeProxyConfig(): string {
  return haproxyConfig([COMPOSE_PROXIED]) + "\n";
}

/**
 * Variables of the replica topology: with `replicated`, the profile is on and the bridge posts
 * to the proxy; without, the same variables keep the single-instance wiring.
 */
export function composeReplicaEnv(
  replicated: boolean,
  ports: { proxy: number; second: number },
): Record<string, string> {
  return {
    ...(replicated ? { COMPOSE_PROFILES: COMPOSE_REPLICAS_PROFILE } : {}),
    ZAPA_TEST_WEBHOOK_HOST: replicated ? "zapa-proxy" : "zapa-private",
    ZAPA_TEST_DRAIN_MS: replicated ? "1000" : "0",
    ZAPA_PROXY_PORT: String(ports.proxy),
    ZAPA_PRIVATE_2_PORT: String(ports.second),
  };
}
