import assert from "node:assert/strict";
import { preciseNow } from "./clock.ts";

Deno.test("mock bridge clock: precise time stays inside the wall clock's millisecond, whatever the drift", () => {
  const realNow = Date.now;
  try {
    // The monotonic clock running 5 ms ahead of the wall clock, then 5 ms behind.
    for (const drift of [5, -5, 0.4, -0.4]) {
      const wall = Math.floor(performance.timeOrigin + performance.now() - drift);
      Date.now = () => wall;
      const at = preciseNow();
      assert.equal(Math.floor(at), wall, `drift ${drift} ms: ${at} outside ${wall}`);
    }
  } finally {
    Date.now = realNow;
  }
  for (let i = 0; i < 1000; i++) {
    const before = Date.now();
    const at = preciseNow();
    assert.ok(at >= before && Math.floor(at) <= Date.now(), `${before} ≤ ${at} ≤ ${Date.now()}`);
  }
});
