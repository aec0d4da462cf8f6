/** The embedded default: runs are executed by this process, a few at a time, delays by timers. */
import type { JobQueue, RunHandler, RunJob } from './job-queue.ts';

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  readonly #concurrency: number;
  readonly #waiting: string[] = [];
  readonly #queued = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #handler: RunHandler | null = null;
  #active = 0;
  #closed = false;
  readonly #idle = new Set<() => void>();

  constructor(options: { readonly concurrency?: number } = {}) {
    this.#concurrency = options.concurrency ?? 8;
  }

  async enqueue(jobs: readonly RunJob[]): Promise<void> {
    if (this.#closed) throw new Error('the job queue is closed');
    for (const job of jobs) {
      if (job.delayMs && job.delayMs > 0) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#push(job.runId);
        }, job.delayMs);
        timer.unref();
        this.#timers.add(timer);
      } else {
        this.#push(job.runId);
      }
    }
  }

  async consume(handler: RunHandler): Promise<void> {
    this.#handler = handler;
    this.#pump();
  }

  /** Resolves when nothing is running or waiting (tests and the benchmark use it). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#waiting.length = 0;
    this.#queued.clear();
    if (this.#active > 0) await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  #push(runId: string): void {
    if (this.#closed || this.#queued.has(runId)) return;
    this.#queued.add(runId);
    this.#waiting.push(runId);
    this.#pump();
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler) return;
    while (this.#active < this.#concurrency && this.#waiting.length > 0) {
      const runId = this.#waiting.shift() as string;
      this.#queued.delete(runId);
      this.#active += 1;
      // The handler records its own failures in the run; anything thrown here is a bug it logged.
      void handler(runId)
        .catch((error: unknown) => console.error(`workflow run ${runId} failed unexpectedly:`, error))
        .finally(() => {
          this.#active -= 1;
          this.#pump();
          if (this.#active === 0 && this.#waiting.length === 0) {
            for (const resolve of this.#idle) resolve();
            this.#idle.clear();
          }
        });
    }
  }
}
