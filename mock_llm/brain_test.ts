/** Table-driven tests of the mock LLM's deterministic brain (R-MOCKLLM-3). */
import assert from "node:assert/strict";
import {
  type BrainInput,
  type BrainReply,
  JOKE,
  knownName,
  searchQuery,
  think,
  type Turn,
} from "./brain.ts";

const TOOLS = ["search_messages", "get_recent_messages"];
const u = (text: string): Turn => ({ role: "user", text });
const a = (text: string): Turn => ({ role: "assistant", text });
const text = (t: string): BrainReply => ({ kind: "text", text: t });
const search = (query: string): BrainReply => ({
  kind: "tool_call",
  name: "search_messages",
  args: { query, limit: 5 },
});

const cases: Array<[string, Partial<BrainInput>, BrainReply]> = [
  ["echoes plain text", { turns: [u("hello")] }, text('You said: "hello"')],
  ["echo trims surrounding whitespace", { turns: [u("  hi  ")] }, text('You said: "hi"')],
  ["greets a new name", { turns: [u("My name is Alice")] }, text("Nice to meet you, Alice!")],
  [
    "accepts letters from any script",
    { turns: [u("my name is Zoë-Ann")] },
    text("Nice to meet you, Zoë-Ann!"),
  ],
  ["recalls the name (what's)", {
    turns: [u("My name is Alice"), a("Nice to meet you, Alice!"), u("What's my name?")],
  }, text("Your name is Alice.")],
  [
    "recalls the name (what is, any case)",
    { turns: [u("my name is Bob"), u("WHAT IS MY NAME")] },
    text("Your name is Bob."),
  ],
  ["the last introduction wins", {
    turns: [u("My name is Alice"), u("Actually my name is Carol"), u("what's my name")],
  }, text("Your name is Carol.")],
  [
    "does not know a name never given",
    { turns: [u("What's my name?")] },
    text("I don't know your name yet."),
  ],
  [
    "ignores names said by the assistant",
    { turns: [a("my name is Robot"), u("what's my name?")] },
    text("I don't know your name yet."),
  ],
  [
    "tells the fixed joke",
    { turns: [u("tell me a joke")] },
    text(`Here's a joke for you: ${JOKE}`),
  ],
  ["puts the name in the joke", {
    turns: [u("My name is Alice"), u("Tell me a joke about my name")],
  }, text(`Here's a joke for you, Alice: ${JOKE}`)],
  [
    "adds the name to the echo",
    { turns: [u("My name is Alice"), u("the weather is nice")] },
    text('You said: "the weather is nice" — noted, Alice.'),
  ],
  ["calls search_messages with quoted text", {
    turns: [u('search for "dentist appointment" please')],
    tools: TOOLS,
  }, search("dentist appointment")],
  ["calls search_messages with the words after for", {
    turns: [u("Can you find messages for pizza night?")],
    tools: TOOLS,
  }, search("pizza night")],
  ["calls search_messages with the words after about", {
    turns: [u("What did I say about the trip?  Recall it")],
    tools: TOOLS,
  }, search("the trip?  Recall it")],
  [
    "calls search_messages with the last word",
    { turns: [u("look up Lisbon!")], tools: TOOLS },
    search("Lisbon"),
  ],
  ["does not search when the tool is not offered", {
    turns: [u("search pizza")],
    tools: ["get_recent_messages"],
  }, text('You said: "search pizza"')],
  [
    "name question beats search",
    { turns: [u("remember: what's my name?")], tools: TOOLS },
    text("I don't know your name yet."),
  ],
  ["describes a tool result, up to three items", {
    turns: [u("find pizza")],
    tools: TOOLS,
    toolResults: [
      JSON.stringify([{ content: "a" }, { content: "b" }, { content: "c" }, { content: "d" }]),
    ],
  }, text('I found 4 matching message(s): "a"; "b"; "c"')],
  ["never calls a tool twice", {
    turns: [u("search for pizza")],
    tools: TOOLS,
    toolResults: ["[]"],
  }, text("I found 0 matching message(s).")],
  ["reads a tool result wrapped in an object", {
    turns: [u("find pizza")],
    toolResults: [{ result: [{ content: "x" }] }],
  }, text('I found 1 matching message(s): "x"')],
  ["treats a tool error as no results", {
    turns: [u("find pizza")],
    toolResults: ['{"error":"boom"}'],
  }, text("I found 0 matching message(s).")],
  ["adds the name to a tool answer", {
    turns: [u("my name is Alice"), u("find pizza")],
    toolResults: ['[{"content":"p"}]'],
  }, text('I found 1 matching message(s): "p" — Alice.')],
];

for (const [name, input, expected] of cases) {
  // rules: R-MOCKLLM-3
  Deno.test(`mock llm brain: ${name}`, () => {
    const full: BrainInput = { turns: [], tools: [], toolResults: [], ...input };
    assert.deepEqual(think(full), expected);
    assert.deepEqual(think(full), expected, "the same input must give the same reply");
  });
}

// rules: R-MOCKLLM-3
Deno.test("mock llm brain: knownName uses the last match across user turns only", () => {
  assert.equal(knownName([u("my name is Ann and my name is Bea"), a("my name is Bot")]), "Bea");
  assert.equal(knownName([u("hello")]), null);
});

// rules: R-MOCKLLM-3
Deno.test("mock llm brain: searchQuery prefers quotes, then for/about, then the last word", () => {
  assert.equal(searchQuery("find “curly quoted” text for me"), "curly quoted");
  assert.equal(searchQuery("search about cats."), "cats");
  assert.equal(searchQuery("recall"), "recall");
});
