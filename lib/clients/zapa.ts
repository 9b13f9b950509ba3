/**
 * Typed clients for Zapa's two entrypoints, as the suites use them: the public API (code
 * login, messages, AI settings) and the private API (webhook, admin). Thin on purpose: each
 * method is one documented route of the contract and returns the full `HttpResult`, so a
 * test can assert status, headers and raw body as well as the parsed JSON.
 */
import { type HttpResult, query, request } from "./http.ts";

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  user_id: number;
  phone_number: string;
}

export interface MessageItem {
  id: number;
  user_id: number;
  direction: "inbound" | "outbound" | "system";
  message_type: string;
  content: string | null;
  caption: string | null;
  status: string | null;
  whatsapp_message_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  timestamp: string;
}

export interface MessageList {
  items: MessageItem[];
  total: number;
  limit: number;
  offset: number;
  has_more: boolean;
}

export interface MessageStats {
  total_messages: number;
  messages_sent: number;
  messages_received: number;
  first_message_date: string | null;
  last_message_date: string | null;
  average_messages_per_day: number;
  daily?: Array<{ day: string; count: number }>;
}

export interface ModelSettings {
  model: string;
  temperature?: number;
  max_tokens?: number;
  custom_instructions?: string;
}

export interface LlmConfigBody {
  provider: "openai" | "anthropic" | "google";
  api_key: string;
  model_settings: ModelSettings;
  fallback?: { provider: string; api_key: string; model_settings: ModelSettings } | null;
}

export interface LlmConfigView {
  id: number;
  provider: string;
  model_settings: ModelSettings;
  key_hint: string;
  is_active: boolean;
  priority: number;
  created_at: string;
  updated_at: string | null;
}

export class PublicClient {
  constructor(readonly baseUrl: string, public token: string | null = null) {}

  withToken(token: string | null): PublicClient {
    return new PublicClient(this.baseUrl, token);
  }

  raw<T = unknown>(method: string, path: string, options: Parameters<typeof request>[2] = {}) {
    return request<T>(method, `${this.baseUrl}${path}`, { token: this.token, ...options });
  }

  requestCode(phone: string, headers?: Record<string, string>) {
    return this.raw<{ success: boolean; message: string; phone_number: string }>(
      "POST",
      "/api/v1/auth/request-code",
      { body: { phone_number: phone }, headers },
    );
  }

  verify(phone: string, code: string) {
    return this.raw<TokenResponse>("POST", "/api/v1/auth/verify", {
      body: { phone_number: phone, code },
    });
  }

  logout() {
    return this.raw<{ success: boolean }>("POST", "/api/v1/auth/logout");
  }

  me() {
    return this.raw<Record<string, unknown>>("GET", "/api/v1/auth/me");
  }

  messages(params: Record<string, string | number | undefined> = {}) {
    return this.raw<MessageList>("GET", `/api/v1/messages${query(params)}`);
  }

  search(q: string, params: Record<string, string | number | undefined> = {}) {
    return this.raw<{ items: MessageItem[]; total: number; query: string }>(
      "GET",
      `/api/v1/messages/search${query({ q, ...params })}`,
    );
  }

  stats() {
    return this.raw<MessageStats>("GET", "/api/v1/messages/stats");
  }

  exportMessages(format: "json" | "csv") {
    return this.raw("GET", `/api/v1/messages/export${query({ format })}`);
  }

  llmConfig() {
    return this.raw<{ primary: LlmConfigView | null; fallback: LlmConfigView | null }>(
      "GET",
      "/api/v1/llm-config",
    );
  }

  saveLlmConfig(body: LlmConfigBody) {
    return this.raw<{ primary: LlmConfigView | null; fallback: LlmConfigView | null }>(
      "POST",
      "/api/v1/llm-config",
      { body },
    );
  }

  testLlmConfig(body?: Partial<LlmConfigBody>, target?: "fallback") {
    return this.raw<{
      success: boolean;
      message: string;
      response_time_ms: number;
      provider: string;
      model: string;
    }>("POST", `/api/v1/llm-config/test${query({ target })}`, { body: body ?? {} });
  }

  deleteLlmConfig() {
    return this.raw<{ success: boolean; message: string }>("DELETE", "/api/v1/llm-config");
  }
}

export class PrivateClient {
  constructor(readonly baseUrl: string, public token: string | null = null) {}

  withToken(token: string | null): PrivateClient {
    return new PrivateClient(this.baseUrl, token);
  }

  raw<T = unknown>(method: string, path: string, options: Parameters<typeof request>[2] = {}) {
    return request<T>(method, `${this.baseUrl}${path}`, { token: this.token, ...options });
  }

  /** Signs in as admin and returns a client that carries the token. */
  async asAdmin(username: string, password: string): Promise<PrivateClient> {
    const result = await this.raw<{ access_token: string }>("POST", "/api/v1/auth/login", {
      body: { username, password },
      token: null,
    });
    if (result.status !== 200) {
      throw new Error(`admin login failed: HTTP ${result.status} ${result.text.slice(0, 300)}`);
    }
    return this.withToken(result.json.access_token);
  }

  /** Posts a webhook exactly as a bridge would (secret in the query string when given). */
  webhook(body: unknown, options: { secret?: string | null; header?: boolean } = {}) {
    const path = options.secret && !options.header
      ? `/api/v1/webhooks/whatsapp${query({ secret: options.secret })}`
      : "/api/v1/webhooks/whatsapp";
    const headers: Record<string, string> = options.secret && options.header
      ? { "X-Webhook-Secret": options.secret }
      : {};
    return this.raw<Record<string, unknown>>("POST", path, { body, headers, token: null });
  }

  ready() {
    return this.raw<
      { status: string; failed?: string[]; checks: Record<string, { status: string }> }
    >("GET", "/ready", { token: null });
  }

  queue() {
    return this.raw<{
      queued: number;
      processing: number;
      failed: number;
      total: number;
      inbound: { queued: number; processing: number; failed: number };
      outbound: { queued: number; processing: number; failed: number };
    }>("GET", "/api/v1/admin/queue");
  }

  users(params: Record<string, string | number | undefined> = {}) {
    return this.raw<{ users: Array<Record<string, unknown>>; total: number }>(
      "GET",
      `/api/v1/admin/users${query(params)}`,
    );
  }

  updateUser(id: number, patch: Record<string, unknown>) {
    return this.raw<Record<string, unknown>>("PATCH", `/api/v1/admin/users/${id}`, {
      body: patch,
    });
  }

  systemHealth() {
    return this.raw<Record<string, unknown>>("GET", "/api/v1/admin/system/health");
  }

  systemStats() {
    return this.raw<Record<string, unknown>>("GET", "/api/v1/admin/system/stats");
  }
}

export type { HttpResult };
