import assert from "node:assert/strict";
import { choosePorts, freePort, portClosed, portTaken, PortTakenError } from "./ports.ts";

Deno.test("stack ports: free mode picks distinct free ports", () => {
  const ports = choosePorts({ mode: "free" });
  const values = Object.values(ports);
  assert.equal(new Set(values).size, values.length);
  // Free when picked; whether still free now depends on every other process on the box (a
  // parallel test's stack took one once), so only the picking is asserted here.
  for (const port of values) assert.ok(port >= 1024 && port <= 65535, `port ${port}`);
});

Deno.test("stack ports: a taken port is named with the variable that moves it", () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    assert.ok(portTaken(port));
    assert.throws(
      () => choosePorts({ mode: "free", overrides: { ZAPA_PUBLIC_PORT: String(port) } }),
      (error: Error) =>
        error instanceof PortTakenError && error.message.includes(`port ${port} (public)`) &&
        error.message.includes("ZAPA_PUBLIC_PORT"),
    );
  } finally {
    listener.close();
  }
});

Deno.test("stack ports: overrides are used and bad values refused", async () => {
  const wanted = freePort();
  assert.equal(
    choosePorts({ mode: "free", overrides: { ZAPA_LLM_PORT: String(wanted) } }).llm,
    wanted,
  );
  assert.throws(
    () => choosePorts({ mode: "free", overrides: { ZAPA_LLM_PORT: "x" } }),
    /ZAPA_LLM_PORT=x/,
  );
  assert.ok(await portClosed(wanted));
});

Deno.test("stack ports: a process never gets the same free port twice (stacks boot side by side)", () => {
  // 300 draws from the kernel's ephemeral range: without the memory, two alike are likely
  // (the birthday bound over ~28 000 ports).
  const ports = Array.from({ length: 300 }, () => freePort());
  assert.equal(new Set(ports).size, ports.length);
  // And two whole stacks chosen at once share no port.
  const a = Object.values(choosePorts({ mode: "free" }));
  const b = Object.values(choosePorts({ mode: "free" }));
  assert.deepEqual(a.filter((p) => b.includes(p)), []);
});
