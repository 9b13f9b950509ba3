import assert from "node:assert/strict";
import { Journal } from "./journal.ts";

interface Item {
  seq: number;
  to: string;
}

function fill(j: Journal<Item>, n: number, to = "a") {
  for (let i = 0; i < n; i++) j.append({ seq: j.nextSeq(), to });
}

Deno.test("mock bridge journal: keeps only the newest `limit` entries, oldest first", () => {
  const j = new Journal<Item>(3);
  fill(j, 5);
  assert.equal(j.size, 3);
  assert.equal(j.lastSeq, 5);
  assert.deepEqual(j.since(0).map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(j.since(4).map((e) => e.seq), [5]);
  assert.deepEqual(j.since(5), []);
  assert.deepEqual(j.since(99), []);
});

Deno.test("mock bridge journal: `since` is exclusive and filters apply", () => {
  const j = new Journal<Item>(10);
  j.append({ seq: j.nextSeq(), to: "a" });
  j.append({ seq: j.nextSeq(), to: "b" });
  j.append({ seq: j.nextSeq(), to: "a" });
  assert.deepEqual(j.since(1, (e) => e.to === "a").map((e) => e.seq), [3]);
});

Deno.test("mock bridge journal: clear keeps the sequence so a client's `since` stays valid", () => {
  const j = new Journal<Item>(10);
  fill(j, 4);
  j.clear();
  assert.equal(j.size, 0);
  assert.equal(j.lastSeq, 4);
  assert.equal(j.nextSeq(), 5);
  assert.deepEqual(j.since(0), []);
});

Deno.test("mock bridge journal: a waiter wakes within 50 ms of a matching append", async () => {
  const j = new Journal<Item>(10);
  const started = performance.now();
  const waiting = j.wait(0, { waitMs: 5000, filter: (e) => e.to === "x" });
  setTimeout(() => j.append({ seq: j.nextSeq(), to: "other" }), 5);
  let appendedAt = 0;
  setTimeout(() => {
    appendedAt = performance.now();
    j.append({ seq: j.nextSeq(), to: "x" });
  }, 20);
  const items = await waiting;
  const woke = performance.now();
  assert.deepEqual(items.map((e) => e.to), ["x"]);
  assert.ok(woke - appendedAt < 50, `woke ${woke - appendedAt} ms after the append`);
  assert.ok(woke - started < 1000);
  assert.equal(j.waiting, 0);
});

Deno.test("mock bridge journal: a waiter times out empty and releaseAll ends waits at once", async () => {
  const j = new Journal<Item>(10);
  assert.deepEqual(await j.wait(0, { waitMs: 10 }), []);
  const waiting = j.wait(0, { waitMs: 10_000 });
  assert.equal(j.waiting, 1);
  j.releaseAll();
  assert.deepEqual(await waiting, []);
  assert.equal(j.waiting, 0);
});

Deno.test("mock bridge journal: entries already there answer without waiting", async () => {
  const j = new Journal<Item>(10);
  fill(j, 2);
  const started = performance.now();
  assert.equal((await j.wait(0, { waitMs: 10_000 })).length, 2);
  assert.ok(performance.now() - started < 50);
});
