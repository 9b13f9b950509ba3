/**
 * `extract_tasks` (R-TOOLS-*): lines of the user's messages that look like tasks — todo,
 * task, remind, need to, should, must, have to, don't forget, remember to — each cut to 100
 * characters, with when it was mentioned. Priority and completion are not inferred.
 */

export interface ExtractedTask {
  task: string;
  mentioned_at: string;
  priority: "medium";
  completed: false;
}

const TASK_RE =
  /\b(?:to-?dos?|tasks?|remind\w*|need to|needs to|should|must|ha(?:ve|s) to|don['’]?t forget|remember to)\b/i;

export const MAX_TASK_CHARS = 100;

/** Scans the user's (inbound) messages, oldest first, one task per matching line. */
export function extractTasks(
  rows: readonly { direction: string; content: string | null; timestamp: Date }[],
): ExtractedTask[] {
  const tasks: ExtractedTask[] = [];
  for (const row of rows) {
    if (row.direction !== "inbound" || !row.content) continue;
    for (const line of row.content.split(/\r?\n/)) {
      const text = line.trim().replace(/\s+/g, " ");
      if (!text || !TASK_RE.test(text)) continue;
      tasks.push({
        task: text.length > MAX_TASK_CHARS ? text.slice(0, MAX_TASK_CHARS) : text,
        mentioned_at: row.timestamp.toISOString(),
        priority: "medium",
        completed: false,
      });
    }
  }
  return tasks;
}
