/** Background jobs for tests: the in-process queue or BullMQ on a private Redis key prefix. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { BullmqQueue } from '../../src/lib/server/jobs/bullmq-queue.ts';
import { InProcessQueue } from '../../src/lib/server/jobs/in-process-queue.ts';
import type { JobQueue } from '../../src/lib/server/jobs/job-queue.ts';
import { startJobs, type Jobs, type JobsOptions } from '../../src/lib/server/jobs/jobs.ts';
import type { ActionServices } from '../../src/lib/server/rules/action-type.ts';
import { DEFAULT_HTTP_POLICY } from '../../src/lib/server/rules/outbound/http-client.ts';
import { MemoryMailer } from '../../src/lib/server/rules/outbound/mailer.ts';

export const REDIS_URL = process.env.PEYVAND_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type QueueKind = 'in-process' | 'bullmq';

export function testServices(overrides: Partial<ActionServices> = {}): ActionServices & { mailer: MemoryMailer } {
  return { mailer: new MemoryMailer(), mailFrom: 'Peyvand <crm@peyvand.test>', sms: null, http: { ...DEFAULT_HTTP_POLICY, allowPrivate: ['127.0.0.1'] }, ...overrides } as ActionServices & { mailer: MemoryMailer };
}

/** A queue of the kind; BullMQ keys get a fresh prefix, removed by `cleanup`. */
export function testQueue(kind: QueueKind, url = REDIS_URL): { queue: JobQueue; prefix: string; cleanup: () => Promise<void> } {
  if (kind === 'in-process') return { queue: new InProcessQueue({ concurrency: 4 }), prefix: '', cleanup: async () => undefined };
  const prefix = `peyvand-test-${randomUUID().slice(0, 8)}`;
  return {
    queue: new BullmqQueue({ url, prefix, concurrency: 8 }),
    prefix,
    async cleanup() {
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

export async function startTestJobs(runtime: Runtime, kind: QueueKind, options: Partial<JobsOptions> = {}): Promise<{ jobs: Jobs; services: ActionServices & { mailer: MemoryMailer }; stop: () => Promise<void> }> {
  const services = (options.services as (ActionServices & { mailer: MemoryMailer }) | undefined) ?? testServices();
  const { queue, cleanup } = options.queue ? { queue: options.queue, cleanup: async () => undefined } : testQueue(kind);
  const jobs = await startJobs({
    database: runtime.database,
    model: () => runtime.current().model,
    queue,
    services,
    roles: { dispatch: true, execute: true, schedule: true },
    pollMs: 50,
    tickMs: 500,
    log: () => undefined,
    ...options,
    executor: { backoffMs: () => 50, ...options.executor },
  });
  runtime.setJobRunner(jobs);
  return {
    jobs,
    services,
    async stop() {
      runtime.setJobRunner(null);
      await jobs.close();
      await cleanup();
    },
  };
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
