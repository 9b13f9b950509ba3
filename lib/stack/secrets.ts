/** Random per-run secrets for the test profile: nothing secret is ever fixed in the repository. */

import type { StackSecrets } from "./services.ts";

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** URL-safe random text carrying `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return btoa(String.fromCharCode(...randomBytes(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Fresh secrets: JWT secrets ≥ 32 bytes and different, an AES-256 key as base64 of 32 bytes. */
export function generateSecrets(): StackSecrets {
  return {
    bridge_api_key: `mock-bridge-${randomToken(18)}`,
    webhook_secret: randomToken(24),
    jwt: randomToken(48),
    admin_jwt: randomToken(48),
    encryption_key: btoa(String.fromCharCode(...randomBytes(32))),
  };
}
