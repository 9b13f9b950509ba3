/** The state layer: bounded memory under many sends, ids, receipt statuses. */
import assert from "node:assert/strict";
import { BridgeState } from "./state.ts";
import { testConfig } from "./testing.ts";

function heapAfterGc(): number {
  // With --v8-flags=--expose-gc the numbers are exact; without it the bound is still loose enough.
  (globalThis as { gc?: () => void }).gc?.();
  return Deno.memoryUsage().heapUsed;
}

Deno.test("mock bridge state: memory stays flat after 100 000 sends (journals keep the last N)", () => {
  const state = new BridgeState(testConfig({ journalLimit: 1000 }));
  try {
    const body = {
      to: "+15550001111",
      type: "text",
      text: "a reply of moderate length, about sixty chars…",
    };
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = state.send("main", { ...body, to: `+1555${i % 10_000}` });
        if (!r.ok) throw new Error(r.error);
      }
    };
    run(5_000); // fill the journal and warm up
    const before = heapAfterGc();
    run(100_000);
    const after = heapAfterGc();
    const grownMb = (after - before) / 1024 / 1024;
    assert.equal(state.sent.size, 1000);
    assert.equal(state.sent.lastSeq, 105_000);
    // An unbounded journal would hold 100 000 more entries (tens of MB); allow GC noise only.
    assert.ok(grownMb < 8, `heap grew by ${grownMb.toFixed(1)} MB`);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge state: message ids are unique and Baileys-like", () => {
  const state = new BridgeState(testConfig());
  try {
    const ids = new Set(Array.from({ length: 1000 }, () => state.newMessageId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^3EB0[0-9A-F]{16}$/);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge state: receipt status follows the configured delays", () => {
  const state = new BridgeState(
    testConfig({ sentDelayMs: 50, deliveredDelayMs: 300, readDelayMs: 1000 }),
  );
  try {
    state.send("main", { to: "1555", type: "text", text: "x" });
    const rec = state.sent.since(0)[0]!;
    assert.equal(state.receiptStatus(rec, rec.at), "sent");
    assert.equal(state.receiptStatus(rec, rec.at + 300), "delivered");
    assert.equal(state.receiptStatus(rec, rec.at + 1000), "read");
    assert.equal(state.receiptStatus({ ...rec, rejected: true }, rec.at + 5000), "failed");
  } finally {
    state.close();
  }
});
