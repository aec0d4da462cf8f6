/**
 * Pack plan + apply of a generated 30-entity pack (10–20 fields each, relations between them) on
 * PostgreSQL, beside the same DDL run directly (pg, one transaction) in the same run. Also the
 * no-op re-apply, an upgrade that adds and renames fields, and the export.
 *
 *   node --experimental-strip-types tests/bench/packs.ts            # markdown table on stdout
 *   BENCH_PACK_ENTITIES=60 BENCH_PACK_ROUNDS=5 node --experimental-strip-types tests/bench/packs.ts
 *
 * Each round uses fresh databases (created by tests/support/databases.ts, dropped at the end, also
 * on failure); the table shows the median of the rounds. Progress goes to stderr.
 */
import pg from 'pg';
import { createPostgresDatabase } from '../support/databases.ts';
import { migrateSystemTables, openDatabase, type Database } from '../../src/lib/server/db/database.ts';
import { loadPackFiles, type SourceFile } from '../../src/lib/model/load-pack.ts';
import { composeModel } from '../../src/lib/model/compose-model.ts';
import { emptyModel } from '../../src/lib/model/types.ts';
import { planMigration } from '../../src/lib/server/schema/plan.ts';
import { renderStep } from '../../src/lib/server/schema/render.ts';
import { exportInstalledPack, installPackFiles, type PackReport } from '../../src/lib/server/packs/pack-service.ts';

const ENTITIES = Number(process.env.BENCH_PACK_ENTITIES ?? 30);
const ROUNDS = Number(process.env.BENCH_PACK_ROUNDS ?? 3);

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench:packs ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}

/** Deterministic pseudo-random numbers (mulberry32), so every run plans the same pack. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELD_KINDS: readonly ((name: string, r: () => number) => Record<string, unknown>)[] = [
  (n) => ({ type: 'string', maxLength: 200, title: n, 'x-labels': { fa: `${n} فا`, ar: `${n} عر` } }),
  () => ({ type: 'string', 'x-type': 'long_text' }),
  () => ({ type: 'string', format: 'email' }),
  () => ({ type: 'string', format: 'phone' }),
  () => ({ type: 'integer', minimum: 0 }),
  () => ({ type: 'string', format: 'decimal' }),
  () => ({ type: 'boolean' }),
  () => ({ type: 'string', format: 'date' }),
  () => ({ type: 'string', format: 'date-time' }),
  (_n, r) => ({ type: 'string', enum: ['new', 'open', 'won', 'lost'].slice(0, 2 + Math.floor(r() * 3)), default: 'new' }),
  () => ({ type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, uniqueItems: true }),
  () => ({ type: 'string', format: 'url' }),
];

/** `version` 1.1.0 adds a field to every entity and renames one field in every third. */
function generatePack(version: '1.0.0' | '1.1.0'): SourceFile[] {
  const r = random(42);
  const files: SourceFile[] = [{ path: 'pack.json', text: JSON.stringify({ name: 'bench', version, title: { en: 'Bench', fa: 'محک', ar: 'قياس' }, locales: ['en', 'fa', 'ar'] }) }];
  for (let i = 1; i <= ENTITIES; i++) {
    const name = `entity_${String(i).padStart(2, '0')}`;
    const properties: Record<string, unknown> = { title: { type: 'string', minLength: 1, maxLength: 200, title: 'Title', 'x-unique': i % 2 === 0 } };
    // 10–18 own fields (the title included) and up to two relations: 10–20 fields.
    const count = 10 + Math.floor(r() * 9);
    for (let f = 1; properties && Object.keys(properties).length < count; f++) {
      const kind = FIELD_KINDS[Math.floor(r() * FIELD_KINDS.length)] ?? FIELD_KINDS[0]!;
      let field = `field_${f}`;
      const schema = kind(field, r);
      if (version === '1.1.0' && i % 3 === 0 && f === 1) {
        field = 'field_1_renamed';
        schema['x-renamed-from'] = ['field_1'];
      }
      properties[field] = schema;
    }
    // Relations to one or two earlier entities.
    for (let k = 1; k <= Math.min(i - 1, 1 + Math.floor(r() * 2)); k++) {
      const target = `entity_${String(Math.max(1, i - k * 3)).padStart(2, '0')}`;
      properties[`${target}_id_${k}`] = { type: 'string', format: 'uuid', 'x-ref': target, 'x-on-delete': k === 1 ? 'set-null' : 'restrict' };
    }
    if (version === '1.1.0') properties.added_in_1_1 = { type: 'string', maxLength: 50 };
    const doc = { $id: name, type: 'object', title: `Entity ${i}`, properties, required: ['title'], 'x-default-sort': [{ field: 'title', direction: 'asc' }] };
    files.push({ path: `entities/${name}.json`, text: JSON.stringify(doc) });
  }
  return files;
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { seconds: (performance.now() - t0) / 1000, value };
}

function expectStatus(report: PackReport, status: PackReport['status']): PackReport {
  if (report.status !== status) throw new Error(`expected ${status}, got ${report.status}: ${JSON.stringify(report.issues.length > 0 ? report.issues : report.refusals).slice(0, 500)}`);
  return report;
}

/** The SQL text of the plan from an empty model, as the platform would run it. */
function plannedDdl(database: Database, files: readonly SourceFile[], trigram: boolean): string[] {
  const loaded = loadPackFiles(files);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const composed = composeModel(emptyModel(), loaded.pack);
  if (!composed.ok) throw new Error(JSON.stringify(composed.issues));
  const steps = planMigration(emptyModel(), composed.model, { trigram });
  return steps.flatMap((step) => renderStep(step, { archiveSuffix: 'v1', textCollation: 'und-x-icu' }).map((statement) => statement.compile(database.db).sql));
}

interface Round {
  readonly validate: number;
  readonly plan: number;
  readonly apply: number;
  readonly reapply: number;
  readonly upgradePlan: number;
  readonly upgradeApply: number;
  readonly export: number;
  readonly rawDdl: number;
  readonly steps: number;
  readonly upgradeSteps: number;
  readonly statements: number;
}

async function round(index: number, v1: readonly SourceFile[], v11: readonly SourceFile[], cleanups: (() => Promise<void>)[]): Promise<Round> {
  const [platformDb, rawDb] = [await createPostgresDatabase('peyvand_bench_packs'), await createPostgresDatabase('peyvand_bench_ddl')];
  cleanups.push(platformDb.drop, rawDb.drop);
  const database = await openDatabase({ url: platformDb.url, poolSize: 2 });
  try {
    await migrateSystemTables(database);
    const validate = await timed(async () => loadPackFiles(v1));
    if (!validate.value.ok) throw new Error(JSON.stringify(validate.value.issues));
    const plan = await timed(async () => expectStatus(await installPackFiles(database, v1, { actorId: null, dryRun: true }), 'planned'));
    const apply = await timed(async () => expectStatus(await installPackFiles(database, v1, { actorId: null }), 'applied'));
    const reapply = await timed(async () => expectStatus(await installPackFiles(database, v1, { actorId: null }), 'unchanged'));
    const upgradePlan = await timed(async () => expectStatus(await installPackFiles(database, v11, { actorId: null, dryRun: true }), 'planned'));
    const upgradeApply = await timed(async () => expectStatus(await installPackFiles(database, v11, { actorId: null }), 'applied'));
    const exported = await timed(async () => exportInstalledPack(database, 'bench'));
    if (!exported.value || exported.value.length !== ENTITIES + 1) throw new Error('export');

    // The same DDL, straight through pg in one transaction, on a database with the same schemas.
    const rawPlatform = await openDatabase({ url: rawDb.url, poolSize: 1 });
    const trigram = apply.value.schema?.outcomes.some((o) => o.step.action.type === 'create-index' && o.step.action.index.method === 'trigram') ?? false;
    let statements: string[];
    try {
      await migrateSystemTables(rawPlatform);
      statements = plannedDdl(rawPlatform, v1, trigram);
    } finally {
      await rawPlatform.close();
    }
    const client = new pg.Client({ connectionString: rawDb.url });
    await client.connect();
    let rawDdl: number;
    try {
      rawDdl = (
        await timed(async () => {
          await client.query('begin');
          for (const statement of statements) await client.query(statement);
          await client.query('commit');
        })
      ).seconds;
    } finally {
      await client.end();
    }
    const result: Round = {
      validate: validate.seconds,
      plan: plan.seconds,
      apply: apply.seconds,
      reapply: reapply.seconds,
      upgradePlan: upgradePlan.seconds,
      upgradeApply: upgradeApply.seconds,
      export: exported.seconds,
      rawDdl,
      steps: apply.value.schema?.outcomes.length ?? 0,
      upgradeSteps: upgradeApply.value.schema?.outcomes.length ?? 0,
      statements: statements.length,
    };
    log(`round ${index}: plan ${result.plan.toFixed(2)} s, apply ${result.apply.toFixed(2)} s, raw DDL ${result.rawDdl.toFixed(2)} s (${result.statements} statements)`);
    return result;
  } finally {
    await database.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const v1 = generatePack('1.0.0');
  const v11 = generatePack('1.1.0');
  const fields = v1.filter((f) => f.path.startsWith('entities/')).map((f) => Object.keys((JSON.parse(f.text) as { properties: object }).properties).length);
  log(`pack: ${ENTITIES} entities, ${fields.reduce((a, b) => a + b, 0)} fields (${Math.min(...fields)}–${Math.max(...fields)} each); ${ROUNDS} rounds`);
  const cleanups: (() => Promise<void>)[] = [];
  const dropAll = async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  };
  process.once('SIGINT', () => void dropAll().then(() => process.exit(130)));
  const rounds: Round[] = [];
  try {
    for (let i = 1; i <= ROUNDS; i++) rounds.push(await round(i, v1, v11, cleanups));
  } finally {
    await dropAll();
  }
  const m = (key: keyof Round) => median(rounds.map((r) => r[key]));
  const s = (key: keyof Round) => `${m(key).toFixed(3)} s`;
  const lines = [
    `## Packs: plan + apply of a generated ${ENTITIES}-entity pack (PostgreSQL, median of ${ROUNDS})`,
    '',
    `${fields.reduce((a, b) => a + b, 0)} fields, ${m('steps')} plan steps, ${m('statements')} DDL statements.`,
    '',
    '| phase | seconds |',
    '|---|---:|',
    `| validate (meta-schemas, normalise; no database) | ${s('validate')} |`,
    `| plan on an empty database (dry run: runs the DDL, rolls back) | ${s('plan')} |`,
    `| apply (one transaction, installed_packs recorded) | ${s('apply')} |`,
    `| **plan + apply** | **${(m('plan') + m('apply')).toFixed(3)} s** |`,
    `| raw DDL of the same plan through pg, one transaction (baseline) | ${s('rawDdl')} |`,
    `| apply the same pack again (no-op) | ${s('reapply')} |`,
    `| upgrade 1.1.0 (+1 field each, ${Math.floor(ENTITIES / 3)} renames; ${m('upgradeSteps')} steps): plan | ${s('upgradePlan')} |`,
    `| upgrade 1.1.0: apply | ${s('upgradeApply')} |`,
    `| export (${ENTITIES + 1} files) | ${s('export')} |`,
    '',
    `Apply is ${(m('apply') / Math.max(m('rawDdl'), 1e-9)).toFixed(1)}× the raw DDL.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
