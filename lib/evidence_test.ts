/**
 * A failing test leaves its evidence: with ZAPA_ATTACHMENTS_DIR set, `withEvidence` attaches the
 * trace (text and HTML, hops in order) of each message the test used and the services' log
 * tails, and rethrows the test's own error; a passing test attaches nothing.
 */
import assert from "node:assert/strict";
import { readAttachments } from "./attachments.ts";
import { noteMessage, withEvidence } from "./evidence.ts";
import { type Doubles, startDoubles } from "./trace/_doubles.ts";

let doubles: Doubles | undefined;

Deno.test.beforeAll(async () => {
  doubles = await startDoubles();
});

Deno.test.afterAll(async () => {
  await doubles?.close();
});

async function inTempAttachments<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "zapa-evidence-" });
  const before = Deno.env.get("ZAPA_ATTACHMENTS_DIR");
  Deno.env.set("ZAPA_ATTACHMENTS_DIR", dir);
  try {
    return await fn(dir);
  } finally {
    if (before === undefined) Deno.env.delete("ZAPA_ATTACHMENTS_DIR");
    else Deno.env.set("ZAPA_ATTACHMENTS_DIR", before);
    await Deno.remove(dir, { recursive: true });
  }
}

const logs = (service: string) => Promise.resolve(`{"msg":"last line of ${service}"}\n`);

Deno.test("evidence: a failing test attaches its message's trace with the hops in order, and its log tails", async (t) => {
  await inTempAttachments(async (dir) => {
    const failure = new Error("expected a reply, saw none");
    let id = "";
    await assert.rejects(
      withEvidence(t, async () => {
        id = await doubles!.inbound("evidence please", "+15551239001");
        noteMessage(id); // as the fixtures do for every message they send
        await doubles!.untilRead();
        throw failure;
      }, { target: () => doubles!.target({ logs }) }),
      (error) => error === failure,
    );
    const found = await readAttachments(dir);
    const meta = found.get(t.name);
    assert.ok(meta, `attachments for "${t.name}" in ${[...found.keys()]}`);
    assert.deepEqual(meta.files.map((f) => [f.name, f.type]), [
      [`trace of ${id}`, "text/plain"],
      [`trace of ${id} (timeline)`, "text/html"],
      ["private log tail", "text/plain"],
      ["bridge log tail", "text/plain"],
      ["llm log tail", "text/plain"],
    ]);
    const text = await Deno.readTextFile(`${dir}/${meta.files[0]!.file}`);
    const order = ["phone → bridge", "webhook message.received #1", "LLM call (openai)"]
      .concat(["send to bridge", "receipt message.sent", "receipt message.read"])
      .map((hop) => text.indexOf(hop));
    assert.ok(order.every((at) => at > 0), text);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), text);
    const html = await Deno.readTextFile(`${dir}/${meta.files[1]!.file}`);
    assert.match(html, /^<section class="zapa-trace"/);
    assert.ok(html.indexOf("phone → bridge") < html.indexOf("receipt message.read"));
    assert.equal(
      await Deno.readTextFile(`${dir}/${meta.files[2]!.file}`),
      '{"msg":"last line of private"}\n',
    );
  });
});

Deno.test("evidence: a passing test, or no ZAPA_ATTACHMENTS_DIR, attaches nothing", async (t) => {
  await inTempAttachments(async (dir) => {
    const value = await withEvidence(t, async (ev) => {
      ev.messageId(await doubles!.inbound("all good", "+15551239002"));
      return 42;
    }, { target: () => doubles!.target({ logs }) });
    assert.equal(value, 42);
    assert.equal((await readAttachments(dir)).size, 0);
  });
  const before = Deno.env.get("ZAPA_ATTACHMENTS_DIR");
  Deno.env.delete("ZAPA_ATTACHMENTS_DIR");
  try {
    let traced = false;
    await assert.rejects(
      withEvidence(t, () => {
        throw new Error("red");
      }, {
        target: () => {
          traced = true;
          return doubles!.target();
        },
      }),
      /red/,
    );
    assert.equal(traced, false, "no collector, no trace work");
  } finally {
    if (before !== undefined) Deno.env.set("ZAPA_ATTACHMENTS_DIR", before);
  }
});

Deno.test("evidence: a test wrapped twice attaches once", async (t) => {
  await inTempAttachments(async (dir) => {
    await assert.rejects(
      withEvidence(t, () =>
        withEvidence(t, () => {
          throw new Error("inner");
        }, { target: () => doubles!.target({ logs }) }), {
        target: () => doubles!.target({ logs }),
      }),
      /inner/,
    );
    const meta = (await readAttachments(dir)).get(t.name)!;
    assert.equal(meta.files.filter((f) => f.name === "private log tail").length, 1);
  });
});
