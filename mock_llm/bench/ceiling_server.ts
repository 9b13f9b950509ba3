/**
 * The ceiling in the mock LLM benchmark: the least an LLM mock under this Deno can do for the
 * benchmark's request — read the body, parse it as JSON (no mock can answer a request it has
 * not read), answer a fixed `chat.completion` of the mock's size — so no mock written for this
 * runtime answers faster on this box. Its rate, measured in the same interleaved rounds, says
 * how much of the box's own limit each mock reaches, and what ratio to the peer any mock could
 * reach at all (ceiling ÷ peer). Without the parse it answers about 12 % more (74 000 against
 * 65 000 requests/s, 2026-12-03).
 *
 *   PORT=4111 deno run --allow-net=127.0.0.1 --allow-env=PORT mock_llm/bench/ceiling_server.ts
 */

/** What the mock answers the benchmark's request, with the same field names and lengths. */
const BODY = JSON.stringify({
  id: "chatcmpl-mock-0123456789abcdef01234567",
  object: "chat.completion",
  created: 1_764_720_000,
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "Your name is Alice.", refusal: null },
    logprobs: null,
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 38, completion_tokens: 5, total_tokens: 43 },
  system_fingerprint: "fp_mock",
});
const HEADERS = { "content-type": "application/json" };

Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 0),
  onListen: ({ port }) => console.log(JSON.stringify({ listening: port })),
}, async (req) => {
  JSON.parse(await req.text());
  return new Response(BODY, { headers: HEADERS });
});
