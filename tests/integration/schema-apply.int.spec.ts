/** Migration plans applied to real databases: data kept, refusals, atomicity, live model swaps. */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { mkdtemp, mkdir, writeFile, cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { B2B_VERSION, entity, modelOf, type EntityDoc } from '../support/packs.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createRecord, getRecord, listRecords } from '../../src/lib/server/records/record-service.ts';
import { openDatabase } from '../../src/lib/server/db/database.ts';
import { startRuntime } from '../../src/lib/server/runtime.ts';
import type { Model } from '../../src/lib/model/types.ts';
import { buildModel } from '../../src/lib/model/compose-model.ts';

const company = (props: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  entity('company', { name: { type: 'string', maxLength: 200 }, ...props }, { required: ['name'], ...extra });

function entityOf(model: Model, name: string) {
  const found = model.entities.find((e) => e.name === name);
  if (!found) throw new Error(`no entity ${name}`);
  return found;
}

async function apply(t: TestDatabase, docs: readonly EntityDoc[], options: { allowDestructive?: boolean; dryRun?: boolean } = {}) {
  const current = await loadCurrentModel(t.database.db);
  const model = modelOf(docs);
  void current;
  return { model, result: await applyModel(t.database, { model, source: 'test', actorId: null, ...options }) };
}

async function tableExists(t: TestDatabase, schema: string, table: string): Promise<boolean> {
  const r = await sql<{ n: number | string }>`select count(*) as n from information_schema.tables where table_schema = ${schema} and table_name = ${table}`.execute(t.database.db);
  return Number(r.rows[0]?.n) > 0;
}

async function columns(t: TestDatabase, table: string): Promise<string[]> {
  const r = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'data' and table_name = ${table} order by ordinal_position`.execute(t.database.db);
  return r.rows.map((row) => row.column_name);
}

describe.each(BACKENDS)('schema apply on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await t.drop();
  });

  it('applies the b2b-sales pack, records the version, and a second apply is a no-op', async () => {
    const first = await applyPackFolder(t.database, 'packs/b2b-sales', { actorId: null });
    expect(first.ok && first.result.status).toBe('applied');
    expect(await tableExists(t, 'data', 'deal')).toBe(true);
    const second = await applyPackFolder(t.database, 'packs/b2b-sales', { actorId: null });
    expect(second.ok && second.result.status).toBe('unchanged');
    const stored = await loadCurrentModel(t.database.db);
    expect(stored.version).toBe(1);
    expect(stored.model.packs.map((p) => `${p.name}@${p.version}`)).toEqual([`b2b-sales@${B2B_VERSION}`]);
    const versions = await t.database.db.selectFrom('peyvand.model_versions').selectAll().execute();
    expect(versions).toHaveLength(1);
    expect(versions[0]?.source).toBe(`pack b2b-sales@${B2B_VERSION}`);
  });

  it('adding one field to a stored model plans only that field (no spurious steps from jsonb key order)', async () => {
    expect((await applyPackFolder(t.database, 'packs/b2b-sales', { actorId: null })).ok).toBe(true);
    const stored = (await loadCurrentModel(t.database.db)).model;
    const contact = entityOf(stored, 'contact');
    const extra = { ...contact, fields: [...contact.fields, { ...contact.fields[0]!, name: 'nickname', renamedFrom: [], required: false, unique: false, indexed: false }] };
    const model = buildModel(stored.packs, stored.entities.map((e) => (e.name === 'contact' ? extra : e)));
    const result = await applyModel(t.database, { model, source: 'test', actorId: null });
    expect(result.status).toBe('applied');
    expect(result.outcomes.map((o) => `${o.step.kind} ${o.step.field ?? ''}`.trim())).toEqual(['field.add nickname']);
  });

  it('a plan (dry run) reports the steps and changes nothing', async () => {
    const { result } = await apply(t, [company()], { dryRun: true });
    expect(result.status).toBe('planned');
    expect(result.outcomes.map((o) => o.step.kind)).toContain('entity.create');
    expect(await tableExists(t, 'data', 'company')).toBe(false);
    expect((await loadCurrentModel(t.database.db)).version).toBe(0);
  });

  it('a declared field rename and an entity rename keep every value', async () => {
    const v1 = await apply(t, [company({ city: { type: 'string' } })]);
    const acme = await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(v1.model, 'company'), { name: 'Acme', city: 'Tehran' });
    expect(acme.ok).toBe(true);
    const renamed = [entity('organisation', { name: { type: 'string' }, town: { type: 'string', 'x-renamed-from': ['city'] } }, { required: ['name'], 'x-renamed-from': ['company'] })];
    const v2 = await apply(t, renamed);
    expect(v2.result.status).toBe('applied');
    expect(v2.result.outcomes.map((o) => o.step.kind)).toEqual(expect.arrayContaining(['entity.rename', 'field.rename']));
    expect(v2.result.outcomes.some((o) => o.step.kind === 'field.drop' || o.step.kind === 'entity.drop')).toBe(false);
    const id = acme.ok ? String(acme.value.id) : '';
    const read = await getRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(v2.model, 'organisation'), id);
    expect(read.ok && read.value.town).toBe('Tehran');
    expect(read.ok && read.value.name).toBe('Acme');
    expect(await tableExists(t, 'data', 'company')).toBe(false);
  });

  it('a field added later keeps existing records, and a nullable add leaves them empty', async () => {
    const v1 = await apply(t, [company()]);
    const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };
    for (const name of ['A', 'B', 'C']) await createRecord(ctx, entityOf(v1.model, 'company'), { name });
    const v2 = await apply(t, [company({ founded: { type: 'string', format: 'date' }, tier: { type: 'string', enum: ['gold', 'silver'], default: 'silver' } }, { required: ['name', 'tier'] })]);
    expect(v2.result.status).toBe('applied');
    const list = await listRecords(ctx, entityOf(v2.model, 'company'), { sort: [{ field: 'name' }] });
    expect(list.ok && list.value.items.map((r) => [r.name, r.founded, r.tier])).toEqual([
      ['A', null, 'silver'],
      ['B', null, 'silver'],
      ['C', null, 'silver'],
    ]);
  });

  it('a required field without a default on a table with records is impossible, and nothing changes', async () => {
    const v1 = await apply(t, [company()]);
    await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(v1.model, 'company'), { name: 'A' });
    const v2 = await apply(t, [company({ vat: { type: 'string' } }, { required: ['name', 'vat'] })], { allowDestructive: true });
    expect(v2.result.status).toBe('refused');
    const outcome = v2.result.outcomes.find((o) => o.step.kind === 'field.add');
    expect(outcome?.status).toBe('impossible');
    expect(outcome?.message).toMatch(/default/);
    expect(await columns(t, 'company')).not.toContain('vat');
  });

  it('a lossy retype is refused without --allow-destructive, shows the affected rows, and converts with it', async () => {
    const v1 = await apply(t, [company({ size: { type: 'string' } })]);
    const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };
    const e1 = entityOf(v1.model, 'company');
    await createRecord(ctx, e1, { name: 'A', size: ' 42 ' });
    await createRecord(ctx, e1, { name: 'B', size: 'about fifty' });
    await createRecord(ctx, e1, { name: 'C' });
    const retyped = [company({ size: { type: 'integer' } })];
    const refused = await apply(t, retyped);
    expect(refused.result.status).toBe('refused');
    const step = refused.result.outcomes.find((o) => o.step.kind === 'field.retype');
    expect(step).toMatchObject({ status: 'needs-confirmation', affectedRows: 1 });
    expect((await loadCurrentModel(t.database.db)).version).toBe(1);

    const applied = await apply(t, retyped, { allowDestructive: true });
    expect(applied.result.status).toBe('applied');
    const list = await listRecords(ctx, entityOf(applied.model, 'company'), { sort: [{ field: 'name' }] });
    expect(list.ok && list.value.items.map((r) => r.size)).toEqual([42, null, null]);
  });

  it('text → date clears values that are no calendar date (2024-02-30) instead of failing', async () => {
    const v1 = await apply(t, [company({ since: { type: 'string' } })]);
    const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };
    for (const since of ['2024-02-29', '2024-02-30', 'soon']) await createRecord(ctx, entityOf(v1.model, 'company'), { name: since, since });
    const next = [company({ since: { type: 'string', format: 'date' } })];
    const refused = await apply(t, next);
    expect(refused.result.outcomes.find((o) => o.step.kind === 'field.retype')?.affectedRows).toBe(2);
    const applied = await apply(t, next, { allowDestructive: true });
    expect(applied.result.status).toBe('applied');
    const list = await listRecords(ctx, entityOf(applied.model, 'company'), { sort: [{ field: 'name' }] });
    expect(list.ok && list.value.items.map((r) => [r.name, r.since])).toEqual([
      ['2024-02-29', '2024-02-29'],
      ['2024-02-30', null],
      ['soon', null],
    ]);
  });

  it('an entity with an auto-number can be dropped and created again; numbering restarts', async () => {
    const invoice = (extra: Record<string, unknown> = {}) => entity('invoice', { title: { type: 'string' }, number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{0000}' }, ...extra });
    const v1 = await apply(t, [company(), invoice()]);
    const first = await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(v1.model, 'invoice'), { title: 'a' });
    expect(first.ok && first.value.number).toBe('INV-0001');
    expect((await apply(t, [company()], { allowDestructive: true })).result.status).toBe('applied');
    const again = await apply(t, [company(), invoice()]);
    expect(again.result.status).toBe('applied');
    const second = await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(again.model, 'invoice'), { title: 'b' });
    expect(second.ok && second.value.number).toBe('INV-0001');
  });

  it('a type change no conversion covers is replaced on an empty table and refused on a filled one', async () => {
    await apply(t, [company({ flag: { type: 'boolean' } })]);
    const empty = await apply(t, [company({ flag: { type: 'array', items: { type: 'string' } } })], { allowDestructive: true });
    expect(empty.result.status).toBe('applied');
    const created = await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(empty.model, 'company'), { name: 'A', flag: ['x', 'y'] });
    expect(created.ok && created.value.flag).toEqual(['x', 'y']);
    const filled = await apply(t, [company({ flag: { type: 'boolean' } })], { allowDestructive: true });
    expect(filled.result.status).toBe('refused');
    expect(filled.result.outcomes.find((o) => o.step.kind === 'field.retype')?.status).toBe('impossible');
  });

  it('dropping a field needs confirmation and archives its values first', async () => {
    const v1 = await apply(t, [company({ secret: { type: 'string' } })]);
    await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, entityOf(v1.model, 'company'), { name: 'A', secret: 'kept in archive' });
    const refused = await apply(t, [company()]);
    expect(refused.result.status).toBe('refused');
    expect(await columns(t, 'company')).toContain('secret');
    const applied = await apply(t, [company()], { allowDestructive: true });
    expect(applied.result.status).toBe('applied');
    expect(await columns(t, 'company')).not.toContain('secret');
    const archived = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'archive'`.execute(t.database.db);
    const name = archived.rows[0]?.table_name ?? '';
    expect(name).toMatch(/^company__secret__v\d+$/);
    const rows = await sql<{ secret: string }>`select secret from ${sql.id('archive', name)}`.execute(t.database.db);
    expect(rows.rows.map((r) => r.secret)).toEqual(['kept in archive']);
  });

  it('a failure injected in the middle of an apply leaves nothing behind', async () => {
    await apply(t, [company()]);
    const next = modelOf([
      company({ city: { type: 'string' } }),
      entity('contact', { full_name: { type: 'string' }, company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' } }),
      entity('deal', { title: { type: 'string' } }),
    ]);
    let ran = 0;
    await expect(
      applyModel(t.database, {
        model: next,
        source: 'test',
        actorId: null,
        beforeStep: () => {
          if (++ran === 3) throw new Error('injected failure');
        },
      }),
    ).rejects.toThrow('injected failure');
    expect(ran).toBe(3);
    expect(await tableExists(t, 'data', 'contact')).toBe(false);
    expect(await tableExists(t, 'data', 'deal')).toBe(false);
    expect(await columns(t, 'company')).not.toContain('city');
    expect((await loadCurrentModel(t.database.db)).version).toBe(1);
  });

  it('a pack with an error in its fifth entity applies nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peyvand-pack-'));
    try {
      await mkdir(join(dir, 'entities'));
      await writeFile(join(dir, 'pack.json'), JSON.stringify({ name: 'five', version: '1.0.0', title: 'Five' }));
      for (const n of ['a1', 'a2', 'a3', 'a4']) await writeFile(join(dir, 'entities', `${n}.json`), JSON.stringify(entity(n, { title: { type: 'string' } })));
      await writeFile(join(dir, 'entities', 'a5.json'), JSON.stringify(entity('a5', { 'bad;name': { type: 'string' } })));
      const outcome = await applyPackFolder(t.database, dir, { actorId: null });
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.issues.length).toBeGreaterThan(0);
        expect(outcome.issues.every((i) => i.file === 'entities/a5.json')).toBe(true);
        expect(outcome.issues[0]?.pointer).toBe('/properties/bad;name');
      }
      for (const n of ['a1', 'a2', 'a3', 'a4', 'a5']) expect(await tableExists(t, 'data', n)).toBe(false);
      expect((await loadCurrentModel(t.database.db)).version).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('upgrading the demo pack with a renamed field keeps its data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peyvand-pack-'));
    try {
      await cp('packs/b2b-sales', dir, { recursive: true });
      expect((await applyPackFolder(t.database, dir, { actorId: null })).ok).toBe(true);
      const model = (await loadCurrentModel(t.database.db)).model;
      const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };
      const co = await createRecord(ctx, entityOf(model, 'company'), { name: 'Kavir' });
      const contact = await createRecord(ctx, entityOf(model, 'contact'), { full_name: 'Sara', email: 'sara@example.com', job_title: 'CTO', company_id: co.ok ? co.value.id : null });
      expect(contact.ok).toBe(true);
      const doc = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'entities', 'contact.json'), 'utf8')) as { properties: Record<string, unknown> };
      const { job_title: jobTitle, ...rest } = doc.properties;
      doc.properties = { ...rest, position: { ...(jobTitle as object), 'x-renamed-from': ['job_title'] } };
      await writeFile(join(dir, 'entities', 'contact.json'), JSON.stringify(doc));
      await writeFile(join(dir, 'pack.json'), JSON.stringify({ name: 'b2b-sales', version: '1.3.0', title: 'B2B sales' }));
      const upgrade = await applyPackFolder(t.database, dir, { actorId: null });
      expect(upgrade.ok && upgrade.result.status).toBe('applied');
      const after = (await loadCurrentModel(t.database.db)).model;
      const read = await getRecord(ctx, entityOf(after, 'contact'), contact.ok ? String(contact.value.id) : '');
      expect(read.ok && read.value.position).toBe('CTO');
      expect(read.ok && read.value.company_id).toBe(co.ok ? co.value.id : 'missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!BACKENDS.includes('postgres'))('model changes reach other processes', () => {
  let t: TestDatabase;
  afterAll(async () => {
    await t?.drop();
  });

  it('a server swaps its API when another connection (the CLI, a second server) applies a model', async () => {
    t = await createTestDatabase('postgres');
    const runtime = await startRuntime({ database: await openDatabase({ url: t.url }) });
    try {
      expect(runtime.current().model.entities).toHaveLength(0);
      const swapped = new Promise<number>((resolve) => runtime.onModelChange((s) => resolve(s.version)));
      // Another process's connection: a separate pool on the same database.
      const other = await openDatabase({ url: t.url });
      try {
        await applyModel(other, { model: modelOf([company()]), source: 'cli', actorId: null });
      } finally {
        await other.close();
      }
      expect(await swapped).toBe(1);
      expect(runtime.current().model.entities.map((e) => e.name)).toEqual(['company']);
      const created = await runtime.caller({ id: '01a20000-0000-7000-8000-000000000001', email: 'a@b.c', name: 'A', isAdmin: true, mustChangePassword: false }).entities.company!.create({ name: 'Live' });
      expect(created.name).toBe('Live');
    } finally {
      await runtime.close();
    }
  });
});
