/**
 * `npm run bench:workflows` (also the last part of `npm run bench`): workflow runs end to end —
 * a record write → outbox → dispatcher → queue → executor → one update_record action done — with
 * the in-process queue and with BullMQ (`peyvand worker` processes), beside raw SQL doing the same
 * two writes (insert the record, update it) in the same run. Also commit→done latency at a fixed
 * rate, and condition evaluations per second beside the same condition as a hand-written function.
 *
 *   BENCH_WF_EVENTS=5000 BENCH_WF_WORKERS=2 npm run bench:workflows
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { createPostgresDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { REDIS_URL } from '../support/jobs.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { bulkCreate, createRecord } from '../../src/lib/server/records/record-service.ts';
import { findEntity, type EntityModel } from '../../src/lib/model/types.ts';
import { InProcessQueue } from '../../src/lib/server/jobs/in-process-queue.ts';
import { startJobs, type Jobs } from '../../src/lib/server/jobs/jobs.ts';
import { DEFAULT_HTTP_POLICY } from '../../src/lib/server/rules/outbound/http-client.ts';
import { compileExpression, evaluate, isTruthy, scopeForEntity, varsForRecord } from '../../src/lib/expressions/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EVENTS = Number(process.env.BENCH_WF_EVENTS ?? 5000);
const WORKERS = Number(process.env.BENCH_WF_WORKERS ?? 2);
const LATENCY_SECONDS = Number(process.env.BENCH_WF_LATENCY_SECONDS ?? 8);
/** `in-process`, `bullmq` or both (comma-separated). */
const MODES = new Set((process.env.BENCH_WF_MODES ?? 'in-process,bullmq').split(','));
const AIM_RUNS_PER_SECOND = 1000;
const AIM_P95_MS = 100;

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench:workflows ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const ms = (n: number) => `${n.toFixed(n >= 100 ? 0 : 1)} ms`;

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
  for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) await fn().catch((e: unknown) => log(`cleanup: ${String(e)}`));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

const ENTITY = entity('ticket', { title: { type: 'string', maxLength: 200 }, priority: { type: 'integer' }, note: { type: 'string', maxLength: 200 } }, { required: ['title'] });
const WORKFLOW = {
  name: 'stamp',
  entity: 'ticket',
  trigger: { on: 'record.created' },
  condition: 'priority >= 0',
  actions: [{ id: 'stamp', type: 'update_record', set: { note: '"handled"' } }],
};

interface Setup {
  readonly runtime: Runtime;
  readonly ticket: EntityModel;
  readonly url: string;
}

async function setup(): Promise<Setup> {
  const db = await createPostgresDatabase('peyvand_bench_wf');
  cleanups.push(db.drop);
  const runtime = await startRuntime({ url: db.url, poolSize: 10 });
  cleanups.push(() => runtime.close());
  const applied = await applyPack(runtime.database, packOf([ENTITY], {}, [WORKFLOW]), { actorId: null });
  if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
  const ticket = findEntity((await runtime.refresh()).model, 'ticket') as EntityModel;
  return { runtime, ticket, url: db.url };
}

async function doneCount(runtime: Runtime, since: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from peyvand.workflow_runs where status = 'done' and created_at >= ${since}::timestamptz`.execute(runtime.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

async function waitDone(runtime: Runtime, since: string, expected: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await doneCount(runtime, since);
    if (n >= expected) return;
    if (Date.now() > until) throw new Error(`only ${n} of ${expected} runs finished in ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes `count` tickets in batches of 1000 (each batch one statement), as fast as it can. */
async function writeBurst(s: Setup, count: number, series: string): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const records = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ title: `${series} ${i + j}`, priority: (i + j) % 5 }));
    const result = await bulkCreate({ db: s.runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, s.ticket, records);
    if (!result.ok) throw new Error(result.error.message);
  }
}

interface Throughput {
  readonly runsPerSecond: number;
  readonly seconds: number;
}

async function measureThroughput(s: Setup, label: string): Promise<Throughput> {
  const since = new Date().toISOString();
  const t0 = performance.now();
  await writeBurst(s, EVENTS, label);
  await waitDone(s.runtime, since, EVENTS, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  log(`${label}: ${EVENTS} runs in ${seconds.toFixed(2)} s`);
  return { runsPerSecond: EVENTS / seconds, seconds };
}

/** Writes one ticket every 1/rate seconds for LATENCY_SECONDS; latency = run finished − record committed. */
async function measureLatency(s: Setup, rate: number, label: string): Promise<{ p50: number; p95: number; count: number }> {
  const since = new Date().toISOString();
  const interval = 1000 / rate;
  const total = Math.round(rate * LATENCY_SECONDS);
  const t0 = performance.now();
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    writes.push(createRecord({ db: s.runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, s.ticket, { title: `${label} ${i}`, priority: 1 }));
  }
  await Promise.all(writes);
  await waitDone(s.runtime, since, total, 120_000);
  // The record's created_at is taken just before its (single-statement) commit; the run's finished_at
  // is written in the same transaction as the action's effect.
  const rows = await sql<{ ms: number }>`
    select extract(epoch from (r.finished_at - t.created_at)) * 1000 as ms
    from peyvand.workflow_runs r join data.ticket t on t.id = r.record_id
    where r.created_at >= ${since}::timestamptz and r.status = 'done'`.execute(s.runtime.database.db);
  const sorted = Float64Array.from(rows.rows.map((r) => Number(r.ms))).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), count: sorted.length };
}

/** The same two writes with raw SQL on the same table: insert the ticket, then update it. */
async function rawBaseline(s: Setup): Promise<number> {
  const pool = new pg.Pool({ connectionString: s.url, max: 16 });
  try {
    const t0 = performance.now();
    let next = 0;
    const loop = async () => {
      for (;;) {
        const i = next++;
        if (i >= EVENTS) return;
        const id = randomUUID();
        await pool.query(
          `insert into data.ticket (id, created_at, updated_at, version, title, priority, _search) values ($1, now(), now(), 1, $2, $3, peyvand.search_text($2))`,
          [id, `raw ${i}`, i % 5],
        );
        await pool.query(`update data.ticket set note = 'handled', version = version + 1, updated_at = now() where id = $1`, [id]);
      }
    };
    await Promise.all(Array.from({ length: 16 }, loop));
    return EVENTS / ((performance.now() - t0) / 1000);
  } finally {
    await pool.end();
  }
}

async function withInProcessJobs<T>(s: Setup, work: () => Promise<T>): Promise<T> {
  const jobs: Jobs = await startJobs({
    database: s.runtime.database,
    model: () => s.runtime.current().model,
    queue: new InProcessQueue({ concurrency: 16 }),
    services: { mailer: null, mailFrom: 'bench@peyvand.local', sms: null, http: DEFAULT_HTTP_POLICY },
    roles: { dispatch: true, execute: true, schedule: true },
    log,
  });
  try {
    return await work();
  } finally {
    await jobs.close();
  }
}

async function withWorkers<T>(s: Setup, work: () => Promise<T>): Promise<T> {
  const prefix = `peyvand-bench-${randomUUID().slice(0, 8)}`;
  const children: ChildProcess[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const child = spawn(process.execPath, [`${ROOT}/bin/peyvand.js`, 'worker'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: s.url, REDIS_URL, PEYVAND_QUEUE_PREFIX: prefix, PEYVAND_WORKER_CONCURRENCY: '16' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        if (c.toString().includes('workflow runs')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`peyvand worker exited with ${String(code)}`)));
    });
  }
  try {
    return await work();
  } finally {
    for (const child of children) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

function conditionRate(s: Setup): { peyvand: number; baseline: number } {
  const source = 'priority >= 2 and (contains(lower(title), "urgent") or days_between(created_at, now()) > 3)';
  const compiled = compileExpression(source, scopeForEntity(s.ticket, {}));
  if (!compiled.ok) throw new Error(compiled.issues.map((i) => i.message).join('; '));
  const records = Array.from({ length: 1000 }, (_, i) => ({ id: randomUUID(), title: i % 7 === 0 ? `Urgent ${i}` : `Ticket ${i}`, priority: i % 5, note: null, created_at: new Date(Date.now() - (i % 10) * 86_400_000).toISOString(), updated_at: null, owner: null, created_by: null, version: 1 }));
  const vars = records.map((r) => varsForRecord(s.ticket, r));
  const n = 200_000;
  let hits = 0;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const result = evaluate(compiled.expression, vars[i % vars.length] as (typeof vars)[number]);
    if (result.ok && isTruthy(result.value)) hits++;
  }
  const peyvand = n / ((performance.now() - t0) / 1000);
  let check = 0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = records[i % records.length] as (typeof records)[number];
    const days = Math.floor((Date.now() - Date.parse(r.created_at)) / 86_400_000);
    if (r.priority >= 2 && (r.title.toLowerCase().includes('urgent') || days > 3)) check++;
  }
  const baseline = n / ((performance.now() - t0) / 1000);
  if (hits !== check) log(`condition results differ: ${hits} vs ${check}`);
  return { peyvand, baseline };
}

async function main(): Promise<void> {
  log(`${EVENTS} events per throughput phase, ${WORKERS} BullMQ worker process(es), latency phases ${LATENCY_SECONDS} s`);
  const s = await setup();
  const raw = await rawBaseline(s);
  log(`raw SQL insert + update: ${int.format(raw)}/s`);

  const skipped = { t: { runsPerSecond: Number.NaN, seconds: 0 }, l: { p50: Number.NaN, p95: Number.NaN, count: 0 } };
  const inProcess = !MODES.has('in-process') ? skipped : await withInProcessJobs(s, async () => {
    await measureThroughput(s, 'warm-up in-process').catch(() => undefined);
    const t = await measureThroughput(s, 'in-process');
    const l = await measureLatency(s, Math.min(500, Math.floor(t.runsPerSecond / 2)), 'latency in-process');
    return { t, l };
  });
  const bull = !MODES.has('bullmq') ? skipped : await withWorkers(s, async () => {
    const t = await measureThroughput(s, 'bullmq');
    const l = await measureLatency(s, Math.min(500, Math.floor(t.runsPerSecond / 2)), 'latency bullmq');
    return { t, l };
  });
  const cond = conditionRate(s);
  await cleanup();

  const out: string[] = [];
  out.push(`**Workflow runs — ${int.format(EVENTS)} events per phase, record.created → condition → update_record, PostgreSQL 15, ${WORKERS} worker process(es) for BullMQ**`, '');
  out.push('| measure | Peyvand | raw-SQL baseline | ratio | notes |', '|---|---|---|---|---|');
  out.push(`| runs/s end to end, in-process | ${int.format(inProcess.t.runsPerSecond)}/s | ${int.format(raw)}/s | ${times(inProcess.t.runsPerSecond, raw)} | baseline: the same insert + update from 16 connections |`);
  out.push(`| runs/s end to end, BullMQ | ${int.format(bull.t.runsPerSecond)}/s | ${int.format(raw)}/s | ${times(bull.t.runsPerSecond, raw)} | \`peyvand worker\` × ${WORKERS} |`);
  out.push(`| commit → done p50 / p95, in-process at ${int.format(Math.min(500, Math.floor(inProcess.t.runsPerSecond / 2)))}/s | ${ms(inProcess.l.p50)} / ${ms(inProcess.l.p95)} | | | ${inProcess.l.count} runs |`);
  out.push(`| commit → done p50 / p95, BullMQ at ${int.format(Math.min(500, Math.floor(bull.t.runsPerSecond / 2)))}/s | ${ms(bull.l.p50)} / ${ms(bull.l.p95)} | | | ${bull.l.count} runs |`);
  out.push(`| condition evaluations/s | ${int.format(cond.peyvand)}/s | ${int.format(cond.baseline)}/s | ${times(cond.peyvand, cond.baseline)} | baseline: the same condition as a hand-written function |`);
  out.push('');
  const aims = [
    { aim: `≥ ${AIM_RUNS_PER_SECOND} runs/s with BullMQ`, met: bull.t.runsPerSecond >= AIM_RUNS_PER_SECOND, measured: `${int.format(bull.t.runsPerSecond)}/s` },
    { aim: `p95 < ${AIM_P95_MS} ms at half that rate (BullMQ)`, met: bull.l.p95 < AIM_P95_MS, measured: ms(bull.l.p95) },
  ];
  for (const a of aims) out.push(`- aim ${a.met ? 'met' : '**missed**'}: ${a.aim} — ${a.measured}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch(async (error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await cleanup();
  process.exit(1);
});
