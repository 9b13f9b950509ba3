import assert from "node:assert/strict";
import { extractTasks } from "./tasks.ts";

const at = new Date("2026-05-01T10:00:00Z");

// rules: R-TOOLS-1
Deno.test("agent extract_tasks: matching lines of the user's messages become tasks", () => {
  const tasks = extractTasks([
    { direction: "inbound", content: "hello there", timestamp: at },
    {
      direction: "inbound",
      content: "TODO: call the bank\nnothing here\nI need to buy milk",
      timestamp: at,
    },
    { direction: "inbound", content: "Remind me about the dentist", timestamp: at },
    { direction: "inbound", content: "Don't forget the keys", timestamp: at },
    { direction: "inbound", content: "you should rest; I must run; have to go", timestamp: at },
    { direction: "inbound", content: "remember to water plants; new task: taxes", timestamp: at },
    { direction: "outbound", content: "You should drink water", timestamp: at },
    { direction: "inbound", content: null, timestamp: at },
  ]);
  assert.deepEqual(tasks.map((t) => t.task), [
    "TODO: call the bank",
    "I need to buy milk",
    "Remind me about the dentist",
    "Don't forget the keys",
    "you should rest; I must run; have to go",
    "remember to water plants; new task: taxes",
  ]);
  assert.deepEqual(tasks[0], {
    task: "TODO: call the bank",
    mentioned_at: "2026-05-01T10:00:00.000Z",
    priority: "medium",
    completed: false,
  });
});

// rules: R-TOOLS-1
Deno.test("agent extract_tasks: tasks are cut to 100 characters", () => {
  const [task] = extractTasks([
    { direction: "inbound", content: `I need to ${"x".repeat(300)}`, timestamp: at },
  ]);
  assert.equal(task?.task.length, 100);
});

Deno.test("agent extract_tasks: words that merely contain a keyword do not match", () => {
  assert.deepEqual(
    extractTasks([{ direction: "inbound", content: "mustard shoulder", timestamp: at }]),
    [],
  );
});
