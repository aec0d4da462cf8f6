/**
 * Runs through BullMQ on Redis: the server enqueues, `peyvand worker` processes (any number of
 * them, on any machines). Redis must not evict keys (`maxmemory-policy noeviction`), or queued
 * jobs could vanish: `checkRedis` refuses to start otherwise.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobQueue, RunHandler, RunJob } from './job-queue.ts';

export const QUEUE_NAME = 'peyvand-runs';

export class RedisPolicyError extends Error {
  readonly code = 'REDIS_POLICY';
}

/** Refuses a Redis that may evict keys; returns its policy otherwise. */
export async function checkRedis(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 });
  try {
    await redis.connect();
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? 'unknown';
    if (policy !== 'noeviction') {
      throw new RedisPolicyError(
        `Redis at ${redactUrl(url)} has maxmemory-policy "${policy}"; Peyvand needs "noeviction" so that queued work is never evicted (run: redis-cli config set maxmemory-policy noeviction, and set it in redis.conf)`,
      );
    }
    return policy;
  } finally {
    redis.disconnect();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

export interface BullmqQueueOptions {
  readonly url: string;
  readonly concurrency?: number;
  /** Key prefix, so that tests and deployments sharing a Redis stay apart. */
  readonly prefix?: string;
}

export class BullmqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly #options: BullmqQueueOptions;
  readonly #connection: Redis;
  readonly #queue: Queue;
  #worker: Worker | null = null;
  #workerConnection: Redis | null = null;

  constructor(options: BullmqQueueOptions) {
    this.#options = options;
    // Commands fail fast while Redis is down (the runs stay pending in PostgreSQL and the sweeper
    // enqueues them again), instead of piling up in ioredis's offline queue.
    this.#connection = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times) => Math.min(times * 200, 2000) });
    this.#connection.on('error', () => undefined);
    this.#queue = new Queue(QUEUE_NAME, { connection: this.#connection, prefix: options.prefix ?? 'peyvand' });
    this.#queue.on('error', () => undefined);
  }

  async enqueue(jobs: readonly RunJob[]): Promise<void> {
    if (jobs.length === 0) return;
    if (this.#connection.status !== 'ready') throw new Error(`Redis is not reachable (${this.#connection.status})`);
    await this.#queue.addBulk(
      jobs.map((job) => ({
        name: 'run',
        data: { runId: job.runId },
        opts: { jobId: job.key.replaceAll(':', '_'), delay: job.delayMs ?? 0, removeOnComplete: true, removeOnFail: 1000 },
      })),
    );
  }

  async consume(handler: RunHandler): Promise<void> {
    const connection = new Redis(this.#options.url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
    connection.on('error', () => undefined);
    this.#workerConnection = connection;
    this.#worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        await handler(String((job.data as { runId: unknown }).runId));
      },
      { connection, prefix: this.#options.prefix ?? 'peyvand', concurrency: this.#options.concurrency ?? 16, stalledInterval: 15_000 },
    );
    this.#worker.on('error', () => undefined);
    await this.#worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    this.#workerConnection?.disconnect();
    await this.#queue.close();
    this.#connection.disconnect();
  }
}
