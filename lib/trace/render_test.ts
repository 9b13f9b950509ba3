/**
 * The trace renderers on a hand-made trace: the text timeline's offsets and durations, an open
 * hop, an unreachable source, and an HTML fragment that escapes every value and loads nothing.
 */
import assert from "node:assert/strict";
import { renderHtml, renderText } from "./render.ts";
import type { Trace } from "./types.ts";

const hostile = `<img src=x onerror="alert(1)">&'`;

const trace: Trace = {
  messageId: `3EB0${hostile}`,
  collectedAt: "2026-12-02T10:00:05.000Z",
  sources: [
    { name: "bridge journal", ok: true },
    { name: "LLM journal", ok: false, note: `not reachable ${hostile}` },
  ],
  hops: [
    {
      hop: "phone → bridge",
      service: "bridge",
      start: "2026-12-02T10:00:00.000Z",
      end: "2026-12-02T10:00:00.000Z",
      durationMs: 0,
      status: "received",
      detail: `text ${hostile}`,
    },
    {
      hop: "webhook message.received #1",
      service: "bridge → zapa",
      start: "2026-12-02T10:00:00.010Z",
      end: "2026-12-02T10:00:00.030Z",
      durationMs: 20,
      status: "200",
      detail: "",
    },
    {
      hop: "waiting for the agent",
      service: "zapa",
      start: "2026-12-02T10:00:00.040Z",
      end: null,
      durationMs: null,
      status: "pending",
      detail: "no reply stored yet",
    },
  ],
};

Deno.test("trace render: the text timeline gives each hop's offset, duration and status in order", () => {
  const text = renderText(trace);
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0]!, /3 hops over 40 ms/);
  assert.match(lines[1]!, /bridge journal ok; LLM journal NOT REACHABLE \(not reachable/);
  assert.match(lines[3]!, /^\s+\+0 ms\s+0 ms\s+bridge\s+phone → bridge\s+received/);
  assert.match(
    lines[4]!,
    /^\s+\+10 ms\s+20 ms\s+bridge → zapa\s+webhook message.received #1\s+200$/,
  );
  assert.match(lines[5]!, /^\s+\+40 ms\s+open\s+zapa\s+waiting for the agent\s+pending/);
});

Deno.test("trace render: the HTML fragment escapes every value, loads nothing and draws one bar per hop", () => {
  const html = renderHtml(trace);
  assert.ok(!html.includes("<img"), "no markup from the data");
  assert.ok(!/<script|<link|src=|href=|url\(/i.test(html.replaceAll("&#60;img src=x", "")));
  assert.equal(html.match(/class="bar /g)?.length, 3);
  assert.match(html, /class="bar open"/);
  assert.match(html, /class="down">LLM journal not reachable/);
  const lefts = [...html.matchAll(/left:([\d.]+)%/g)].map((m) => Number(m[1]));
  assert.deepEqual(lefts, [0, 25, 100]);
});

Deno.test("trace render: an empty trace says no source knew the message", () => {
  const empty = { ...trace, hops: [] };
  assert.match(renderText(empty), /no hop found/);
  assert.match(renderHtml(empty), /No hop found/);
});
