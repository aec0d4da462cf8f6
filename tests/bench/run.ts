/**
 * `npm run bench`: Peyvand's write and read paths against raw SQL on the same table, same run.
 *
 *   BENCH_ROWS=20000 BENCH_SECONDS=3 npm run bench      # quick
 *   npm run bench > bench.md                             # 1,000,000 rows, 10 s per HTTP phase
 *
 * The web app is measured from SvelteKit's build (build/): it is built first when missing or older
 * than its sources; BENCH_BUILD=0 uses build/ as it is, BENCH_BUILD=1 always builds.
 * BENCH_UI_ONLY=1 stops after the web app's phases.
 *
 * Progress goes to stderr, the markdown table to stdout. A fresh PostgreSQL database is created
 * (tests/support/databases.ts) and dropped at the end, also on failure or Ctrl-C.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import inspector from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 as uuidv7 } from 'uuid';
import { createPostgresDatabase } from '../support/databases.ts';
import { modelOf } from '../support/packs.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import { handleTrpcNode, TRPC_PREFIX } from '../../src/lib/server/api/http.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { createToken } from '../../src/lib/server/auth/tokens.ts';
import { bulkCreate, type RecordContext } from '../../src/lib/server/records/record-service.ts';
import { openDatabase } from '../../src/lib/server/db/database.ts';
import { findEntity, type EntityModel, type JsonValue } from '../../src/lib/model/types.ts';
import { RUNTIME_KEY } from '../../src/lib/server/runtime-global.ts';
import { SESSION_COOKIE } from '../../src/lib/server/session.ts';
import { contact, contactEntity, contactInput, copyCreatedAt, copyId, copyLine, ROW_COLUMNS, rowValues, searchText, STAGES, useSearchWhitespace, type Contact, type RowValue } from './data.ts';
import { runLoops, spread, summarise, type LoopResult, type Summary } from './loops.ts';
import type { HttpJob, HttpJobKind, WorkerReply } from './http-worker.ts';
import { bodyRows, ensureBuild, inlineScriptBytes, linkedIds, loadWebApp, measurePageScripts, snapshotBuild, traceStatements, type BuildMode, type PageScripts, type WebApp } from './ui.ts';

// ---- configuration ---------------------------------------------------------------------------

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

const ROWS = Math.floor(envNumber('BENCH_ROWS', 1_000_000, 1000));
const SECONDS = envNumber('BENCH_SECONDS', 10, 0.5);
const BULK_ROWS = Math.min(100_000, Math.floor(ROWS / 10));
const BATCH = 1000;
const CONCURRENCY = 16;
const WARMUP_MS = 1000;
const MEASURE_MS = SECONDS * 1000;
/** Count bound of every timed loop (the time bound usually ends it first). */
const MAX_OPS = Math.max(10_000, Math.round((SECONDS + 1) * 100_000));
const ADD_FIELD_REPEATS = 5;
const LOOP_STRIDE = 100_000_000;

const LIST_INPUT = {
  filter: { field: 'stage', op: 'eq', value: 'customer' },
  sort: [{ field: 'full_name', direction: 'asc' }],
  limit: 50,
} as const;
/** What listRecords runs for LIST_INPUT (record-service.ts: limit + 1 rows, the id as tie-breaker). */
const LIST_SQL = 'select * from data.contact where stage = $1 order by full_name asc, id asc limit $2';
const LIST_PARAMS = ['customer', LIST_INPUT.limit + 1];
const GET_SQL = 'select * from data.contact where id = $1';

const BUILD_MODE: BuildMode = process.env.BENCH_BUILD === '0' ? 'never' : process.env.BENCH_BUILD === '1' ? 'always' : 'auto';
/** The list page's page size (src/routes/e/[entity]/+page.server.ts). */
const PAGE_SIZE = 50;
const UI_CONCURRENCY = [1, 4] as const;
/** The list page's aim: p95 under this, at every UI_CONCURRENCY. */
const PAGE_P95_AIM_MS = 50;
const LIST_JS_AIM_KB = 150;
/** Sequential page requests whose SQL statements are timed, per view. */
const TRACED_REQUESTS = 20;
/** The list page's two views, each with the same list through the API and in raw SQL. */
const UI_VIEWS = [
  {
    label: '/e/contact (default sort)',
    path: '/e/contact',
    input: { limit: PAGE_SIZE },
    sql: 'select * from data.contact order by full_name asc, id asc limit $1',
    params: [PAGE_SIZE + 1] as unknown[],
  },
  {
    label: '/e/contact?ff=stage&fo=eq&fv=customer&sort=full_name:asc',
    path: '/e/contact?ff=stage&fo=eq&fv=customer&sort=full_name:asc',
    input: LIST_INPUT,
    sql: LIST_SQL,
    params: LIST_PARAMS as unknown[],
  },
] as const;

// ---- output ----------------------------------------------------------------------------------

const started = performance.now();
function log(message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rate = (n: number, unit: string) => `${int.format(n)} ${unit}/s`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : n >= 100 ? `${int.format(n)} ms` : `${n.toFixed(n >= 10 ? 1 : 2)} ms`);
const times = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');

interface Row {
  readonly measure: string;
  readonly peyvand: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly notes: string;
}
const rows: Row[] = [];
function row(measure: string, peyvand: string, baseline: string, ratio: string, notes = ''): void {
  rows.push({ measure, peyvand, baseline, ratio, notes });
}

interface AimCheck {
  readonly aim: string;
  readonly met: boolean;
  readonly measured: string;
}
const aims: AimCheck[] = [];
function aim(text: string, met: boolean, measured: string): void {
  aims.push({ aim: text, met, measured });
  log(`aim ${met ? 'met' : 'MISSED'}: ${text} — ${measured}`);
}

const notes: string[] = [];

// ---- cleanup ---------------------------------------------------------------------------------

const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
      try {
        await fn();
      } catch (error) {
        log(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}
// A crash (e.g. an unhandled 'error' event) still drops the database.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    log(`${event}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void cleanup().finally(() => process.exit(1));
  });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- helpers ---------------------------------------------------------------------------------

const COLUMN_LIST = ROW_COLUMNS.join(', ');

function placeholders(rowCount: number, width: number): string {
  const out: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const base = r * width;
    out.push(`(${Array.from({ length: width }, (_, c) => `$${base + c + 1}`).join(', ')})`);
  }
  return out.join(', ');
}

/** COPY `count` rows into data.`table`; returns the elapsed ms. */
async function copyRows(pool: pg.Pool, table: string, count: number, line: (i: number) => string, label: string): Promise<number> {
  const client = await pool.connect();
  try {
    const step = Math.max(BATCH, Math.round(count / 10 / BATCH) * BATCH);
    function* chunks(): Generator<string> {
      for (let start = 0; start < count; start += BATCH) {
        let text = '';
        const end = Math.min(count, start + BATCH);
        for (let i = start; i < end; i++) text += line(i);
        if (start > 0 && start % step === 0) log(`${label}: ${int.format(start)} / ${int.format(count)} rows`);
        yield text;
      }
    }
    const t0 = performance.now();
    await pipeline(Readable.from(chunks()), client.query(copyFrom(`copy data.${table} (${COLUMN_LIST}) from stdin`)));
    return performance.now() - t0;
  } finally {
    client.release();
  }
}

function auditChanges(c: Contact): Record<string, { old: null; new: JsonValue }> {
  const out: Record<string, { old: null; new: JsonValue }> = {};
  for (const [key, value] of Object.entries(c) as [string, JsonValue][]) if (value !== null) out[key] = { old: null, new: value };
  return out;
}

function runHttp(job: HttpJob): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-worker.ts', import.meta.url), { workerData: job });
    const stop = async () => {
      await worker.terminate();
    };
    cleanups.push(stop);
    const done = () => {
      const at = cleanups.indexOf(stop);
      if (at >= 0) cleanups.splice(at, 1);
    };
    worker.once('message', (reply: WorkerReply) => {
      done();
      if (reply.ok) resolve(reply.result);
      else reject(new Error(`load worker failed: ${reply.message}`));
    });
    worker.once('error', (error) => {
      done();
      reject(error);
    });
    worker.once('exit', (code) => {
      done();
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`));
    });
  });
}

/**
 * BENCH_CPU_PROFILE=<folder>: the server side (this thread) of each HTTP phase is profiled with
 * the inspector and written to <folder>/<phase>.cpuprofile (open it in Chrome DevTools).
 */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE || null;

async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return run();
  const session = new inspector.Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await run();
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    const file = join(PROFILE_DIR, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`CPU profile: ${file}`);
    return result;
  } finally {
    session.disconnect();
  }
}

function checkErrors(label: string, s: Summary): void {
  if (s.errors > 0) {
    log(`${label}: ${s.errors} errors; first: ${s.firstError ?? '?'}`);
    if (s.count === 0) throw new Error(`${label}: every request failed: ${s.firstError ?? '?'}`);
    notes.push(`${label}: ${s.errors} failed requests (first: ${s.firstError ?? '?'})`);
  }
}

function describe(label: string, s: Summary, unit: string): string {
  return `${label}: ${rate(s.perSecond, unit)}, p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)} (${int.format(s.count)} samples)`;
}

interface HttpServer {
  readonly port: number;
  readonly base: string;
  stop(): Promise<void>;
}

/** As `peyvand serve`: /trpc to the API, everything else to the web app (when given). */
async function startHttpServer(runtime: Runtime, web: WebApp | null): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').startsWith(TRPC_PREFIX)) {
      handleTrpcNode(runtime, req, res).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (web) {
      web.serve(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

function entityOf(runtime: Runtime, name: string): EntityModel {
  const found = findEntity(runtime.current().model, name);
  if (!found) throw new Error(`entity ${name} is not in the live model`);
  return found;
}

// ---- the benchmark ---------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`BENCH_ROWS=${int.format(ROWS)} BENCH_SECONDS=${SECONDS} (bulk ${int.format(BULK_ROWS)} rows, concurrency ${CONCURRENCY}, warm-up ${WARMUP_MS} ms)`);
  const build = ensureBuild(BUILD_MODE, log);
  const snapshot = snapshotBuild();
  cleanups.push(async () => snapshot.remove());
  log(`web app: serving a copy of build/ (${snapshot.dir})`);
  notes.push(
    `Web app: build/ of ${build.builtAt.toISOString()}` +
      (build.rebuilt ? ` (built by this run: ${build.rebuilt})` : build.newerSources.length > 0 ? `, **older than ${build.newerSources.length} source files** (BENCH_BUILD=0): ${build.newerSources.slice(0, 5).join(', ')}` : ', up to date with src/'),
  );
  const created = await createPostgresDatabase('peyvand_bench');
  cleanups.push(async () => {
    log('dropping the benchmark database');
    await created.drop();
  });
  log(`database ${new URL(created.url).pathname.slice(1)}`);

  // -- schema, user, token
  const runtime = await startRuntime({ url: created.url });
  // As `peyvand serve`: the web app's hooks take this runtime instead of starting their own.
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = runtime;
  const stopRuntime = async () => {
    delete (globalThis as Record<symbol, unknown>)[RUNTIME_KEY];
    await runtime.close();
  };
  cleanups.push(stopRuntime);
  const v1 = modelOf([contactEntity('contact'), contactEntity('contact_small')]);
  const applied = await applyModel(runtime.database, { model: v1, source: 'bench', actorId: null });
  if (applied.status !== 'applied') throw new Error(`applyModel: ${applied.status}`);
  await runtime.refresh();
  const entity = entityOf(runtime, 'contact');
  const user = await createUser(runtime.database.db, { email: 'bench@peyvand.local', name: 'Bench', password: 'bench-password-not-secret', isAdmin: true });
  if (!user.ok) throw new Error(`createUser: ${user.error.message}`);
  const actorId = user.user.id;
  const { token } = await createToken(runtime.database.db, { userId: actorId, name: 'bench', kind: 'api' });

  const pool = new pg.Pool({ connectionString: created.url, max: CONCURRENCY });
  pool.on('error', () => undefined);
  cleanups.push(() => pool.end());
  await probeSearchText(pool);
  const serverInfo = await pool.query<{ version: string; shared_buffers: string; indexes: string }>(
    `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
            (select string_agg(indexname, ', ' order by indexname) from pg_indexes where schemaname = 'data' and tablename = 'contact') as indexes`,
  );
  const info = serverInfo.rows[0];
  notes.push(
    `PostgreSQL ${info?.version ?? '?'} (shared_buffers ${info?.shared_buffers ?? '?'}), Node ${process.version}, ${os.cpus().length} cores; ` +
      `data.contact indexes: ${info?.indexes ?? '?'}`,
  );

  // -- fill with COPY
  log(`COPY ${int.format(ROWS)} contacts`);
  const copyMs = await copyRows(pool, 'contact', ROWS, (i) => copyLine(rowValues(copyId(i), copyCreatedAt(i), actorId, contact(i, 'c'))), 'COPY');
  const copyRate = (ROWS * 1000) / copyMs;
  log(`COPY: ${rate(copyRate, 'rows')} (${ms(copyMs)})`);
  const vacuumStart = performance.now();
  await pool.query('vacuum (analyze) data.contact');
  const vacuumMs = performance.now() - vacuumStart;
  log(`vacuum analyze: ${ms(vacuumMs)}`);
  const mismatched = await pool.query<{ n: string; stored: string | null; expected: string | null }>(
    `select count(*) over () as n, _search as stored, peyvand.search_text(concat_ws(' ', full_name, email, phone, city, notes)) as expected
     from (select * from data.contact order by id limit 20000) c
     where _search is distinct from peyvand.search_text(concat_ws(' ', full_name, email, phone, city, notes))
     limit 1`,
  );
  const wrong = mismatched.rows[0];
  if (wrong) throw new Error(`COPY rows: ${wrong.n} of the first 20,000 have a _search other than peyvand.search_text's, e.g. ${JSON.stringify(wrong.stored)} instead of ${JSON.stringify(wrong.expected)}`);
  row(`Fill: COPY ${int.format(ROWS)} rows (pg-copy-streams)`, '—', rate(copyRate, 'rows'), '—', `${ms(copyMs)}; baseline for all writes; then vacuum analyze ${ms(vacuumMs)}`);

  // -- the web app, while data.contact holds exactly the ROWS COPY rows
  const web = await loadWebApp(snapshot.dir);
  await uiPhase(runtime, pool, web, actorId, token);
  if (process.env.BENCH_UI_ONLY === '1') {
    notes.push('BENCH_UI_ONLY=1: only the fill and the web app were measured.');
    return;
  }

  // -- bulk writes
  log(`bulkCreate ${int.format(BULK_ROWS)} rows in batches of ${BATCH}`);
  const ctx: RecordContext = { db: runtime.database.db, actorId, access: SYSTEM_ACCESS };
  let bulkMs = 0;
  await profiled('bulk-create', async () => {
    for (let start = 0; start < BULK_ROWS; start += BATCH) {
      const inputs = Array.from({ length: Math.min(BATCH, BULK_ROWS - start) }, (_, k) => contactInput(start + k, 'b'));
      const t0 = performance.now();
      const result = await bulkCreate(ctx, entity, inputs);
      bulkMs += performance.now() - t0;
      if (!result.ok) throw new Error(`bulkCreate: ${result.error.message}`);
      if (result.value.ids.length !== inputs.length) throw new Error(`bulkCreate wrote ${result.value.ids.length} of ${inputs.length}`);
    }
  });
  const bulkRate = (BULK_ROWS * 1000) / bulkMs;
  log(`bulkCreate: ${rate(bulkRate, 'rows')}`);

  log(`raw multi-row INSERT ${int.format(BULK_ROWS)} rows`);
  let multiMs = 0;
  for (let start = 0; start < BULK_ROWS; start += BATCH) {
    const n = Math.min(BATCH, BULK_ROWS - start);
    const contacts = Array.from({ length: n }, (_, k) => contact(start + k, 'm'));
    const t0 = performance.now();
    const now = new Date().toISOString();
    const params = contacts.flatMap((c) => rowValues(uuidv7(), now, actorId, c));
    await pool.query(`insert into data.contact (${COLUMN_LIST}) values ${placeholders(n, ROW_COLUMNS.length)}`, params);
    multiMs += performance.now() - t0;
  }
  const multiRate = (BULK_ROWS * 1000) / multiMs;
  log(`raw multi-row INSERT: ${rate(multiRate, 'rows')}`);

  log(`raw multi-row INSERT + audit + outbox rows ${int.format(BULK_ROWS)} rows`);
  let multiAuditMs = 0;
  {
    const client = await pool.connect();
    try {
      for (let start = 0; start < BULK_ROWS; start += BATCH) {
        const n = Math.min(BATCH, BULK_ROWS - start);
        const contacts = Array.from({ length: n }, (_, k) => contact(start + k, 'a'));
        const t0 = performance.now();
        const now = new Date().toISOString();
        const ids = contacts.map(() => uuidv7());
        const params = contacts.flatMap((c, k) => rowValues(ids[k] ?? '', now, actorId, c));
        const audit: RowValue[] = [now, actorId];
        const outbox: RowValue[] = [now, actorId];
        contacts.forEach((c, k) => {
          audit.push(ids[k] ?? '', JSON.stringify(auditChanges(c)));
          outbox.push(ids[k] ?? '', JSON.stringify({ entity: 'contact', id: ids[k], values: c }));
        });
        const pairs = (first: (p: number) => string) => Array.from({ length: n }, (_, k) => first(3 + k * 2)).join(', ');
        await client.query('begin');
        await client.query(`insert into data.contact (${COLUMN_LIST}) values ${placeholders(n, ROW_COLUMNS.length)}`, params);
        await client.query(`insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes) values ${pairs((p) => `($1, $2, 'contact', $${p}, 'create', $${p + 1})`)}`, audit);
        await client.query(`insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload) values ${pairs((p) => `($1, 'record.created', 'contact', $${p}, $2, $${p + 1})`)}`, outbox);
        await client.query('commit');
        multiAuditMs += performance.now() - t0;
      }
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  const multiAuditRate = (BULK_ROWS * 1000) / multiAuditMs;
  log(`raw multi-row INSERT + audit + outbox: ${rate(multiAuditRate, 'rows')}`);

  log(`COPY ${int.format(BULK_ROWS)} rows into the filled table`);
  const copyNow = new Date().toISOString();
  const copy2Ms = await copyRows(pool, 'contact', BULK_ROWS, (i) => copyLine(rowValues(uuidv7(), copyNow, actorId, contact(i, 'y'))), 'COPY (bulk size)');
  const copy2Rate = (BULK_ROWS * 1000) / copy2Ms;
  log(`COPY (bulk size): ${rate(copy2Rate, 'rows')}`);

  const bulkNote = `${int.format(BULK_ROWS)} rows, batches of ${BATCH}, one caller; bulkCreate also writes 1 audit row + 1 outbox event per record`;
  row('bulkCreate (records service) vs raw multi-row INSERT', rate(bulkRate, 'rows'), rate(multiRate, 'rows'), times(bulkRate, multiRate), bulkNote);
  row('bulkCreate vs raw multi-row INSERT + audit + outbox rows (1 tx)', rate(bulkRate, 'rows'), rate(multiAuditRate, 'rows'), times(bulkRate, multiAuditRate), 'same write amplification as Peyvand');
  row('bulkCreate vs COPY (same row count, same table)', rate(bulkRate, 'rows'), rate(copy2Rate, 'rows'), times(bulkRate, copy2Rate), `fill COPY: ${rate(copyRate, 'rows')}`);
  aim('bulkCreate ≥ 10,000 rows/s', bulkRate >= 10_000, rate(bulkRate, 'rows'));

  // -- HTTP
  const httpServer = await startHttpServer(runtime, web);
  const stopServer = httpServer.stop;
  cleanups.push(stopServer);
  const { port, base } = httpServer;
  log(`HTTP server on ${base}`);
  await sanityCheck(base, token, pool);

  const job = (kind: HttpJobKind, concurrency: number, series: string): HttpJob => ({
    kind,
    host: '127.0.0.1',
    port,
    token,
    concurrency,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    maxCount: MAX_OPS,
    idSpace: ROWS,
    series,
    listInput: LIST_INPUT,
  });
  const loops = (concurrency: number) => ({ concurrency, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, maxCount: MAX_OPS });

  // create
  log(`HTTP create × ${CONCURRENCY} for ${SECONDS} s`);
  const httpCreate = summarise(await profiled('http-create', () => runHttp(job('create', CONCURRENCY, 'h'))));
  checkErrors('HTTP create', httpCreate);
  log(describe('HTTP create', httpCreate, 'records'));

  const insertOne = `insert into data.contact (${COLUMN_LIST}) values ${placeholders(1, ROW_COLUMNS.length)}`;
  log(`raw single-row INSERT × ${CONCURRENCY} for ${SECONDS} s`);
  const rawCreate = summarise(
    await runLoops(loops(CONCURRENCY), async (loop, seq) => {
      await pool.query(insertOne, rowValues(uuidv7(), new Date().toISOString(), actorId, contact(loop * LOOP_STRIDE + seq, 's')));
    }),
  );
  checkErrors('raw INSERT', rawCreate);
  log(describe('raw INSERT', rawCreate, 'rows'));

  const n = ROW_COLUMNS.length;
  const insertOneAudited = `with r as (insert into data.contact (${COLUMN_LIST}) values ${placeholders(1, n)} returning id),
    a as (insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes) select $2::timestamptz, $4::uuid, 'contact', r.id, 'create', $${n + 1}::jsonb from r),
    o as (insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload) select $2::timestamptz, 'record.created', 'contact', r.id, $4::uuid, $${n + 2}::jsonb from r)
    select id from r`;
  log(`raw single-row INSERT + audit + outbox × ${CONCURRENCY} for ${SECONDS} s`);
  const rawCreateAudited = summarise(
    await runLoops(loops(CONCURRENCY), async (loop, seq) => {
      const c = contact(loop * LOOP_STRIDE + seq, 't');
      const id = uuidv7();
      await pool.query(insertOneAudited, [...rowValues(id, new Date().toISOString(), actorId, c), JSON.stringify(auditChanges(c)), JSON.stringify({ entity: 'contact', id, values: c })]);
    }),
  );
  checkErrors('raw INSERT + audit + outbox', rawCreateAudited);
  log(describe('raw INSERT + audit + outbox', rawCreateAudited, 'rows'));

  const createNote = 'each Peyvand create also writes 1 audit row + 1 outbox event (in the same statement) and authenticates the bearer token';
  row(`Create over HTTP × ${CONCURRENCY} vs raw single-row INSERT × ${CONCURRENCY}`, rate(httpCreate.perSecond, 'records'), rate(rawCreate.perSecond, 'rows'), times(httpCreate.perSecond, rawCreate.perSecond), createNote);
  row('Create p50', ms(httpCreate.p50), ms(rawCreate.p50), times(httpCreate.p50, rawCreate.p50));
  row('Create p95', ms(httpCreate.p95), ms(rawCreate.p95), times(httpCreate.p95, rawCreate.p95));
  row(
    `Create over HTTP vs raw INSERT + audit + outbox (1 statement) × ${CONCURRENCY}`,
    rate(httpCreate.perSecond, 'records'),
    rate(rawCreateAudited.perSecond, 'rows'),
    times(httpCreate.perSecond, rawCreateAudited.perSecond),
    `raw p50 ${ms(rawCreateAudited.p50)}, p95 ${ms(rawCreateAudited.p95)}`,
  );
  aim('creates ≥ 1,500/s with p95 < 20 ms (HTTP, × 16)', httpCreate.perSecond >= 1500 && httpCreate.p95 < 20, `${rate(httpCreate.perSecond, 'records')}, p95 ${ms(httpCreate.p95)}`);

  // get by id
  const readPhase = async (kind: 'get' | 'list', concurrency: number) => {
    log(`HTTP ${kind} × ${concurrency} for ${SECONDS} s`);
    const http = summarise(await profiled(`http-${kind}-${concurrency}`, () => runHttp(job(kind, concurrency, ''))));
    checkErrors(`HTTP ${kind} × ${concurrency}`, http);
    log(describe(`HTTP ${kind} × ${concurrency}`, http, 'req'));
    log(`raw ${kind} × ${concurrency} for ${SECONDS} s`);
    const raw = summarise(
      await runLoops(loops(concurrency), async (loop, seq) => {
        const result = kind === 'get' ? await pool.query(GET_SQL, [copyId(spread(loop, seq, ROWS))]) : await pool.query(LIST_SQL, LIST_PARAMS);
        if (result.rows.length === 0) throw new Error(`raw ${kind}: no rows`);
      }),
    );
    checkErrors(`raw ${kind} × ${concurrency}`, raw);
    log(describe(`raw ${kind} × ${concurrency}`, raw, 'req'));
    return { http, raw };
  };

  const get16 = await readPhase('get', CONCURRENCY);
  const get1 = await readPhase('get', 1);
  const getNote = `random ids among the ${int.format(ROWS)} COPY rows; raw: \`${GET_SQL}\``;
  row(`Get by id over HTTP × ${CONCURRENCY} vs raw SELECT × ${CONCURRENCY}`, rate(get16.http.perSecond, 'req'), rate(get16.raw.perSecond, 'req'), times(get16.http.perSecond, get16.raw.perSecond), getNote);
  row(`Get p50 × ${CONCURRENCY}`, ms(get16.http.p50), ms(get16.raw.p50), times(get16.http.p50, get16.raw.p50));
  row(`Get p95 × ${CONCURRENCY}`, ms(get16.http.p95), ms(get16.raw.p95), times(get16.http.p95, get16.raw.p95));
  row('Get p50 × 1 (unloaded)', ms(get1.http.p50), ms(get1.raw.p50), times(get1.http.p50, get1.raw.p50), `× 1: ${rate(get1.http.perSecond, 'req')} vs ${rate(get1.raw.perSecond, 'req')}`);
  row('Get p95 × 1 (unloaded)', ms(get1.http.p95), ms(get1.raw.p95), times(get1.http.p95, get1.raw.p95));
  aim('reads by id ≥ 4,000/s (HTTP, × 16)', get16.http.perSecond >= 4000, rate(get16.http.perSecond, 'req'));
  aim(
    'get latency within 2× of raw SQL (p50 and p95, × 16)',
    get16.http.p50 <= 2 * get16.raw.p50 && get16.http.p95 <= 2 * get16.raw.p95,
    `p50 ${times(get16.http.p50, get16.raw.p50)}, p95 ${times(get16.http.p95, get16.raw.p95)}; unloaded (× 1): p50 ${times(get1.http.p50, get1.raw.p50)}, p95 ${times(get1.http.p95, get1.raw.p95)}`,
  );

  const list16 = await readPhase('list', CONCURRENCY);
  const list1 = await readPhase('list', 1);
  const listNote = `filter stage = 'customer' (1 in ${STAGES.length}), sort full_name asc, limit 50; raw: \`${LIST_SQL}\` (the SQL listRecords runs)`;
  row(`List over HTTP × ${CONCURRENCY} vs the same SQL × ${CONCURRENCY}`, rate(list16.http.perSecond, 'req'), rate(list16.raw.perSecond, 'req'), times(list16.http.perSecond, list16.raw.perSecond), listNote);
  row(`List p50 × ${CONCURRENCY}`, ms(list16.http.p50), ms(list16.raw.p50), times(list16.http.p50, list16.raw.p50));
  row(`List p95 × ${CONCURRENCY}`, ms(list16.http.p95), ms(list16.raw.p95), times(list16.http.p95, list16.raw.p95));
  row('List p50 × 1 (unloaded)', ms(list1.http.p50), ms(list1.raw.p50), times(list1.http.p50, list1.raw.p50), `× 1: ${rate(list1.http.perSecond, 'req')} vs ${rate(list1.raw.perSecond, 'req')}`);
  row('List p95 × 1 (unloaded)', ms(list1.http.p95), ms(list1.raw.p95), times(list1.http.p95, list1.raw.p95));
  aim(
    'list latency within 2× of raw SQL (p50 and p95, × 16)',
    list16.http.p50 <= 2 * list16.raw.p50 && list16.http.p95 <= 2 * list16.raw.p95,
    `p50 ${times(list16.http.p50, list16.raw.p50)}, p95 ${times(list16.http.p95, list16.raw.p95)}; unloaded (× 1): p50 ${times(list1.http.p50, list1.raw.p50)}, p95 ${times(list1.http.p95, list1.raw.p95)}`,
  );

  await stopServer();
  cleanups.splice(cleanups.indexOf(stopServer), 1);
  await stopRuntime();
  cleanups.splice(cleanups.indexOf(stopRuntime), 1);

  // -- add a nullable field
  await addFieldPhase(created.url, pool);
}

/** Makes data.ts compute `_search` exactly as the deployed peyvand.search_text does. */
async function probeSearchText(pool: pg.Pool): Promise<void> {
  const probe = '  Sassy\tTESTS  ۱۲ كتاب ';
  const result = await pool.query<{ v: string | null }>('select peyvand.search_text($1) as v', [probe]);
  const deployed = result.rows[0]?.v ?? null;
  useSearchWhitespace(/\s+/g);
  if (searchText(probe) === deployed) return;
  useSearchWhitespace(/s+/g);
  if (searchText(probe) === deployed) {
    log('peyvand.search_text replaces runs of the letter "s" instead of whitespace: reproducing it for the COPY and raw rows');
    notes.push(
      'BUG: peyvand.search_text replaces runs of the letter "s" with a space and never collapses whitespace ' +
        `(search_text(${JSON.stringify(probe)}) = ${JSON.stringify(deployed)}): in migrations/0001-system-tables.ts:33 the regex \`'\\s+'\` sits in a ` +
        "JS template literal, which cooks it to `'s+'`. The COPY and raw rows reproduce that behaviour so they match Peyvand's own writes.",
    );
    return;
  }
  throw new Error(`cannot reproduce peyvand.search_text: ${JSON.stringify(probe)} → ${JSON.stringify(deployed)}`);
}

/** One GET and one list through HTTP, compared with the generated data and with raw SQL. */
async function sanityCheck(base: string, token: string, pool: pg.Pool): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const i = 7;
  const got = await fetch(`${base}/trpc/entities.contact.get?input=${encodeURIComponent(JSON.stringify({ id: copyId(i) }))}`, { headers });
  const body = (await got.json()) as { result?: { data?: Record<string, unknown> } };
  const record = body.result?.data;
  if (got.status !== 200 || !record) throw new Error(`sanity get: HTTP ${got.status} ${JSON.stringify(body).slice(0, 300)}`);
  for (const [key, value] of Object.entries(contact(i, 'c'))) {
    if (JSON.stringify(record[key] ?? null) !== JSON.stringify(value)) throw new Error(`sanity get: ${key} is ${JSON.stringify(record[key])}, expected ${JSON.stringify(value)}`);
  }
  const listed = await fetch(`${base}/trpc/entities.contact.list?input=${encodeURIComponent(JSON.stringify(LIST_INPUT))}`, { headers });
  const list = (await listed.json()) as { result?: { data?: { items?: { id: string }[] } } };
  const ids = list.result?.data?.items?.map((r) => r.id) ?? [];
  const raw = await pool.query<{ id: string }>(LIST_SQL, LIST_PARAMS);
  const rawIds = raw.rows.slice(0, LIST_INPUT.limit).map((r) => r.id);
  if (listed.status !== 200 || ids.length !== LIST_INPUT.limit || JSON.stringify(ids) !== JSON.stringify(rawIds)) {
    throw new Error(`sanity list: HTTP ${listed.status}, ${ids.length} items; the ids differ from the raw SQL's`);
  }
  const plan = await pool.query<{ 'QUERY PLAN': string }>(`explain ${LIST_SQL.replace('$1', `'customer'`).replace('$2', String(LIST_INPUT.limit + 1))}`);
  notes.push(`list plan: ${plan.rows.map((r) => r['QUERY PLAN'].trim()).join(' / ')}`);
  log('sanity checks passed (get matches the generated row, list matches the raw SQL)');
}

/**
 * The generated UI while data.contact holds the ROWS COPY rows: the list page rendered on the server
 * (two views, × 1 and × 4) beside the same list through the API and in raw SQL, with the SQL a page
 * request runs; then the JavaScript the list and the record form pages load.
 */
async function uiPhase(runtime: Runtime, pool: pg.Pool, web: WebApp, actorId: string, apiToken: string): Promise<void> {
  const { token: session } = await createToken(runtime.database.db, { userId: actorId, name: 'bench session', kind: 'session' });
  const cookie = { cookie: `${SESSION_COOKIE}=${session}` };
  const bearer = { authorization: `Bearer ${apiToken}` };
  const server = await startHttpServer(runtime, web);
  cleanups.push(server.stop);
  log(`HTTP server with the web app on ${server.base}`);
  const apiPath = (input: unknown) => `/trpc/entities.contact.list?input=${encodeURIComponent(JSON.stringify(input))}`;
  const getPage = async (path: string, headers: Record<string, string>): Promise<string> => {
    const response = await fetch(`${server.base}${path}`, { headers, redirect: 'manual' });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}${response.headers.get('location') ? ` → ${response.headers.get('location') ?? ''}` : ''} ${text.slice(0, 300)}`);
    return text;
  };
  const pathJob = (path: string, headers: Record<string, string>, concurrency: number): HttpJob => ({
    kind: 'path',
    host: '127.0.0.1',
    port: server.port,
    token: '',
    concurrency,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    maxCount: MAX_OPS,
    idSpace: ROWS,
    series: '',
    listInput: null,
    path,
    headers,
  });

  try {
    // -- what the page renders: 50 rows, the same records as the API and the raw SQL
    const htmlSizes: string[] = [];
    for (const view of UI_VIEWS) {
      const raw = await pool.query<{ id: string }>(view.sql, view.params);
      const rawIds = raw.rows.slice(0, PAGE_SIZE).map((r) => r.id);
      const html = await getPage(view.path, cookie);
      const rendered = bodyRows(html);
      if (rendered.length !== PAGE_SIZE) throw new Error(`GET ${view.path} rendered ${rendered.length} rows in <tbody>, expected ${PAGE_SIZE}`);
      const ids = linkedIds(rendered, 'contact');
      if (JSON.stringify(ids) !== JSON.stringify(rawIds)) throw new Error(`GET ${view.path}: the rendered rows are not the raw SQL's (first ${ids[0] ?? '?'}, expected ${rawIds[0] ?? '?'})`);
      const listed = await fetch(`${server.base}${apiPath(view.input)}`, { headers: bearer });
      const body = (await listed.json()) as { result?: { data?: { items?: { id: string }[] } } };
      const apiIds = body.result?.data?.items?.map((r) => r.id) ?? [];
      if (listed.status !== 200 || JSON.stringify(apiIds) !== JSON.stringify(rawIds)) throw new Error(`API list for ${view.path}: HTTP ${listed.status}, ${apiIds.length} items, not the raw SQL's`);
      const tbody = rendered.reduce((n, r) => n + Buffer.byteLength(r), 0);
      const sizes = `${kb(Buffer.byteLength(html))}, of which ${kb(tbody)} the table body and ${kb(inlineScriptBytes(html))} inline script (the data it hydrates from)`;
      htmlSizes.push(`${view.path} ${sizes}`);
      log(`${view.path}: ${rendered.length} rows rendered (HTML ${sizes}), the same records as the API's and the raw SQL's`);
    }

    // -- which SQL a page request runs (sequential requests, statements timed at the pg client)
    for (const view of UI_VIEWS) {
      for (let i = 0; i < 5; i++) await getPage(view.path, cookie);
      const tracer = traceStatements();
      const t0 = performance.now();
      try {
        for (let i = 0; i < TRACED_REQUESTS; i++) await getPage(view.path, cookie);
      } finally {
        const pageMs = (performance.now() - t0) / TRACED_REQUESTS;
        const stats = tracer.stop();
        const sqlMs = stats.reduce((n, st) => n + st.totalMs, 0) / TRACED_REQUESTS;
        const parts = stats.slice(0, 4).map((st) => {
          const text = st.sql.length > 110 ? `${st.sql.slice(0, 110)}…` : st.sql;
          return `${ms(st.totalMs / TRACED_REQUESTS)} \`${text}\`${st.count !== TRACED_REQUESTS ? ` (${st.count}× in ${TRACED_REQUESTS} requests)` : ''}`;
        });
        let plan = '';
        const slowest = stats[0];
        if (slowest && /^select\b/i.test(slowest.sql)) {
          const explained = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze) ${slowest.sql}`, slowest.params ? [...slowest.params] : []);
          const lines = explained.rows.map((r) => r['QUERY PLAN']);
          const nodes = lines.filter((l, i) => i === 0 || l.includes('->')).map((l) => l.trim().replace(/^-> +/, '').replace(/ +\(cost=[^)]*\)/, ''));
          const execution = lines.find((l) => l.startsWith('Execution Time')) ?? '';
          plan = `; its plan: ${nodes.slice(0, 6).join(' / ')} — ${execution}`;
        }
        const summary =
          `GET ${view.path} (× 1, ${TRACED_REQUESTS} requests from this thread, statements timed at the pg client): ${ms(pageMs)} a page on average, ` +
          `of which SQL ${ms(sqlMs)} (${pageMs > 0 ? Math.round((100 * sqlMs) / pageMs) : 0}%); per page: ${parts.join('; ') || 'no statement'}${plan}`;
        notes.push(summary);
        log(summary);
      }
    }

    // -- latency: the page, the same list through the API, the list SQL
    for (const view of UI_VIEWS) {
      const results: { c: number; page: Summary; api: Summary; raw: Summary }[] = [];
      for (const c of UI_CONCURRENCY) {
        log(`GET ${view.path} × ${c} for ${SECONDS} s`);
        const page = summarise(await profiled(`page-${UI_VIEWS.indexOf(view)}-${c}`, () => runHttp(pathJob(view.path, cookie, c))));
        checkErrors(`page ${view.path} × ${c}`, page);
        log(describe(`page × ${c}`, page, 'req'));
        log(`API list (the same list) × ${c} for ${SECONDS} s`);
        const api = summarise(await runHttp(pathJob(apiPath(view.input), bearer, c)));
        checkErrors(`API list for ${view.path} × ${c}`, api);
        log(describe(`API list × ${c}`, api, 'req'));
        log(`raw list SQL × ${c} for ${SECONDS} s`);
        const raw = summarise(
          await runLoops({ concurrency: c, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, maxCount: MAX_OPS }, async () => {
            const result = await pool.query(view.sql, view.params);
            if (result.rows.length === 0) throw new Error('raw list: no rows');
          }),
        );
        checkErrors(`raw list for ${view.path} × ${c}`, raw);
        log(describe(`raw list × ${c}`, raw, 'req'));
        results.push({ c, page, api, raw });
      }
      for (const { c, page, api, raw } of results) {
        row(`List page ${view.label}: p50 × ${c}`, ms(page.p50), ms(raw.p50), times(page.p50, raw.p50), `API list p50 ${ms(api.p50)}; page ${rate(page.perSecond, 'req')}, API ${rate(api.perSecond, 'req')}`);
        row(`List page ${view.label}: p95 × ${c}`, ms(page.p95), ms(raw.p95), times(page.p95, raw.p95), `API list p95 ${ms(api.p95)}`);
      }
      aim(
        `list page ${view.label} server render p95 < ${PAGE_P95_AIM_MS} ms (× ${UI_CONCURRENCY.join(' and × ')})`,
        results.every((r) => r.page.p95 < PAGE_P95_AIM_MS),
        results.map((r) => `× ${r.c}: p95 ${ms(r.page.p95)} (API ${ms(r.api.p95)}, SQL ${ms(r.raw.p95)})`).join('; '),
      );
    }
    notes.push(
      `List page: GET with the \`${SESSION_COOKIE}\` cookie of an admin (a session token), served by build/handler.js in this process as \`peyvand serve\` serves it; ` +
        `its ${PAGE_SIZE} rendered rows were checked against the raw SQL's once. Baseline: the list SQL alone (\`${UI_VIEWS[0].sql}\` / \`${UI_VIEWS[1].sql}\`, no count); ` +
        `API: GET /trpc/entities.contact.list with limit ${PAGE_SIZE}, no total, bearer token. HTML: ${htmlSizes.join(', ')}.`,
    );

    // -- JavaScript the pages load
    const pages: PageScripts[] = [];
    for (const [path, headers] of [['/signin', {}], ['/e/contact', cookie], ['/e/contact/new', cookie]] as const) {
      const measured = await measurePageScripts(server.base, path, headers);
      pages.push(measured);
      log(`${path}: ${measured.scripts.length} scripts, ${kb(measured.gzip)} gzipped, ${kb(measured.raw)} raw${measured.unlisted > 0 ? ` (${measured.unlisted} not preloaded)` : ''}`);
      for (const script of measured.scripts) log(`  ${kb(script.gzip).padStart(9)} gz ${kb(script.raw).padStart(9)} raw  ${script.url}  (${script.name})${script.listed ? '' : ' — not preloaded'}`);
    }
    const [signin, list, form] = pages as [PageScripts, PageScripts, PageScripts];
    const largest = (p: PageScripts) =>
      p.scripts
        .slice(0, 3)
        .map((s) => `${s.url.replace(/^\/_app\/immutable\//, '')} (${s.name}) ${kb(s.gzip)} / ${kb(s.raw)}`)
        .join(', ');
    const extra = (p: PageScripts) => (p.unlisted > 0 ? `; ${p.unlisted} of them reached only through static imports` : '');
    row(`JS loaded by the list page /e/contact (${list.scripts.length} scripts), gzip -9`, kb(list.gzip), `${kb(signin.gzip)} (/signin)`, times(list.gzip, signin.gzip), `raw ${kb(list.raw)} (/signin ${kb(signin.raw)}); largest, gzip / raw: ${largest(list)}${extra(list)}`);
    row(`JS loaded by the form page /e/contact/new (${form.scripts.length} scripts), gzip -9`, kb(form.gzip), `${kb(signin.gzip)} (/signin)`, times(form.gzip, signin.gzip), `raw ${kb(form.raw)}; largest, gzip / raw: ${largest(form)}${extra(form)}; for information (no aim)`);
    aim(`list page JavaScript < ${LIST_JS_AIM_KB} KB gzipped`, list.gzip < LIST_JS_AIM_KB * 1024, `${kb(list.gzip)} gzipped, ${kb(list.raw)} raw, ${list.scripts.length} scripts`);
    notes.push(
      'JS: every script a page names (its modulepreloads — as `<link>` tags or, for pages rendered on request, the `Link` response header — and the `import("…")` URLs of its inline start script), and any static import they lead to, ' +
        'fetched from the server; gzip = node:zlib gzipSync level 9; KB = 1,024 bytes. Baseline: /signin, signed out (the framework and the root layout). ' +
        `HTML of the pages measured: /signin ${kb(signin.htmlBytes)} (${kb(signin.htmlGzip)} gz), /e/contact ${kb(list.htmlBytes)} (${kb(list.htmlGzip)} gz), /e/contact/new ${kb(form.htmlBytes)} (${kb(form.htmlGzip)} gz).`,
    );
  } finally {
    await server.stop();
    const at = cleanups.indexOf(server.stop);
    if (at >= 0) cleanups.splice(at, 1);
  }
}

async function addFieldPhase(url: string, pool: pg.Pool): Promise<void> {
  const before = await pool.query<{ n: string }>('select count(*) as n from data.contact');
  const smallRows = Math.floor(Number(before.rows[0]?.n) / 10);
  log(`filling contact_small with ${int.format(smallRows)} rows (a tenth of data.contact)`);
  await pool.query(`insert into data.contact_small (${COLUMN_LIST}) select ${COLUMN_LIST} from data.contact order by id limit $1`, [smallRows]);
  await pool.query('vacuum (analyze) data.contact_small');
  const counts = await pool.query<{ big: string; small: string }>('select (select count(*) from data.contact) as big, (select count(*) from data.contact_small) as small');
  const big = Number(counts.rows[0]?.big);
  const small = Number(counts.rows[0]?.small);

  const database = await openDatabase({ url });
  const close = async () => {
    await database.close();
  };
  cleanups.push(close);
  const extras = { contact: [] as string[], contact_small: [] as string[] };
  const applyMs = { contact: [] as number[], contact_small: [] as number[] };
  let spuriousNoted = false;
  for (let r = 1; r <= ADD_FIELD_REPEATS; r++) {
    for (const table of ['contact_small', 'contact'] as const) {
      extras[table].push(`extra_${r}`);
      const model = modelOf([contactEntity('contact', extras.contact), contactEntity('contact_small', extras.contact_small)]);
      const t0 = performance.now();
      const result = await applyModel(database, { model, source: 'bench: add a nullable field', actorId: null });
      const elapsed = performance.now() - t0;
      if (result.status !== 'applied') throw new Error(`applyModel (add extra_${r} to ${table}): ${result.status}`);
      const adds = result.outcomes.filter((o) => o.step.kind === 'field.add');
      const others = result.outcomes.filter((o) => o.step.kind !== 'field.add');
      if (adds.length !== 1 || others.some((o) => o.step.action.type !== 'none')) {
        throw new Error(`applyModel (add extra_${r} to ${table}) planned ${result.outcomes.map((o) => o.step.kind).join(', ')}, expected one field.add`);
      }
      if (others.length > 0 && !spuriousNoted) {
        spuriousNoted = true;
        const fields = others.map((o) => `${o.step.entity}.${o.step.field ?? '?'}`).join(', ');
        log(`applyModel also planned ${others.length} no-op steps: ${others.map((o) => o.step.kind).join(', ')} (${fields})`);
        notes.push(
          `BUG: adding one field also plans ${others.length} no-op \`${others[0]?.step.kind ?? ''}\` steps for unchanged fields (${fields}): ` +
            'src/lib/server/schema/plan.ts:515 compares field schemas with sameJson (JSON.stringify, plan.ts:653-655), which depends on key order, ' +
            "and the stored model comes back from jsonb with its keys reordered (e.g. {type, enum} → {enum, type}). Harmless to the table, but it pollutes the recorded plan.",
        );
      }
      applyMs[table].push(elapsed);
      log(`applyModel: add extra_${r} to ${table}: ${ms(elapsed)}`);
    }
  }
  const rawMs = { contact: [] as number[], contact_small: [] as number[] };
  for (let r = 1; r <= ADD_FIELD_REPEATS; r++) {
    for (const table of ['contact_small', 'contact'] as const) {
      const t0 = performance.now();
      await pool.query(`alter table data.${table} add column raw_extra_${r} text`);
      rawMs[table].push(performance.now() - t0);
    }
  }
  const bigApply = median(applyMs.contact);
  const smallApply = median(applyMs.contact_small);
  const bigRaw = median(rawMs.contact);
  const smallRaw = median(rawMs.contact_small);
  const repeats = `median of ${ADD_FIELD_REPEATS}`;
  row(`Add nullable field, ${int.format(big)} rows: applyModel vs raw ALTER TABLE ADD COLUMN`, ms(bigApply), ms(bigRaw), times(bigApply, bigRaw), `${repeats}; applyModel = lock, load + plan, DDL, record the model version, notify`);
  row(`Add nullable field, ${int.format(small)} rows (10× fewer)`, ms(smallApply), ms(smallRaw), times(smallApply, smallRaw), repeats);
  row('Add nullable field: time at N rows ÷ time at N/10 rows', times(bigApply, smallApply), times(bigRaw, smallRaw), '—', '≈ 1× means O(1) in table size');
  aim('nullable add O(1) in table size (time at N ≤ 2× time at N/10 + 5 ms)', bigApply <= 2 * smallApply + 5, `${ms(bigApply)} at ${int.format(big)} rows vs ${ms(smallApply)} at ${int.format(small)} rows`);
}

function printTable(): void {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = [
    `## Peyvand benchmark — ${int.format(ROWS)} rows, ${SECONDS} s per HTTP phase, concurrency ${CONCURRENCY}`,
    '',
    'Ratio = Peyvand ÷ raw SQL (for rates, below 1× is slower; for latencies, above 1× is slower).',
    '',
    '| Measure | Peyvand | Raw SQL baseline | Ratio | Notes |',
    '|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${esc(r.measure)} | ${esc(r.peyvand)} | ${esc(r.baseline)} | ${esc(r.ratio)} | ${esc(r.notes)} |`),
    '',
    '### Aims',
    '',
    '| Aim | Measured | Met |',
    '|---|---|---|',
    ...aims.map((a) => `| ${esc(a.aim)} | ${esc(a.measured)} | ${a.met ? 'yes' : '**no**'} |`),
    '',
    '### Setup',
    '',
    `- HTTP: a node:http server routing \`/trpc/\` to handleTrpcNode over startRuntime({ url }) (its pool: openDatabase's default of 10 connections, as \`peyvand serve\`); ` +
      `the load generator runs in a worker thread with keep-alive sockets; every phase warms up for ${WARMUP_MS} ms, then measures for ${SECONDS} s; percentiles from all samples.`,
    `- Raw SQL: node-postgres, a pg.Pool of ${CONCURRENCY}, in the main thread.`,
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

let exitCode = 0;
try {
  await main();
  printTable();
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (rows.length > 0) printTable();
} finally {
  await cleanup();
}
log('done');
process.exit(exitCode);
