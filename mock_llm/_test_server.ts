/**
 * Test helper: the mock LLM on a real loopback socket (port 0), for tests that drive it with
 * the official SDKs. Start it in `Deno.test.beforeAll`, stop it in `afterAll`.
 */
import { createHandler, createState, type MockState } from "./app.ts";

export interface TestServer {
  base: string;
  state: MockState;
  close(): Promise<void>;
}

export function startTestServer(): TestServer {
  const state = createState({ journalLimit: 1_000 });
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createHandler(state),
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    state,
    async close() {
      state.closing.abort();
      await server.shutdown();
    },
  };
}

/** A fresh key per test so fault counters and journal lookups never collide. */
export function testKey(label: string, directives = ""): string {
  const id = crypto.randomUUID().slice(0, 8);
  return directives ? `${label}-${id}_${directives}` : `${label}-${id}`;
}
