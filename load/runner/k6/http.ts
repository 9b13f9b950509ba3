/**
 * The `k6/http` module for the runner, built on `fetch`: `asyncRequest` and its responses,
 * the request metrics (`http_reqs`, `http_req_duration`, `http_req_failed`, data sent and
 * received), `expectedStatuses` and `setResponseCallback`. k6's synchronous `get`/`post`
 * cannot be offered in a single-threaded runner and say so.
 */

import { contextStore, contextTags, run } from "../state.ts";
import { parseDuration } from "../durations.ts";
import { jsonSelect } from "./json_select.ts";

type Body = string | ArrayBuffer | Record<string, unknown> | null | undefined;

export interface ExpectedStatusesCallback {
  readonly __expected: (status: number) => boolean;
}

export interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  responseType?: "text" | "binary" | "none";
  redirects?: number;
  responseCallback?: ExpectedStatusesCallback | null;
}

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

export interface Response {
  status: number;
  status_text: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  url: string;
  proto: string;
  error: string;
  error_code: number;
  timings: Timings;
  remote_ip: string;
  remote_port: number;
  cookies: Record<string, never[]>;
  request: { method: string; url: string; headers: Record<string, string[]>; body: string };
  json(selector?: string): unknown;
  html(): never;
}

export function expectedStatuses(
  ...param: (number | { min: number; max: number })[]
): ExpectedStatusesCallback {
  return {
    __expected: (status) =>
      param.some((
        p,
      ) => (typeof p === "number" ? p === status : status >= p.min && status <= p.max)),
  };
}

let responseCallback: ExpectedStatusesCallback | null = expectedStatuses({ min: 200, max: 399 });

export function setResponseCallback(cb: ExpectedStatusesCallback | null): void {
  responseCallback = cb;
}

/** k6's canonical header names: `content-type` → `Content-Type`. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function encodeBody(body: Body, headers: Headers): BodyInit | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string" || body instanceof ArrayBuffer) return body;
  // k6 form-encodes a plain object body.
  if (!headers.has("content-type")) {
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  return Object.entries(body)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
}

function errorCode(err: unknown): [number, string] {
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof DOMException && err.name === "TimeoutError") return [1050, "request timeout"];
  if (/refused/i.test(msg)) return [1212, msg];
  if (/reset/i.test(msg)) return [1220, msg];
  if (/abort/i.test(msg)) return [1000, "request aborted"];
  return [1000, msg];
}

const DEFAULT_TIMEOUT_MS = 60_000;

export async function asyncRequest(
  method: string,
  url: string | { url: string; name: string },
  body?: Body,
  params?: Params | null,
): Promise<Response> {
  const target = typeof url === "string" ? url : url.url;
  const nameTag = typeof url === "string" ? target : url.name;
  const verb = method.toUpperCase();
  const headers = new Headers(params?.headers ?? {});
  const payload = encodeBody(body, headers);
  const ctx = contextStore.getStore();
  const timeoutMs = parseDuration(params?.timeout, DEFAULT_TIMEOUT_MS);
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (ctx) signals.push(ctx.vu.controller.signal);
  const sentBytes = verb.length + target.length + 12 +
    [...headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0) +
    (typeof payload === "string"
      ? new TextEncoder().encode(payload).length
      : payload instanceof ArrayBuffer
      ? payload.byteLength
      : 0);

  const started = performance.now();
  let status = 0;
  let statusText = "";
  let resBody: string | ArrayBuffer | null = null;
  let resHeaders: Record<string, string> = {};
  let finalUrl = target;
  let error = "";
  let code = 0;
  let headersAt = started;
  let receivedBytes = 0;
  try {
    const res = await fetch(target, {
      method: verb,
      headers,
      body: payload,
      signal: AbortSignal.any(signals),
      redirect: params?.redirects === 0 ? "manual" : "follow",
    });
    headersAt = performance.now();
    status = res.status;
    statusText = `${res.status} ${res.statusText}`.trim();
    finalUrl = res.url || target;
    for (const [k, v] of res.headers) {
      resHeaders[canonical(k)] = v;
      receivedBytes += k.length + v.length + 4;
    }
    const buf = await res.arrayBuffer();
    receivedBytes += buf.byteLength + 17;
    if (params?.responseType === "binary") resBody = buf;
    else if (params?.responseType !== "none") resBody = new TextDecoder().decode(buf);
  } catch (err) {
    [code, error] = errorCode(err);
    resHeaders = {};
  }
  const ended = performance.now();
  const duration = ended - started;
  const waiting = headersAt - started;
  const receiving = status ? ended - headersAt : 0;

  const cb = params?.responseCallback !== undefined ? params.responseCallback : responseCallback;
  const expected = cb ? cb.__expected(status) : true;
  const userTags = params?.tags ?? {};
  const tags = {
    ...contextTags(),
    method: verb,
    url: target,
    name: userTags.name ?? nameTag,
    status: String(status),
    expected_response: String(expected),
    ...(code ? { error_code: String(code) } : {}),
    ...userTags,
  };
  const reg = run.registry;
  reg.add("http_reqs", 1, tags);
  reg.add("http_req_duration", duration, tags);
  reg.add("http_req_waiting", waiting, tags);
  reg.add("http_req_receiving", receiving, tags);
  if (cb) reg.add("http_req_failed", expected ? 0 : 1, tags);
  reg.add("data_sent", sentBytes, tags);
  reg.add("data_received", receivedBytes, tags);

  const text = typeof resBody === "string" ? resBody : null;
  let parsed: unknown;
  let parsedOk = false;
  return {
    status,
    status_text: statusText,
    body: resBody,
    headers: resHeaders,
    url: finalUrl,
    proto: status ? "HTTP/1.1" : "",
    error,
    error_code: code,
    timings: {
      blocked: 0,
      connecting: 0,
      tls_handshaking: 0,
      sending: 0,
      waiting,
      receiving,
      duration,
    },
    remote_ip: status ? new URL(target).hostname : "",
    remote_port: status ? Number(new URL(target).port || 80) : 0,
    cookies: {},
    request: {
      method: verb,
      url: target,
      headers: Object.fromEntries([...headers].map(([k, v]) => [canonical(k), [v]])),
      body: typeof payload === "string" ? payload : "",
    },
    json(selector?: string): unknown {
      if (!parsedOk) {
        if (text === null) throw new Error("the body is not text (responseType)");
        parsed = JSON.parse(text);
        parsedOk = true;
      }
      return selector === undefined ? parsed : jsonSelect(parsed, selector);
    },
    html(): never {
      throw new Error("Response.html() is not supported by the Deno runner");
    },
  };
}

/** `http.url` tagged template: requests are grouped under the template as their `name`. */
export function url(
  strings: TemplateStringsArray,
  ...args: unknown[]
): { url: string; name: string } {
  let u = "";
  let name = "";
  strings.forEach((s, i) => {
    u += s;
    name += s;
    if (i < args.length) {
      u += String(args[i]);
      name += "${}";
    }
  });
  return { url: u, name };
}

function unsupported(fn: string): never {
  throw new Error(
    `http.${fn}() is synchronous and is not supported by the Deno runner: use await http.asyncRequest()`,
  );
}

export const get = (): never => unsupported("get");
export const post = (): never => unsupported("post");
export const put = (): never => unsupported("put");
export const patch = (): never => unsupported("patch");
export const del = (): never => unsupported("del");
export const head = (): never => unsupported("head");
export const options = (): never => unsupported("options");
export const request = (): never => unsupported("request");
export const batch = (): never => unsupported("batch");

export default {
  asyncRequest,
  url,
  expectedStatuses,
  setResponseCallback,
  get,
  post,
  put,
  patch,
  del,
  head,
  options,
  request,
  batch,
};
