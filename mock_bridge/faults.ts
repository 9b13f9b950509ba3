/**
 * The faults a test can switch on (R-BRIDGE-11, `/__mock/faults`), and the validated merge
 * of a patch into the current set. Unknown keys and wrong types are refused, so a typo in
 * a test fails loudly instead of silently testing nothing.
 */
import { digitsOf } from "./validate.ts";

export interface Faults {
  /** The API port is really closed (connection refused); automatic webhooks stop. */
  offline: boolean;
  /** The next N sends fail with `send_status` (503 by default); null = not counting. */
  send_fail_times: number | null;
  /** Status of failed sends; alone (send_fail_times null) it fails every send. */
  send_status: number | null;
  /**
   * Only sends to this number (any form: +digits, digits or JID) fail and count; null = every
   * send. Lets one test break its own deliveries while others share the bridge.
   */
  send_fail_to: string | null;
  /** Delay added to every API-port response except `/__mock/*` and the simulator. */
  latency_ms: number;
  /** Every webhook is delivered twice. */
  duplicate_webhooks: boolean;
  /** The default session is disconnected: sends get 400 "Session not connected". */
  disconnect_session: boolean;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  offline: false,
  send_fail_times: null,
  send_status: null,
  send_fail_to: null,
  latency_ms: 0,
  duplicate_webhooks: false,
  disconnect_session: false,
});

type Merge = { ok: true; value: Faults } | { ok: false; error: string };

const MAX_LATENCY_MS = 120_000;

export function mergeFaults(current: Faults, patch: unknown): Merge {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return { ok: false, error: "Body must be a JSON object of faults" };
  }
  const next: Faults = { ...current };
  const p = patch as Record<string, unknown>;
  for (const [key, v] of Object.entries(p)) {
    switch (key) {
      case "offline":
      case "duplicate_webhooks":
      case "disconnect_session":
        if (typeof v !== "boolean") return { ok: false, error: `${key} must be a boolean` };
        next[key] = v;
        break;
      case "send_fail_times":
        if (v !== null && !(Number.isInteger(v) && (v as number) >= 0)) {
          return { ok: false, error: "send_fail_times must be a non-negative integer or null" };
        }
        next.send_fail_times = v as number | null;
        break;
      case "send_status":
        if (v !== null && !(Number.isInteger(v) && (v as number) >= 400 && (v as number) <= 599)) {
          return { ok: false, error: "send_status must be an HTTP status 400-599 or null" };
        }
        next.send_status = v as number | null;
        break;
      case "send_fail_to":
        if (v !== null && !(typeof v === "string" && /^\+?\d{6,20}(@[\w.]+)?$/.test(v))) {
          return { ok: false, error: "send_fail_to must be a phone number, a JID or null" };
        }
        next.send_fail_to = v === null ? null : digitsOf(v as string);
        break;
      case "latency_ms":
        if (
          v !== null &&
          !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_LATENCY_MS)
        ) {
          return { ok: false, error: `latency_ms must be an integer 0-${MAX_LATENCY_MS} or null` };
        }
        next.latency_ms = (v as number | null) ?? 0;
        break;
      default:
        return { ok: false, error: `Unknown fault: ${key.slice(0, 50)}` };
    }
  }
  // A new send_status after an exhausted countdown means "fail everything", not "fail 0 more".
  if ("send_status" in p && !("send_fail_times" in p) && next.send_fail_times === 0) {
    next.send_fail_times = null;
  }
  return { ok: true, value: next };
}
