/**
 * E2E: whole user journeys through every component — phone → bridge → private webhook →
 * PostgreSQL → agent → mock LLM → outbound → bridge → phone, and the browser-free half of the
 * dashboard (code login, AI settings, history) on the public entrypoint.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import {
  admin,
  bridgeControl,
  chat,
  configureLlm,
  createUser,
  llmCalls,
  publicApi,
  requestCode,
  sendWhatsApp,
  uniquePhone,
  waitForReply,
} from "../../lib/fixtures.ts";
import { logTail, suiteTest } from "../../lib/target.ts";
import { withLogTail } from "./_with_logs.ts";
import type { MessageItem } from "../../lib/clients/zapa.ts";

const LOGS = () => logTail(["private", "bridge", "llm"]);

/** An e2e test: a failure ends with the tail of the services a journey crosses. */
function journey(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  suiteTest(name, withLogTail(["private", "public", "bridge", "llm"], fn));
}

// rules: R-LOGIN-1, R-LOGIN-4, R-LOGIN-11, R-TOKEN-1
journey("e2e: a new user signs in with the code Zapa sends over WhatsApp", async () => {
  const phone = uniquePhone();
  const since = await bridgeControl.lastSeq();
  const request = await publicApi.requestCode(phone);
  assert.equal(request.status, 200, request.text);
  assert.deepEqual(request.json, {
    success: true,
    message: "Authentication code sent via WhatsApp",
    phone_number: phone,
  });
  const [sent] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 15_000 });
  assert.match(
    sent!.text ?? "",
    /^Your Zapa login code is \d{6}\. It expires in 5 minutes\. Do not share it\.$/,
  );
  const code = /\d{6}/.exec(sent!.text!)![0];
  const verify = await publicApi.verify(phone, code);
  assert.equal(verify.status, 200, verify.text);
  assert.equal(verify.json.token_type, "bearer");
  assert.equal(verify.json.expires_in, 86_400);
  assert.equal(verify.json.phone_number, phone);
  const me = await publicApi.withToken(verify.json.access_token).me();
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.phone_number, phone);
  assert.equal(me.json.user_id, verify.json.user_id);
});

// rules: R-INTAKE-5, R-DELIVERY-1, R-WEBHOOK-6, R-MSG-6, R-ORDER-1
journey("e2e: a message gets exactly one AI reply, stored both ways and delivered", async () => {
  const user = await createUser();
  const { primary } = await configureLlm(user, { provider: "openai" });
  const { text, since, messageId } = await chat(user, "Hello from the e2e suite");
  assert.equal(text, 'You said: "Hello from the e2e suite"');

  // Stored: the inbound message and its reply, linked, and the reply's status reaches "read".
  const rows = await eventually(async () => {
    const list = await user.api.messages({ limit: 10 });
    const inbound = list.json.items?.find((m) => m.whatsapp_message_id === messageId);
    const reply = list.json.items?.find((m) => m.direction === "outbound");
    return inbound && reply?.status === "read" ? { inbound, reply } : undefined;
  }, {
    timeoutMs: 15_000,
    message: "the inbound row and its reply with status read",
    onTimeout: LOGS,
  });
  assert.equal(rows.inbound.direction, "inbound");
  assert.equal(rows.inbound.content, "Hello from the e2e suite");
  assert.equal(rows.reply.content, text);
  assert.equal(rows.reply.metadata.provider, "openai");

  // Exactly one reply went out, and the LLM saw exactly one call for this user's key.
  const sent = await bridgeControl.sent({ to: user.phone, since });
  assert.equal(sent.items.length, 1, JSON.stringify(sent.items));
  const calls = await llmCalls(primary.fingerprint);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.provider, "openai");
  assert.equal(calls[0]!.last_user_message, "Hello from the e2e suite");
});

// rules: R-CONTEXT-1, R-CONTEXT-4
journey("e2e: Zapa remembers the conversation (the Alice test)", async () => {
  const user = await createUser();
  await configureLlm(user);
  const first = await chat(user, "My name is Alice");
  assert.equal(first.text, "Nice to meet you, Alice!");
  const second = await chat(user, "What's my name?");
  assert.match(second.text, /Alice/);
  const third = await chat(user, "Tell me a joke about my name");
  assert.match(third.text, /Alice/);
});

// rules: R-LLMCFG-7, R-LLMCFG-8
journey("e2e: switching provider openai → anthropic → google changes who answers", async () => {
  const user = await createUser();
  const cases = [
    {
      provider: "openai",
      model: "gpt-4o-mini",
      path: "/v1/chat/completions",
      resolved: "gpt-4o-mini",
    },
    {
      provider: "anthropic",
      model: "claude-3-haiku",
      path: "/v1/messages",
      resolved: "claude-3-haiku-20240307",
    },
    {
      provider: "google",
      model: "gemini-2.0-flash",
      path: "gemini-2.0-flash:generateContent",
      resolved: "gemini-2.0-flash",
    },
  ] as const;
  for (const c of cases) {
    const { primary } = await configureLlm(user, { provider: c.provider, model: c.model });
    const { text } = await chat(user, `Which provider is this? ${c.provider}`);
    assert.equal(text, `You said: "Which provider is this? ${c.provider}"`);
    const calls = await llmCalls(primary.fingerprint);
    assert.equal(calls.length, 1, `one ${c.provider} call expected, saw ${JSON.stringify(calls)}`);
    assert.equal(calls[0]!.provider, c.provider);
    assert.ok(calls[0]!.path.includes(c.path), `${calls[0]!.path} should contain ${c.path}`);
    assert.equal(calls[0]!.model, c.resolved);
    assert.equal(calls[0]!.key_fingerprint, primary.fingerprint);
  }
});

// rules: R-TOOLS-2
journey(
  "e2e: asked to search, Zapa uses the search tool and quotes the earlier message",
  async () => {
    const user = await createUser();
    const { primary } = await configureLlm(user);
    await chat(user, "Note for later: the spare key is under the blue pineapple pot");
    const { text } = await chat(user, "Can you search my messages for pineapple?");
    assert.match(text, /^I found \d+ matching message\(s\):/);
    assert.match(text, /blue pineapple pot/);
    const calls = await llmCalls(primary.fingerprint);
    // One call for the note, then a tool call round trip: request with tools, then with the result.
    assert.ok(
      calls.some((c) => c.tools.includes("search_messages") && !c.tool_result_present),
      `a call offering search_messages before the tool result: ${JSON.stringify(calls)}`,
    );
    assert.ok(calls.some((c) => c.tool_result_present), JSON.stringify(calls));
  },
);

/**
 * Silence is proven by order, not by waiting: a user's pending messages are answered oldest
 * first, so when the next reply to this phone answers a later control message, the silent
 * message was never due an answer.
 */
async function assertStoredButNotAnswered(
  phone: string,
  api: {
    messages: (p: Record<string, string | number>) => Promise<{ json: { items: MessageItem[] } }>;
  },
  send: () => Promise<{ since: number; messageId: string }>,
) {
  const silent = await send();
  await eventually(async () => {
    const list = await api.messages({ limit: 20 });
    return list.json.items?.some((m) => m.whatsapp_message_id === silent.messageId);
  }, { timeoutMs: 15_000, message: "the silent message to be stored", onTimeout: LOGS });
  const control = await sendWhatsApp(phone, "control message");
  const reply = await waitForReply(phone, silent.since);
  assert.equal(
    reply.text,
    'You said: "control message"',
    "the first reply must answer the control",
  );
  const all = await bridgeControl.sent({ to: phone, since: silent.since });
  assert.equal(all.items.length, 1, `only the control is answered: ${JSON.stringify(all.items)}`);
  void control;
}

// rules: R-SILENCE-1, R-SILENCE-2, R-SILENCE-3
journey(
  "e2e: group, media-only and other-recipient messages are stored, never answered",
  async (t) => {
    const user = await createUser();
    await configureLlm(user);
    await t.step(
      "a group message",
      () =>
        assertStoredButNotAnswered(
          user.phone,
          user.api,
          () =>
            sendWhatsApp(user.phone, "hello group", {
              isGroup: true,
              groupId: "120363000000000001@g.us",
            }),
        ),
    );
    await t.step(
      "an image without caption",
      () =>
        assertStoredButNotAnswered(
          user.phone,
          user.api,
          () => sendWhatsApp(user.phone, "", { type: "image", text: undefined }),
        ),
    );
    await t.step(
      "a message to another number",
      () =>
        assertStoredButNotAnswered(
          user.phone,
          user.api,
          () => sendWhatsApp(user.phone, "not for Zapa", { to: "19998887777@s.whatsapp.net" }),
        ),
    );
  },
);

// rules: R-SILENCE-4
journey("e2e: an inactive user's message is stored and never answered", async () => {
  const user = await createUser();
  await configureLlm(user);
  const adminApi = await admin();
  const off = await adminApi.updateUser(user.id, { is_active: false });
  assert.equal(off.status, 200, off.text);
  const silent = await sendWhatsApp(user.phone, "are you there?");
  await eventually(async () => {
    const list = await adminApi.raw<{ messages: MessageItem[] }>(
      "GET",
      `/api/v1/admin/users/${user.id}/conversations`,
    );
    return list.json.messages?.some((m) => m.whatsapp_message_id === silent.messageId);
  }, { timeoutMs: 15_000, message: "the inactive user's message to be stored", onTimeout: LOGS });
  const on = await adminApi.updateUser(user.id, { is_active: true });
  assert.equal(on.status, 200, on.text);
  const { text } = await chat(user, "back again");
  assert.equal(text, 'You said: "back again"');
  const all = await bridgeControl.sent({ to: user.phone, since: silent.since });
  assert.equal(
    all.items.length,
    1,
    `only the later message is answered: ${JSON.stringify(all.items)}`,
  );
});

// rules: R-LOGIN-3
journey(
  "e2e: a code request for a number is answered the same whether it exists or not",
  async () => {
    const known = await createUser();
    const stranger = uniquePhone();
    const a = await publicApi.requestCode(known.phone);
    const b = await publicApi.requestCode(stranger);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.json.message, b.json.message);
    // A new number gets a user row and a real code over WhatsApp.
    assert.match(await requestCode(stranger), /^\d{6}$/);
  },
);
