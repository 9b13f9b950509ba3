import assert from "node:assert/strict";
import { Signal } from "./signal.ts";

Deno.test("signal: a notify after the ticket was taken ends the wait at once", async () => {
  const signal = new Signal();
  const ticket = signal.wait();
  signal.notify();
  const started = performance.now();
  await ticket.until(5_000);
  assert.ok(performance.now() - started < 100);
});

Deno.test("signal: without a notify the wait times out", async () => {
  const signal = new Signal();
  const started = performance.now();
  await signal.wait().until(30);
  assert.ok(performance.now() - started >= 25);
});

Deno.test("signal: a notify while sleeping wakes the sleeper", async () => {
  const signal = new Signal();
  const waiting = signal.wait().until(5_000);
  setTimeout(() => signal.notify(), 10);
  const started = performance.now();
  await waiting;
  assert.ok(performance.now() - started < 1_000);
});
