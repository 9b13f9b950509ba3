/**
 * The mock LLM's deterministic "brain" (R-MOCKLLM-3): a pure function from a normalised
 * conversation to either reply text or one `search_messages` tool call.
 *
 * Every provider module normalises its wire format into {@linkcode BrainInput} first, so the
 * three providers answer the same conversation with the same words.
 */

/** One conversational turn, reduced to its text. */
export interface Turn {
  role: "user" | "assistant";
  text: string;
}

/** What the brain sees of a request. */
export interface BrainInput {
  /** User and assistant turns in order; tool calls and results are not turns. */
  turns: readonly Turn[];
  /** Names of the tools offered with the request. */
  tools: readonly string[];
  /** Tool results that follow the last user turn (raw string or provider object), oldest first. */
  toolResults: readonly unknown[];
}

export type BrainReply =
  | { kind: "text"; text: string }
  | { kind: "tool_call"; name: "search_messages"; args: { query: string; limit: number } };

/** The fixed joke; the same every time so suites can assert it. */
export const JOKE = "Why do programmers prefer dark mode? Because light attracts bugs.";

const NAME_RE = /my name is (\p{L}[\p{L}'-]*)/giu;
const ASK_NAME_RE = /\bwhat(?:'s|’s|\s+is)\s+my\s+name\b/iu;
const SEARCH_RE = /\b(?:search|find|look\s+up|recall|remember)\b/iu;
const JOKE_RE = /\bjokes?\b/iu;
const QUOTED_RE = /"([^"]+)"|“([^”]+)”|'([^']+)'/u;
const AFTER_FOR_RE = /\b(?:for|about)\s+(.+)$/isu;

/** Decides the reply: the first R-MOCKLLM-3 rule that matches wins. */
export function think(input: BrainInput): BrainReply {
  const name = knownName(input.turns);
  const text = lastUserText(input.turns);

  const lastResult = input.toolResults[input.toolResults.length - 1];
  if (input.toolResults.length > 0) {
    return withName(describeToolResult(lastResult), name);
  }
  if (ASK_NAME_RE.test(text)) {
    return reply(name ? `Your name is ${name}.` : "I don't know your name yet.");
  }
  if (input.tools.includes("search_messages") && SEARCH_RE.test(text)) {
    return {
      kind: "tool_call",
      name: "search_messages",
      args: { query: searchQuery(text), limit: 5 },
    };
  }
  if (JOKE_RE.test(text)) {
    return reply(
      name ? `Here's a joke for you, ${name}: ${JOKE}` : `Here's a joke for you: ${JOKE}`,
    );
  }
  const introduced = lastMatch(text);
  if (introduced) return reply(`Nice to meet you, ${introduced}!`);
  return reply(name ? `You said: "${text}" — noted, ${name}.` : `You said: "${text}"`);
}

/** The last `my name is X` across all user turns, or null. */
export function knownName(turns: readonly Turn[]): string | null {
  let name: string | null = null;
  for (const turn of turns) {
    if (turn.role !== "user") continue;
    name = lastMatch(turn.text) ?? name;
  }
  return name;
}

function lastMatch(text: string): string | null {
  if (!text.toLowerCase().includes("my name is")) return null;
  let found: string | null = null;
  for (const m of text.matchAll(NAME_RE)) found = m[1] ?? found;
  return found;
}

function lastUserText(turns: readonly Turn[]): string {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (turn?.role === "user") return turn.text.trim();
  }
  return "";
}

/** Query for `search_messages`: quoted text, else the words after for/about, else the last word. */
export function searchQuery(text: string): string {
  const quoted = QUOTED_RE.exec(text);
  const inQuotes = quoted?.[1] ?? quoted?.[2] ?? quoted?.[3];
  if (inQuotes?.trim()) return inQuotes.trim();
  const after = AFTER_FOR_RE.exec(text)?.[1];
  const cleaned = after?.replace(/[\s?!.,;:]+$/u, "").trim();
  if (cleaned) return cleaned;
  const words = text.replace(/[?!.,;:]+/gu, " ").trim().split(/\s+/u);
  return words[words.length - 1] ?? "";
}

/** `I found <N> matching message(s): "<c1>"; "<c2>"; "<c3>"` from a tool result. */
export function describeToolResult(result: unknown): string {
  const items = resultItems(result);
  if (items.length === 0) return "I found 0 matching message(s).";
  const quoted = items.slice(0, 3).map((item) => `"${itemText(item)}"`);
  return `I found ${items.length} matching message(s): ${quoted.join("; ")}`;
}

/** Finds the list of messages inside a tool result, however the client wrapped it. */
function resultItems(result: unknown, depth = 0): unknown[] {
  if (depth > 3) return [];
  if (typeof result === "string") {
    try {
      return resultItems(JSON.parse(result), depth + 1);
    } catch {
      return [];
    }
  }
  if (Array.isArray(result)) return result;
  if (result && typeof result === "object") {
    const record = result as Record<string, unknown>;
    if ("error" in record) return [];
    for (const value of Object.values(record)) {
      if (Array.isArray(value)) return value;
    }
    for (const value of Object.values(record)) {
      if (typeof value === "string" || (value && typeof value === "object")) {
        const nested = resultItems(value, depth + 1);
        if (nested.length > 0) return nested;
      }
    }
  }
  return [];
}

function itemText(item: unknown): string {
  if (typeof item === "string") return item;
  if (item && typeof item === "object") {
    const content = (item as Record<string, unknown>).content ??
      (item as Record<string, unknown>).text ?? (item as Record<string, unknown>).task;
    if (typeof content === "string") return content;
  }
  return JSON.stringify(item) ?? "";
}

function reply(text: string): BrainReply {
  return { kind: "text", text };
}

function withName(text: string, name: string | null): BrainReply {
  return reply(name ? `${text} — ${name}.` : text);
}
