/**
 * Jobs configured from the environment, for `peyvand serve` and `peyvand worker`:
 *
 *   REDIS_URL              BullMQ on Redis (unset: in-process, the embedded default)
 *   SMTP_URL               e.g. smtp://user:pass@mail.example.com:587 (unset: email steps fail, saying so)
 *   PEYVAND_MAIL_FROM      sender address (default "Peyvand <no-reply@peyvand.local>")
 *   PEYVAND_SMS_*          the generic SMS adapter (see outbound/sms.ts)
 *   PEYVAND_HTTP_ALLOW     private addresses webhooks may reach, comma-separated (default none)
 *   PEYVAND_TIME_ZONE      zone for date triggers without one (default UTC)
 *   PEYVAND_WORKER_CONCURRENCY
 *   PEYVAND_QUEUE_PREFIX   BullMQ key prefix (default "peyvand"), to share one Redis between deployments
 *   PEYVAND_LEASE_MS       how long a worker holds a run before another may take it over (default 60000)
 *   PEYVAND_FAULT          crash tests only: "<point>:<step id>" kills the process (SIGKILL) there
 */
import type { Runtime } from '../runtime.ts';
import type { ActionServices } from '../rules/action-type.ts';
import { DEFAULT_HTTP_POLICY, parseAllowList } from '../rules/outbound/http-client.ts';
import { createSmtpMailer, LogMailer } from '../rules/outbound/mailer.ts';
import { smsConfigFromEnv } from '../rules/outbound/sms.ts';
import { BullmqQueue, checkRedis } from './bullmq-queue.ts';
import { InProcessQueue } from './in-process-queue.ts';
import type { JobQueue } from './job-queue.ts';
import { startJobs, type JobRoles, type Jobs } from './jobs.ts';
import type { FaultPoint } from './run-executor.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvOptions {
  /** `serve --demo` without SMTP_URL: emails are written to the log instead of failing. */
  readonly demo?: boolean;
  readonly log?: (line: string) => void;
}

export function servicesFromEnv(env: Env, options: EnvOptions = {}): ActionServices {
  const allow = (env.PEYVAND_HTTP_ALLOW ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (parseAllowList(allow) === null) throw new Error(`PEYVAND_HTTP_ALLOW must list IP addresses, CIDR ranges or ip:port entries, separated by commas; got "${env.PEYVAND_HTTP_ALLOW ?? ''}"`);
  return {
    mailer: env.SMTP_URL ? createSmtpMailer(env.SMTP_URL) : options.demo ? new LogMailer(options.log ?? ((line) => process.stdout.write(`${line}\n`))) : null,
    mailFrom: env.PEYVAND_MAIL_FROM || 'Peyvand <no-reply@peyvand.local>',
    sms: smsConfigFromEnv(env),
    http: { ...DEFAULT_HTTP_POLICY, allowPrivate: allow },
  };
}

function faultFromEnv(env: Env): ((point: FaultPoint, stepId: string) => void) | undefined {
  const spec = env.PEYVAND_FAULT;
  if (!spec) return undefined;
  return (point, stepId) => {
    if (spec === `${point}:${stepId}`) process.kill(process.pid, 'SIGKILL');
  };
}

export type JobsMode = 'serve' | 'worker';

/** Starts this process's share of the background work; `describe` says what it does, for the log. */
export async function startJobsFromEnv(runtime: Runtime, mode: JobsMode, env: Env = process.env, options: EnvOptions = {}): Promise<{ jobs: Jobs; describe: string }> {
  const redisUrl = env.REDIS_URL || undefined;
  let queue: JobQueue;
  let roles: JobRoles;
  const concurrency = Number(env.PEYVAND_WORKER_CONCURRENCY) || undefined;
  if (redisUrl) {
    await checkRedis(redisUrl);
    queue = new BullmqQueue({ url: redisUrl, ...(concurrency ? { concurrency } : {}), ...(env.PEYVAND_QUEUE_PREFIX ? { prefix: env.PEYVAND_QUEUE_PREFIX } : {}) });
    roles = mode === 'worker' ? { dispatch: true, execute: true, schedule: true } : { dispatch: true, execute: false, schedule: true };
  } else {
    queue = new InProcessQueue(concurrency ? { concurrency } : {});
    roles = { dispatch: true, execute: true, schedule: true };
  }
  const services = servicesFromEnv(env, options);
  const fault = faultFromEnv(env);
  const leaseMs = Number(env.PEYVAND_LEASE_MS) || undefined;
  const jobs = await startJobs({
    database: runtime.database,
    model: () => runtime.current().model,
    queue,
    services,
    roles,
    ...(env.PEYVAND_TIME_ZONE ? { defaultTimeZone: env.PEYVAND_TIME_ZONE } : {}),
    executor: { ...(fault ? { fault } : {}), ...(leaseMs ? { leaseMs } : {}) },
  });
  runtime.setJobRunner(jobs);
  const close = jobs.close.bind(jobs);
  const withServices: Jobs = {
    ...jobs,
    queue: jobs.queue,
    async close() {
      runtime.setJobRunner(null);
      await close();
      await services.mailer?.close();
    },
  };
  const mail = env.SMTP_URL ? '' : options.demo ? '; emails are printed here, not sent (set SMTP_URL to send them)' : '; email steps fail until SMTP_URL is set';
  const describe = redisUrl ? (roles.execute ? 'workflow runs: BullMQ worker' : 'workflow runs: queued on BullMQ for `peyvand worker`') : 'workflow runs: in-process';
  return { jobs: withServices, describe: `${describe}${mail}` };
}
