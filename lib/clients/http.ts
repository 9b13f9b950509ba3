/**
 * The small HTTP helper every client in `lib/clients/` uses: one call returns status,
 * headers, the raw text (so suites can check raw bytes, e.g. "no `<` in the body") and the
 * parsed JSON when there is some. Never throws on a status code; throws only when the
 * server cannot be reached, with the URL in the message.
 */

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: T;
  ms: number;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body sent as is (for malformed-input tests). */
  rawBody?: BodyInit;
  token?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function request<T = unknown>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  if (options.token) headers["authorization"] = `Bearer ${options.token}`;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new Error(`${method} ${url} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: json as T,
    ms: performance.now() - started,
  };
}

/** Builds a query string from defined values only. */
export function query(
  params: Record<string, string | number | boolean | undefined | null>,
): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) search.set(k, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Throws a readable error unless the status is the expected one. */
export function expectStatus<T>(
  result: HttpResult<T>,
  status: number,
  what: string,
): HttpResult<T> {
  if (result.status !== status) {
    throw new Error(
      `${what}: expected HTTP ${status}, got ${result.status}: ${result.text.slice(0, 500)}`,
    );
  }
  return result;
}
