/**
 * Import benchmark: 1,000,000 generated contacts from a CSV file through `peyvand data import`'s
 * engine (parse by field type, validate, audit entry and outbox event per record, one transaction),
 * beside a raw `COPY … FROM STDIN (FORMAT csv)` of the same file into the same table in the same
 * run. Each import runs in a child process so that its peak RSS is its own; the 100,000-row run
 * shows whether memory stays flat as the file grows.
 *
 *   node tests/bench/import.ts                      # 1,000,000 and 100,000 rows
 *   BENCH_IMPORT_ROWS=200000 node tests/bench/import.ts
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createPostgresDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { openDatabase, migrateSystemTables } from '../../src/lib/server/db/database.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { normaliseMapping } from '../../src/lib/data/import-mapping.ts';
import { openTabularFile } from '../../src/lib/server/data/tabular-source.ts';
import { runImport } from '../../src/lib/server/data/import-service.ts';

const SELF = fileURLToPath(import.meta.url);
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const SMALL_ROWS = Number(process.env.BENCH_IMPORT_SMALL_ROWS ?? 100_000);
const AIM_SHARE_OF_COPY = 0.5;

const COLUMNS = ['full_name', 'email', 'phone', 'job_title', 'birthday', 'stage', 'city', 'notes'] as const;

const CONTACT = entity(
  'contact',
  {
    full_name: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name', 'x-labels': { fa: 'نام کامل' } },
    email: { type: 'string', format: 'email', maxLength: 320, title: 'Email', 'x-unique': true },
    phone: { type: 'string', format: 'phone', title: 'Mobile' },
    job_title: { type: 'string', maxLength: 200, title: 'Job title' },
    birthday: { type: 'string', format: 'date', title: 'Birthday' },
    stage: { type: 'string', enum: ['lead', 'customer', 'churned'], default: 'lead', title: 'Stage', 'x-index': true },
    city: { type: 'string', maxLength: 100, title: 'City' },
    notes: { type: 'string', 'x-type': 'long_text', maxLength: 20000, title: 'Notes' },
  },
  { 'x-title-field': 'full_name', 'x-default-sort': [{ field: 'full_name', direction: 'asc' }], required: ['full_name', 'email'] },
);

const FIRST = ['Sara', 'Ali', 'Maryam', 'Reza', 'Jane', 'Omar', 'Fatemeh', 'John', 'Layla', 'Hossein', 'سارا', 'علی', 'مریم', 'محمد'];
const LAST = ['Mohammadi', 'Rezaei', 'Smith', 'Al-Ahmad', 'Karimi', 'Hosseini', 'Brown', 'محمدی', 'رضایی', 'کریمی'];
const CITIES = ['Tehran', 'Shiraz', 'Dubai', 'Riyadh', 'London', 'تهران', 'اصفهان', 'مشهد'];
const STAGES = ['lead', 'customer', 'churned'];

/** Values a COPY accepts as they are, so that both paths read the very same file. */
async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${COLUMNS.join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${i}`;
    const month = String((i % 12) + 1).padStart(2, '0');
    const day = String((i % 28) + 1).padStart(2, '0');
    const notes = i % 5 === 0 ? `"Met at the fair, said ""call me in spring"", likes tea"` : '';
    chunk += `${name},contact${i}@example.com,+98912${String(i).padStart(7, '0')},Manager,19${50 + (i % 50)}-${month}-${day},${STAGES[i % 3]},${CITIES[i % CITIES.length]},${notes}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

interface ChildResult {
  readonly rows: number;
  readonly created: number;
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly status: string;
}

/** The import itself, in this (child) process. */
async function child(url: string, file: string): Promise<void> {
  const database = await openDatabase({ url, poolSize: 2 });
  const { model } = await loadCurrentModel(database.db);
  const opened = await openTabularFile(file);
  if (!opened.ok) throw new Error(opened.refusal.message);
  const mapping = normaliseMapping({ entity: 'contact', columns: Object.fromEntries(COLUMNS.map((c) => [c, c])) }, { model });
  if (!mapping.ok) throw new Error(JSON.stringify(mapping.issues));
  const started = performance.now();
  let lastLog = 0;
  const result = await runImport({
    db: database.db,
    model,
    source: opened.source,
    mapping: mapping.mapping,
    actor: { kind: 'system', actorId: null },
    onProgress: (p) => {
      if (performance.now() - lastLog < 5000) return;
      lastLog = performance.now();
      process.stderr.write(`  … ${p.rows.toLocaleString('en')} rows, ${Math.round((p.rows / p.elapsedMs) * 1000).toLocaleString('en')} rows/s, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await database.close();
  const out: ChildResult = { rows: result.counts.rows, created: result.counts.created, seconds, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), status: result.status };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (result.status !== 'imported') process.stderr.write(`${result.message}\n${JSON.stringify(result.issues.slice(0, 5))}\n`);
}

function runChild(url: string, file: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SELF, '--child', url, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`import child exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

async function sqlOn(url: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

const truncate = (url: string) => sqlOn(url, ['alter table peyvand.audit_log disable trigger audit_log_append_only', 'truncate data.contact, data.contact_copy, peyvand.audit_log, peyvand.outbox', 'alter table peyvand.audit_log enable trigger audit_log_append_only', 'vacuum analyze data.contact', 'vacuum analyze data.contact_copy']);

/**
 * The baseline: COPY into a twin of the entity's table (same columns, collations, indexes and
 * constraints); its only difference is an id default, since the platform's ids come from the app.
 */
async function copy(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const started = performance.now();
  await client.query('begin');
  const stream = client.query(copyFrom(`copy data.contact_copy (${COLUMNS.join(', ')}) from stdin with (format csv, header true)`));
  await pipeline(createReadStream(file), stream);
  await client.query('commit');
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

async function bench(): Promise<void> {
  const log = (m: string) => process.stderr.write(`[bench:import] ${m}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'peyvand-bench-import-'));
  const db = await createPostgresDatabase('peyvand_bench_import');
  try {
    const database = await openDatabase({ url: db.url, poolSize: 2 });
    await migrateSystemTables(database);
    const applied = await applyPack(database, packOf([CONTACT]), { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    await database.close();
    await sqlOn(db.url, ['create table data.contact_copy (like data.contact including all)', 'alter table data.contact_copy alter column id set default gen_random_uuid()']);

    const rows: { rows: number; file: string; size: number; imported: ChildResult; copySeconds: number }[] = [];
    for (const n of [...new Set([ROWS, SMALL_ROWS])].filter((x) => x > 0)) {
      const file = join(dir, `contacts-${n}.csv`);
      log(`generating ${n.toLocaleString('en')} contacts`);
      await generate(file, n);
      const size = (await stat(file)).size;
      log(`import of ${n.toLocaleString('en')} rows (${(size / 1048576).toFixed(0)} MB)`);
      const imported = await runChild(db.url, file);
      if (imported.status !== 'imported' || imported.created !== n) throw new Error(`the import did not create every row: ${JSON.stringify(imported)}`);
      await truncate(db.url);
      log(`COPY of the same file`);
      const copySeconds = await copy(db.url, file);
      await truncate(db.url);
      rows.push({ rows: n, file, size, imported, copySeconds });
    }

    const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const out: string[] = ['', `### Import of generated contacts (PostgreSQL; ${COLUMNS.length} columns; indexes: unique email, sort, stage, trigram search)`, ''];
    out.push('| rows | file | Peyvand import | raw COPY | share of COPY | peak RSS of the import | notes |', '|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const importRate = r.rows / r.imported.seconds;
      const copyRate = r.rows / r.copySeconds;
      out.push(
        `| ${int.format(r.rows)} | ${(r.size / 1048576).toFixed(0)} MB | ${int.format(importRate)} rows/s (${r.imported.seconds.toFixed(1)} s) | ${int.format(copyRate)} rows/s (${r.copySeconds.toFixed(1)} s) | ${(importRate / copyRate).toFixed(2)}× (aim ≥ ${AIM_SHARE_OF_COPY}×) | ${int.format(r.imported.maxRssMb)} MB | validation, audit entry + outbox event per record, one transaction |`,
      );
    }
    out.push(
      '',
      'Peak RSS is the whole import process (Node and its modules, the parser, a batch of 1,000 rows in flight); memory is flat in file size when both rows show about the same figure.',
      'The baseline COPY writes the table only: no search text (so no trigram index entries), no audit entries, no outbox events, no validation. The import writes all of these, through the records service, in one transaction.',
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '');
else await bench();
