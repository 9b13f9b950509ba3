/**
 * How one part of the pipeline tells another that there is work: the agent that a user has
 * pending messages, delivery that the outbound queue may have due jobs, ingest that intake
 * entries were claimed for it. A wake-up is only a shortcut: blocking Redis reads and the
 * sweeper find the same work a little later, so a lost one costs latency, never a message.
 *
 * The workers' own `wake` calls them in this thread (`PipelineWorkers` in `mod.ts`);
 * `PipelineThread` (`thread.ts`) is the same interface across the thread boundary.
 */

export interface Wake {
  /** This user has pending messages in PostgreSQL: answer them soon. */
  agent(userId: number): void;
  /** The outbound queue may have due jobs (one was enqueued, or the queue was drained). */
  delivery(): void;
  /** Intake entries were claimed for this consumer: ingest reads them next. */
  ingest(): void;
}

/** Wakes nobody: for a webhook whose workers are not running (route tests). */
export const NO_WAKE: Wake = { agent() {}, delivery() {}, ingest() {} };
