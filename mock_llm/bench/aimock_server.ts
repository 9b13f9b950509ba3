/**
 * The peer in the mock LLM benchmark: aimock (`@copilotkit/aimock`, the best-known LLM mock on
 * the npm registry) with one fixture answering the benchmark's chat, on `PORT`. Prints one JSON
 * line once it listens.
 *
 *   deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-sys mock_llm/bench/aimock_server.ts
 */
import { LLMock } from "@copilotkit/aimock";

const mock = new LLMock({ port: Number(Deno.env.get("PORT") ?? 0), host: "127.0.0.1" });
mock.onMessage("What is my name?", { content: "Your name is Alice." });
await mock.start();
console.log(JSON.stringify({ listening: mock.url }));
