/**
 * Background work of a process: the outbox dispatcher, the run executor and the scheduler, each
 * switched on by role. `peyvand serve` runs all three with the in-process queue (embedded default)
 * or only dispatch + schedule with BullMQ (REDIS_URL); `peyvand worker` runs all three on BullMQ.
 *
 *   const jobs = await startJobs({ database, model: () => runtime.current().model, queue, services,
 *     roles: { dispatch: true, execute: true, schedule: true } });
 *   …
 *   await jobs.close();
 */
import type { Model } from '../../model/types.ts';
import type { Database } from '../db/database.ts';
import type { ActionServices } from '../rules/action-type.ts';
import { dispatchOutbox } from './dispatcher.ts';
import type { JobQueue, RunJob } from './job-queue.ts';
import { executeRun, type ExecutorOptions } from './run-executor.ts';
import { fireDateTriggers, fireSchedules, sweep } from './scheduler.ts';

export const OUTBOX_CHANNEL = 'peyvand_outbox';

export interface JobRoles {
  readonly dispatch: boolean;
  readonly execute: boolean;
  readonly schedule: boolean;
}

export interface JobsOptions {
  readonly database: Database;
  readonly model: () => Model;
  readonly queue: JobQueue;
  readonly services: ActionServices;
  readonly roles: JobRoles;
  /** Outbox poll when no notification arrives (ms). */
  readonly pollMs?: number;
  /** Scheduler and sweeper period (ms). */
  readonly tickMs?: number;
  readonly now?: () => Date;
  readonly defaultTimeZone?: string;
  readonly executor?: Pick<ExecutorOptions, 'leaseMs' | 'maxAttempts' | 'backoffMs' | 'fault'>;
  readonly log?: (message: string) => void;
}

export interface Jobs {
  readonly queue: JobQueue;
  /** Dispatches and sweeps now (after a manual or webhook run was inserted, say). */
  wake(): void;
  /** One scheduler pass now: sweep, cron schedules, date triggers. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export async function startJobs(options: JobsOptions): Promise<Jobs> {
  const { database, queue } = options;
  const db = database.db;
  const log = options.log ?? ((m: string) => console.error(m));
  let closed = false;
  let queueDown = false;

  async function enqueue(jobs: readonly RunJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await queue.enqueue(jobs);
      if (queueDown) log('job queue reachable again; pending workflow runs are being queued');
      queueDown = false;
    } catch (error) {
      if (!queueDown) log(`job queue unreachable (${(error as Error).message}); workflow runs wait in PostgreSQL and are queued when it is back`);
      queueDown = true;
      // Let the sweeper take them at its next pass.
      await db.updateTable('peyvand.workflow_runs').set({ enqueued_at: null }).where('id', 'in', jobs.map((j) => j.runId)).where('status', '=', 'pending').execute().catch(() => undefined);
    }
  }

  const executor: ExecutorOptions = {
    db,
    model: options.model,
    services: options.services,
    ...(options.now ? { now: options.now } : {}),
    ...options.executor,
    schedule: (job) => queue.enqueue([job]),
  };
  if (options.roles.execute) await queue.consume((runId) => executeRun(executor, runId));

  // The dispatcher: wakes on NOTIFY from outbox inserts, and polls in case one is missed.
  let wakeUp: (() => void) | null = null;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const stopListening = options.roles.dispatch ? await database.listen(OUTBOX_CHANNEL, wake).catch(() => null) : null;
  const dispatching = options.roles.dispatch
    ? (async () => {
        while (!closed) {
          try {
            woken = false;
            const result = await dispatchOutbox({ db, model: options.model, ...(options.now ? { now: options.now } : {}) });
            await enqueue(result.jobs);
            if (result.events > 0) continue;
          } catch (error) {
            if (!closed) log(`outbox dispatch failed: ${(error as Error).message}`);
          }
          if (woken || closed) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, options.pollMs ?? 250);
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeUp = null;
        }
      })()
    : Promise.resolve();

  const schedulerOptions = { db, model: options.model, ...(options.now ? { now: options.now } : {}), ...(options.defaultTimeZone ? { defaultTimeZone: options.defaultTimeZone } : {}) };
  let ticking: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    ticking ??= (async () => {
      try {
        await enqueue(await sweep(schedulerOptions));
        if (options.roles.schedule) {
          await enqueue(await fireSchedules(schedulerOptions));
          await enqueue(await fireDateTriggers(schedulerOptions));
        }
      } catch (error) {
        if (!closed) log(`workflow scheduler pass failed: ${(error as Error).message}`);
      } finally {
        ticking = null;
      }
    })();
    return ticking;
  };
  const timer = setInterval(() => void tick(), options.tickMs ?? 15_000);
  timer.unref();
  void tick();

  return {
    queue,
    wake() {
      wake();
      void tick();
    },
    tick,
    async close() {
      closed = true;
      clearInterval(timer);
      wake();
      await dispatching;
      await ticking;
      await stopListening?.();
      await queue.close();
    },
  };
}
