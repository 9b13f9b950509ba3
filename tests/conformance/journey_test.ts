/**
 * Conformance: stateful sequences that follow the API as its users do, every answer judged
 * against its published operation. A user signs in, configures the LLM, writes through the
 * bridge, reads the history back (list, search, stats, export) and logs out; an admin creates,
 * edits and deletes a user while another admin write races the delete.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { privateApi, sendWhatsApp, signIn, uniqueKey, waitForReply } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { allOperations, type Operation } from "./_openapi.ts";
import { describe, type Exchange, type GenRequest, send, toWire } from "./_exchange.ts";
import { PROFILE, recordFigures, replayHint, seedFor } from "./_profile.ts";
import { getSandbox } from "./_sandbox.ts";
import { validText } from "./_schema_arb.ts";
import { problemsOf } from "./_verdict.ts";

let cases = 0;
const started = performance.now();
const touched = new Set<string>();

/** Calls a published operation and fails on any answer its document does not promise. */
async function call(
  entrypoint: "public" | "private",
  method: string,
  path: string,
  req: Partial<GenRequest>,
  token: string | null,
): Promise<Exchange> {
  const op: Operation | undefined = (await allOperations()).find((o) =>
    o.entrypoint === entrypoint && o.method === method && o.path === path
  );
  assert.ok(op, `${entrypoint} ${method} ${path} is not published`);
  const full: GenRequest = { path: {}, query: {}, expect: "valid", label: "", ...req };
  cases++;
  touched.add(op.id);
  const answer = await send(toWire(op, full, token));
  const problems = problemsOf(op, answer, "valid");
  assert.deepEqual(
    problems,
    [],
    `${op.id}: ${problems.map((p) => p.detail).join("; ")}\n${
      describe(answer, "a step")
    }\n${replayHint()}`,
  );
  return answer;
}

const json = (answer: Exchange) => JSON.parse(answer.text);

suiteTest(
  "conformance: a user signs in, configures the LLM, chats through the bridge, reads it all back and logs out",
  async () => {
    const texts = fc.sample(validText(1, 120).filter((t) => t.trim().length > 0), {
      seed: seedFor("journey"),
      numRuns: PROFILE.sequences,
    });
    for (const text of texts) {
      const user = await signIn();
      const t = user.token;
      await call("public", "GET", "/api/v1/auth/me", {}, t);
      await call("public", "GET", "/api/v1/llm-config/providers", {}, null);
      await call("public", "POST", "/api/v1/llm-config", {
        body: {
          provider: "openai",
          api_key: uniqueKey("conformance"),
          model_settings: { model: "gpt-4o-mini" },
        },
      }, t);
      await call("public", "GET", "/api/v1/llm-config", {}, t);
      const sent = await sendWhatsApp(user.phone, text);
      const reply = await waitForReply(user.phone, sent.since);
      assert.ok(reply.text, "the reply has text");
      const list = json(await call("public", "GET", "/api/v1/messages", { query: {} }, t));
      const mine = list.items.find((m: { direction: string }) => m.direction === "inbound");
      assert.equal(mine?.content, text, "the message is stored exactly as sent");
      const word = [...text.trim()].slice(0, 20).join("");
      const found = json(
        await call("public", "GET", "/api/v1/messages/search", {
          query: { q: word },
        }, t),
      );
      assert.ok(found.total >= 1, `searching ${JSON.stringify(word)} finds the message`);
      await call("public", "GET", "/api/v1/messages/stats", {}, t);
      const exported = json(
        await call("public", "GET", "/api/v1/messages/export", {
          query: { format: "json" },
        }, t),
      );
      assert.ok(exported.some((m: { content: string }) => m.content === text));
      await call("public", "GET", "/api/v1/messages/export", { query: { format: "csv" } }, t);
      await call("public", "POST", "/api/v1/auth/logout", {}, t);
      const after = await send(toWire(
        (await allOperations()).find((o) => o.id === "PUBLIC GET /api/v1/auth/me")!,
        { path: {}, query: {}, expect: "valid", label: "after logout" },
        t,
      ));
      assert.equal(after.status, 401, "the token is revoked by logout");
    }
  },
);

suiteTest(
  "conformance: an admin creates and edits a user while an LLM config write races its delete — 404/409, never 500",
  async () => {
    const { adminToken } = await getSandbox();
    const outcomes = new Map<string, number>();
    try {
      await race(adminToken, outcomes);
    } finally {
      console.log(`race outcomes: ${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
      await recordFigures("journey", {
        operations: [...touched],
        cases,
        seconds: (performance.now() - started) / 1000,
      });
    }
  },
);

async function race(adminToken: string, outcomes: Map<string, number>): Promise<void> {
  // How long the delete waits behind the writes: spreads the rounds over the whole race window
  // (at 0 ms the delete nearly always wins; at 20 ms the writes do).
  const delays = fc.sample(fc.integer({ min: 0, max: 20 }), {
    seed: seedFor("race"),
    numRuns: PROFILE.sequences * 5,
  });
  for (const delayMs of delays) {
    const phone = `+1556${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const created = json(
      await call("private", "POST", "/api/v1/admin/users", {
        body: { phone_number: phone, display_name: "race" },
      }, adminToken),
    );
    const path = { id: created.id };
    await call("private", "PATCH", "/api/v1/admin/users/{id}", {
      path,
      body: { first_name: "Ra\u202ece 😀" },
    }, adminToken);
    const [write, edit, remove] = await Promise.all([
      call("private", "POST", "/api/v1/admin/llm-config/{user_id}", {
        path: { user_id: created.id },
        body: {
          provider: "anthropic",
          api_key: uniqueKey("race"),
          model_settings: { model: "claude-3-haiku" },
        },
      }, adminToken),
      call("private", "PUT", "/api/v1/admin/users/{id}", {
        path,
        body: { last_name: "late" },
      }, adminToken),
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() =>
        call("private", "DELETE", "/api/v1/admin/users/{id}", { path }, adminToken)
      ),
    ]);
    const answers: Array<[string, Exchange]> = [["llm write", write], ["edit", edit], [
      "delete",
      remove,
    ]];
    for (const [name, a] of answers) {
      const key = `${name} ${a.status}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      assert.ok(
        a.status < 300 || a.status === 404 || a.status === 409,
        `${name} raced with a delete: HTTP ${a.status}\n${describe(a, name)}`,
      );
    }
    const gone = await privateApi.withToken(adminToken).raw(
      "GET",
      `/api/v1/admin/users/${created.id}`,
    );
    assert.equal(gone.status, 404, "the user is gone after the race");
  }
}
