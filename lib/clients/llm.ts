/**
 * Typed client for the mock LLM's test controls (R-MOCKLLM-*): read the request journal,
 * wait for a test's own calls by key fingerprint (poll with a deadline, no sleeps), set
 * global faults, reset. Point it at `urls.llm` (e.g. `http://127.0.0.1:4000`).
 */
import { eventually } from "../eventually.ts";
import { expectStatus, query, request } from "./http.ts";

/** One provider call in `/__mock/requests`. */
export interface LlmJournalEntry {
  seq: number;
  at: string;
  /** `openai`, `anthropic` or `google` (a `gemini` filter means `google`). */
  provider: "openai" | "anthropic" | "google";
  /** e.g. `/v1/chat/completions`, `/v1/messages`, `/v1/models/gemini-2.0-flash:generateContent`. */
  path: string;
  model: string | null;
  /** First 12 hex characters of SHA-256(key); null when no key was sent. */
  key_fingerprint: string | null;
  stream: boolean;
  message_count: number;
  last_user_message: string | null;
  /** The system prompt, at most 500 characters. */
  system: string | null;
  /** Names of the tools offered. */
  tools: string[];
  /** Our addition to R-MOCKLLM-5: `auto`, `none`, `required` or null (normalised across formats). */
  tool_choice?: string | null;
  tool_result_present: boolean;
  /** HTTP status sent; null while (or because) a `mock-hang` call never got an answer. */
  status: number | null;
  /** Applied faults, e.g. `mock-fail-429-times-2`, `missing-key`, `mock-invalid`; null if none. */
  fault: string | null;
  duration_ms: number | null;
}

export interface LlmRequestsQuery {
  provider?: "openai" | "anthropic" | "google" | "gemini";
  key_fingerprint?: string;
  /** Only entries with a seq above this. */
  since?: number;
  /** At most this many (default 100): the first after `since`, else the newest. */
  limit?: number;
}

/** Global faults (`/__mock/faults`); key directives take precedence over them. */
export interface LlmFaults {
  /** Only calls to this provider (`openai`, `anthropic`, `google`/`gemini`). */
  provider?: string;
  /** Only calls for this model. */
  model?: string;
  /** Fail with this HTTP status (400–599). */
  status?: number;
  /** Only the first `times` matching calls fail (counted from this POST). */
  times?: number;
  latency_ms?: number;
  hang?: boolean;
  cut_after?: number;
  bad_json?: boolean;
}

export interface WaitForRequestsOptions {
  /** The fingerprint of the key under test (see {@linkcode keyFingerprint}). */
  key_fingerprint: string;
  /** How many calls to wait for (at least). */
  count: number;
  timeoutMs?: number;
  provider?: LlmRequestsQuery["provider"];
  /** Only calls with a seq above this. */
  since?: number;
}

/** First 12 hex characters of SHA-256(key): the same fingerprint the mock journals. */
export async function keyFingerprint(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest).slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

export class LlmMockClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async #call<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const r = await request<T>(method, `${this.baseUrl}${path}`, { body });
    return expectStatus(r, 200, `mock llm ${what}`).json;
  }

  /** Journal entries in seq order. */
  async requests(q: LlmRequestsQuery = {}): Promise<LlmJournalEntry[]> {
    const page = await this.#call<{ items: LlmJournalEntry[] }>(
      "GET",
      `/__mock/requests${query({ ...q })}`,
      "requests",
    );
    return page.items;
  }

  /** The newest journal seq: pass it as `since` to see only calls made after this point. */
  async lastSeq(): Promise<number> {
    const page = await this.#call<{ now: number }>("GET", "/__mock/requests?limit=0", "requests");
    return page.now;
  }

  /** Polls the journal until at least `count` calls with this fingerprint are there. */
  async waitForRequests(options: WaitForRequestsOptions): Promise<LlmJournalEntry[]> {
    const { key_fingerprint, count, provider, since } = options;
    let seen: LlmJournalEntry[] = [];
    return await eventually(async () => {
      seen = await this.requests({ key_fingerprint, provider, since, limit: 10_000 });
      return seen.length >= count ? seen : false;
    }, {
      timeoutMs: options.timeoutMs ?? 10_000,
      message: `${count} mock LLM call(s) with key fingerprint ${key_fingerprint}` +
        (provider ? ` to ${provider}` : ""),
      onTimeout: () =>
        `saw ${seen.length}: ${
          JSON.stringify(
            seen.map((e) => ({ seq: e.seq, path: e.path, status: e.status, fault: e.fault })),
          )
        }`,
    });
  }

  /**
   * Without an argument, reads the global faults. With one, replaces them (an empty object
   * clears them) and returns what is now set.
   */
  faults(set?: LlmFaults): Promise<LlmFaults> {
    return set === undefined
      ? this.#call("GET", "/__mock/faults", "faults")
      : this.#call("POST", "/__mock/faults", "set faults", set);
  }

  /** Clears global faults, per-key `-times-N` counters and the journal. */
  async reset(): Promise<void> {
    await this.#call("POST", "/__mock/reset", "reset");
  }

  /** True when `/health` answers 200. */
  async healthy(): Promise<boolean> {
    try {
      return (await request("GET", `${this.baseUrl}/health`, { timeoutMs: 2_000 })).status === 200;
    } catch {
      return false;
    }
  }
}
