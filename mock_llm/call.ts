/**
 * One provider call through the mock, whatever the wire format: auth, validation, fault
 * directives, journal, the brain, and the JSON or SSE response (possibly delayed, hung,
 * cut or corrupted on purpose).
 *
 * Order of checks: missing/invalid key → 401; malformed or invalid body → 400; then faults
 * (latency, hang, failure status, bad JSON, cut); then the brain's answer.
 */
import { think } from "./brain.ts";
import type { FaultBook } from "./faults.ts";
import type { Journal } from "./journal.ts";
import type { KeyCache, KeyInfo } from "./keys.ts";
import { BadRequest, newId, type NormalisedRequest, type Provider } from "./provider.ts";

const LOOP_ARGS = { query: "loop", limit: 5 };

/** Everything the mock remembers between calls. */
export interface MockState {
  journal: Journal;
  faults: FaultBook;
  keys: KeyCache;
  /** Aborted on shutdown so that hung calls let go. */
  closing: AbortController;
  /** One JSON object per line; only called when request logging is on. */
  log?: (record: Record<string, unknown>) => void;
}

export interface CallOptions {
  path: string;
  /** Gemini: the model comes from the path. */
  model?: string;
  /** Gemini: the stream flag comes from the action; others read `stream` from the body. */
  stream: boolean;
  /** Gemini `streamGenerateContent` without `alt=sse` answers with a JSON array. */
  jsonArrayStream?: boolean;
  /** Reads a query parameter (Gemini accepts `?key=`). */
  query: (name: string) => string | undefined;
}

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};
const encoder = new TextEncoder();

export async function handleCall(
  state: MockState,
  provider: Provider,
  req: Request,
  options: CallOptions,
): Promise<Response> {
  const started = performance.now();
  const raw = await req.text();
  const key = provider.apiKey(req, options.query);
  const info: KeyInfo | null = key ? state.keys.cached(key) ?? await state.keys.resolve(key) : null;

  let request: NormalisedRequest | null = null;
  let invalid: BadRequest | null = null;
  let body: unknown;
  try {
    body = JSON.parse(raw);
    request = provider.normalise(body, { model: options.model, stream: options.stream });
  } catch (error) {
    invalid = error instanceof BadRequest ? error : new BadRequest(
      `Invalid JSON payload received: ${(error as Error).message ?? "unparsable body"}`,
    );
  }

  const entry = state.journal.add({
    provider: provider.name,
    path: options.path,
    model: request?.model ?? options.model ?? bodyModel(body),
    key_fingerprint: info?.fingerprint ?? null,
    stream: request?.stream ?? options.stream,
    message_count: request?.messageCount ?? 0,
    last_user_message: request ? lastUser(request) : null,
    system: request?.system ?? null,
    tools: request?.tools ?? [],
    tool_choice: request?.toolChoice ?? null,
    tool_result_present: (request?.toolResults.length ?? 0) > 0,
    status: null,
    fault: null,
    duration_ms: null,
  });
  const finish = (response: Response): Response => {
    entry.status = response.status;
    entry.duration_ms = Math.round((performance.now() - started) * 100) / 100;
    if (state.log) {
      const { last_user_message: _l, system: _s, ...brief } = entry;
      state.log({ msg: "llm call", ...brief });
    }
    return response;
  };
  const fail = (status: number, message: string, param?: string | null): Response => {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (status === 429) headers["retry-after"] = "1";
    return finish(
      new Response(JSON.stringify(provider.errorBody(status, message, param)), { status, headers }),
    );
  };

  if (!info) {
    entry.fault = "missing-key";
    return fail(401, "No API key provided.");
  }
  if (info.directives.invalid) {
    entry.fault = "mock-invalid";
    return fail(401, "Invalid API key (mock-invalid).");
  }
  if (!request) return fail(400, invalid?.message ?? "Bad request", invalid?.param);

  const decision = state.faults.decide(
    { provider: provider.name, model: request.model, fingerprint: info.fingerprint },
    info.directives,
  );
  entry.fault = decision.label;

  if (decision.latency_ms || decision.hang) {
    const signal = AbortSignal.any([req.signal, state.closing.signal]);
    const waited = decision.hang
      ? await untilAborted(signal)
      : await sleep(decision.latency_ms ?? 0, signal);
    if (!waited) {
      // The client gave up (or we are shutting down): nothing will be read, keep status null.
      entry.duration_ms = Math.round(performance.now() - started);
      return new Response(null, { status: 499 });
    }
  }
  if (decision.status) {
    return fail(decision.status, `Mock fault: HTTP ${decision.status} (${decision.label}).`);
  }

  // A model told not to call tools (tool_choice none) only writes text, like the real ones.
  const callable = request.toolChoice === "none" ? [] : request.tools;
  // `mock-tool-loop` never settles for text while a tool is callable, so a client's tool-round
  // cap is what ends the conversation.
  const looping = info.directives.tool_loop && callable.includes("search_messages");
  const ctx = {
    request,
    reply: looping
      ? { kind: "tool_call" as const, name: "search_messages" as const, args: LOOP_ARGS }
      : think({ ...request, tools: callable }),
    id: newId(
      provider.name === "openai"
        ? "chatcmpl-mock"
        : provider.name === "anthropic"
        ? "msg_mock"
        : "resp-mock",
    ),
    created: Math.floor(Date.now() / 1000),
  };
  if (request.stream && !options.jsonArrayStream) {
    const events = decision.bad_json ? [provider.badEvent] : provider.events(ctx);
    if (decision.cut_after !== undefined) {
      return finish(
        new Response(cutStream(events.slice(0, decision.cut_after)), { headers: SSE_HEADERS }),
      );
    }
    return finish(new Response(events.join(""), { headers: SSE_HEADERS }));
  }
  const payload = JSON.stringify(
    options.jsonArrayStream ? streamArray(provider, ctx) : provider.json(ctx),
  );
  if (decision.bad_json) {
    return finish(
      new Response(`{"mock": "bad json" ${payload.slice(0, 40)}`, { headers: JSON_HEADERS }),
    );
  }
  if (decision.cut_after !== undefined) {
    return finish(
      new Response(cutStream([payload.slice(0, Math.floor(payload.length / 2))]), {
        headers: JSON_HEADERS,
      }),
    );
  }
  return finish(new Response(payload, { headers: JSON_HEADERS }));
}

/** The model named in a body that failed validation, for the journal. */
function bodyModel(body: unknown): string | null {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model : null;
}

function lastUser(request: NormalisedRequest): string | null {
  for (let i = request.turns.length - 1; i >= 0; i--) {
    const turn = request.turns[i];
    if (turn?.role === "user") return turn.text;
  }
  return null;
}

/** Gemini's non-SSE streamGenerateContent: the chunks as one JSON array. */
function streamArray(provider: Provider, ctx: Parameters<Provider["json"]>[0]): unknown[] {
  return provider.events(ctx).map((event) => JSON.parse(event.slice(6)));
}

/**
 * Sends the given pieces, then breaks the connection (no clean end of body). Pull-driven, so
 * every piece is handed to the server before the error; the short pause lets it reach the
 * socket first.
 */
function cutStream(pieces: string[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    async pull(controller) {
      const piece = pieces[next++];
      if (piece !== undefined) return controller.enqueue(encoder.encode(piece));
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.error("mock-cut: connection dropped on purpose");
    },
  }, { highWaterMark: 0 });
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves (false) only when the signal aborts: a hang that costs no CPU. */
function untilAborted(signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    signal.addEventListener("abort", () => resolve(false), { once: true });
  });
}
