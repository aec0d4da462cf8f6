/**
 * The queue that says "run this workflow run now". PostgreSQL holds every run and its state; the
 * queue only carries run ids, so a lost message is found again by the sweeper and a repeated one
 * finds the run already taken or done. Two implementations with the same semantics:
 * `InProcessQueue` (the embedded default) and `BullmqQueue` (REDIS_URL; any number of workers).
 *
 *   const queue = new InProcessQueue({ concurrency: 8 });
 *   await queue.consume((runId) => executeRun(deps, runId));
 *   await queue.enqueue([{ runId, key: `${runId}:0:0` }]);
 */
export interface RunJob {
  readonly runId: string;
  /** Distinguishes deliveries of one run (its step and attempt): a queue may drop a duplicate key. */
  readonly key: string;
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
}

export type RunHandler = (runId: string) => Promise<void>;

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Throws when the queue cannot be reached; the runs stay pending in PostgreSQL. */
  enqueue(jobs: readonly RunJob[]): Promise<void>;
  /** Starts handing jobs to `handler` (several at a time). */
  consume(handler: RunHandler): Promise<void>;
  close(): Promise<void>;
}
