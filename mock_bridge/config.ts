/**
 * Settings of the mock WhatsApp bridge, read once from the environment (R-BRIDGE-*).
 * Nothing else in mock_bridge/ reads `Deno.env`; tests build a config with `bridgeConfig()`.
 */

export interface BridgeConfig {
  /** API port (zapw's `PORT`). */
  port: number;
  /** Port of the test-control listener that stays up while `offline`. */
  controlPort: number;
  /** Interface both listeners bind to. */
  hostname: string;
  /** When set, zapw routes need `Authorization: Bearer <key>` or `X-API-Key`. */
  apiKey: string | undefined;
  webhookUrl: string | undefined;
  enableWebhook: boolean;
  webhookRetryAttempts: number;
  webhookRetryDelayMs: number;
  webhookTimeoutMs: number;
  sessionId: string;
  phoneNumber: string;
  phoneName: string;
  autoConnect: boolean;
  /** Delay before a new session shows its QR code (zapw's mock: 100 ms). */
  qrDelayMs: number;
  /** Lifetime of a QR code (zapw: 60 s). */
  qrTtlMs: number;
  /** Delay from session creation to `connected`; -1 = only by a simulated scan. */
  connectDelayMs: number;
  sentDelayMs: number;
  deliveredDelayMs: number;
  readDelayMs: number;
  /** Each journal keeps the newest N entries. */
  journalLimit: number;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  production: boolean;
  /** Zapa's user dashboard, linked from the simulator ("set up your assistant there"). */
  dashboardUrl: string | undefined;
}

export const DEFAULT_CONFIG: Readonly<BridgeConfig> = Object.freeze({
  port: 3000,
  controlPort: 3099,
  hostname: "0.0.0.0",
  apiKey: undefined,
  webhookUrl: undefined,
  enableWebhook: true,
  webhookRetryAttempts: 3,
  webhookRetryDelayMs: 1000,
  webhookTimeoutMs: 10_000,
  sessionId: "main",
  phoneNumber: "1234567890",
  phoneName: "Test User",
  autoConnect: true,
  qrDelayMs: 100,
  qrTtlMs: 60_000,
  connectDelayMs: 2000,
  sentDelayMs: 50,
  deliveredDelayMs: 300,
  readDelayMs: 1000,
  journalLimit: 10_000,
  maxBodyBytes: 20 * 1024 * 1024,
  production: false,
  dashboardUrl: undefined,
});

/** A full config from defaults plus overrides (for tests and embedding). */
export function bridgeConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return { ...DEFAULT_CONFIG, ...overrides };
}

type EnvGet = (name: string) => string | undefined;

/** Reads the environment variables of R-BRIDGE-*; bad numbers fall back to defaults. */
export function loadConfig(get: EnvGet = (name) => Deno.env.get(name)): BridgeConfig {
  const d = DEFAULT_CONFIG;
  const text = (name: string) => {
    const v = get(name)?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number) => {
    const v = text(name);
    if (v === undefined || !/^-?\d+$/.test(v)) return fallback;
    return Math.max(min, Number(v));
  };
  const bool = (name: string, fallback: boolean) => {
    const v = text(name)?.toLowerCase();
    if (v === undefined) return fallback;
    return !["false", "0", "no", "off"].includes(v);
  };
  return {
    port: int("PORT", d.port, 0),
    controlPort: int("MOCK_CONTROL_PORT", d.controlPort, 0),
    hostname: text("MOCK_HOSTNAME") ?? d.hostname,
    apiKey: text("API_KEY"),
    webhookUrl: text("WEBHOOK_URL"),
    enableWebhook: bool("ENABLE_WEBHOOK", d.enableWebhook),
    webhookRetryAttempts: int("WEBHOOK_RETRY_ATTEMPTS", d.webhookRetryAttempts, 1),
    webhookRetryDelayMs: int("WEBHOOK_RETRY_DELAY", d.webhookRetryDelayMs, 0),
    webhookTimeoutMs: d.webhookTimeoutMs,
    sessionId: text("MOCK_SESSION_ID") ?? d.sessionId,
    phoneNumber: (text("MOCK_PHONE_NUMBER") ?? d.phoneNumber).replace(/\D/g, "") ||
      d.phoneNumber,
    phoneName: d.phoneName,
    autoConnect: bool("MOCK_AUTO_CONNECT", d.autoConnect),
    qrDelayMs: d.qrDelayMs,
    qrTtlMs: d.qrTtlMs,
    connectDelayMs: int("MOCK_CONNECT_DELAY_MS", d.connectDelayMs, -1),
    sentDelayMs: int("MOCK_SENT_DELAY_MS", d.sentDelayMs, -1),
    deliveredDelayMs: int("MOCK_DELIVERED_DELAY_MS", d.deliveredDelayMs, -1),
    readDelayMs: int("MOCK_READ_DELAY_MS", d.readDelayMs, -1),
    journalLimit: int("MOCK_JOURNAL_LIMIT", d.journalLimit, 1),
    maxBodyBytes: d.maxBodyBytes,
    // Either variable saying "production" is enough to hide the development-only routes.
    production: [text("ZAPA_ENV"), text("NODE_ENV")].some((v) => v?.toLowerCase() === "production"),
    // Only an http(s) URL: the simulator puts it in a link.
    dashboardUrl: /^https?:\/\/[^\s"'<>]+$/.test(text("MOCK_DASHBOARD_URL") ?? "")
      ? text("MOCK_DASHBOARD_URL")
      : undefined,
  };
}
