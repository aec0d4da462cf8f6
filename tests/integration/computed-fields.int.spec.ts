/**
 * Formula fields, roll-up fields and validation rules through the one write path, on both
 * backends: the b2b-sales pack (deal.weighted_amount, company.open_deal_amount/open_deal_count,
 * the lost_reason rule), its seed data, and a small pack for backfills and evaluation errors.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack, applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { readSeedData } from '../../src/lib/server/packs/read-pack.ts';
import { seedData } from '../../src/lib/server/packs/seed.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { bulkCreate, createRecord, deleteRecord, getRecord, updateRecord, withTransaction, type RecordContext, type RecordOutput } from '../../src/lib/server/records/record-service.ts';
import type { RecordError, RecordResult } from '../../src/lib/server/records/record-error.ts';
import { findEntity, type EntityModel, type Model } from '../../src/lib/model/types.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

function must<T>(result: RecordResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error.issues ?? [])}`);
  return result.value;
}

function failure<T>(result: RecordResult<T>): RecordError {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function entityOf(model: Model, name: string): EntityModel {
  const found = findEntity(model, name);
  if (!found) throw new Error(`no entity ${name}`);
  return found;
}

const idOf = (record: RecordOutput): string => String(record.id);

describe.each(BACKENDS)('computed fields on %s', (kind) => {
  let t: TestDatabase;
  let company: EntityModel;
  let deal: EntityModel;
  let ctx: RecordContext;
  const actorId = uuidv7();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const applied = await applyPackFolder(t.database, B2B_SALES, { actorId: null });
    if (!applied.ok || applied.result.status !== 'applied') throw new Error(`b2b-sales did not apply: ${JSON.stringify(applied)}`);
    const { model } = await loadCurrentModel(t.database.db);
    company = entityOf(model, 'company');
    deal = entityOf(model, 'deal');
    ctx = { db: t.database.db, actorId, access: SYSTEM_ACCESS };
  });

  afterAll(async () => {
    await t.drop();
  });

  const newCompany = async () => must(await createRecord(ctx, company, { name: `Company ${randomUUID().slice(0, 8)}` }));
  const newDeal = async (companyId: string, values: Record<string, unknown> = {}) =>
    must(await createRecord(ctx, deal, { title: 'Deal', company_id: companyId, stage: 'proposal', amount: { amount: '1000.00', currency: 'USD' }, probability: '25', ...values }));
  const rollupsOf = async (id: string) => {
    const record = must(await getRecord(ctx, company, id));
    return { amount: record.open_deal_amount, count: record.open_deal_count, version: record.version };
  };

  describe('formula fields', () => {
    it('are computed on create from the values written', async () => {
      const co = await newCompany();
      const d = await newDeal(idOf(co), { amount: { amount: '1234.567', currency: 'USD' }, probability: '40' });
      expect(d.weighted_amount).toBe('493.83');
      expect(must(await getRecord(ctx, deal, idOf(d))).weighted_amount).toBe('493.83');
      const unknown = await newDeal(idOf(co), { probability: null });
      expect(unknown.weighted_amount).toBeNull();
    });

    it('are recomputed on update from the merged record; the change is audited and in the event', async () => {
      const co = await newCompany();
      const d = await newDeal(idOf(co));
      expect(d.weighted_amount).toBe('250');
      const updated = must(await updateRecord(ctx, deal, { id: idOf(d), version: 1, values: { probability: '80' } }));
      expect(updated.weighted_amount).toBe('800');
      const audit = await t.database.db.selectFrom('peyvand.audit_log').select(['action', 'changes']).where('record_id', '=', idOf(d)).orderBy('id').execute();
      const changes = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
      expect(changes(audit[1]?.changes)).toEqual({ probability: { old: '25', new: '80' }, weighted_amount: { old: '250', new: '800' } });
      const outbox = await t.database.db.selectFrom('peyvand.outbox').select(['topic', 'payload']).where('record_id', '=', idOf(d)).orderBy('id').execute();
      expect(changes(outbox[1]?.payload)).toMatchObject({ changes: { weighted_amount: { old: '250', new: '800' } }, record: { weighted_amount: '800' } });
      // A change that does not move the formula records only itself.
      const renamed = must(await updateRecord(ctx, deal, { id: idOf(d), version: 2, values: { title: 'Renamed' } }));
      expect(renamed.weighted_amount).toBe('800');
      const last = await t.database.db.selectFrom('peyvand.audit_log').select('changes').where('record_id', '=', idOf(d)).orderBy('id', 'desc').limit(1).executeTakeFirst();
      expect(Object.keys(changes(last?.changes))).toEqual(['title']);
    });

    it('are never accepted from a client', async () => {
      const co = await newCompany();
      const error = failure(await createRecord(ctx, deal, { title: 'x', company_id: idOf(co), stage: 'proposal', weighted_amount: '1' }));
      expect(error.issues).toEqual([{ path: '/weighted_amount', field: 'weighted_amount', message: '"weighted_amount" is read-only' }]);
      const d = await newDeal(idOf(co));
      expect(failure(await updateRecord(ctx, deal, { id: idOf(d), version: 1, values: { weighted_amount: '1' } })).code).toBe('invalid');
      expect(failure(await updateRecord(ctx, company, { id: idOf(co), version: 1, values: { open_deal_count: 99 } })).issues?.[0]?.message).toBe('"open_deal_count" is read-only');
    });
  });

  describe('roll-up fields', () => {
    it('start at 0 and follow every create, update and delete of the deals, in one statement per parent set', async () => {
      const co = await newCompany();
      expect(co.open_deal_amount).toBe('0');
      expect(co.open_deal_count).toBe(0);
      const a = await newDeal(idOf(co), { amount: { amount: '100.25', currency: 'USD' } });
      await newDeal(idOf(co), { amount: { amount: '50', currency: 'USD' } });
      await newDeal(idOf(co), { stage: 'won', amount: { amount: '7000', currency: 'USD' } });
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '150.25', count: 2, version: 1 });

      must(await updateRecord(ctx, deal, { id: idOf(a), version: 1, values: { amount: { amount: '200', currency: 'USD' } } }));
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '250', count: 2, version: 1 });
      must(await updateRecord(ctx, deal, { id: idOf(a), version: 2, values: { stage: 'won' } }));
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '50', count: 1, version: 1 });
      must(await deleteRecord(ctx, deal, { id: idOf(a) }));
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '50', count: 1, version: 1 });
    });

    it('moving a deal to another company refreshes both', async () => {
      const from = await newCompany();
      const to = await newCompany();
      const d = await newDeal(idOf(from), { amount: { amount: '10', currency: 'USD' } });
      await newDeal(idOf(to), { amount: { amount: '1', currency: 'USD' } });
      must(await updateRecord(ctx, deal, { id: idOf(d), version: 1, values: { company_id: idOf(to) } }));
      expect(await rollupsOf(idOf(from))).toEqual({ amount: '0', count: 0, version: 1 });
      expect(await rollupsOf(idOf(to))).toEqual({ amount: '11', count: 2, version: 1 });
    });

    it('deleting an open deal takes it out', async () => {
      const co = await newCompany();
      const d = await newDeal(idOf(co), { amount: { amount: '10', currency: 'USD' } });
      must(await deleteRecord(ctx, deal, { id: idOf(d), version: 1 }));
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '0', count: 0, version: 1 });
    });

    it('a bulk create refreshes every company it touches', async () => {
      const one = await newCompany();
      const two = await newCompany();
      const rows = [
        ...Array.from({ length: 5 }, (_, i) => ({ title: `a${i}`, company_id: idOf(one), stage: 'proposal', amount: { amount: `${i + 1}.10`, currency: 'USD' } })),
        ...Array.from({ length: 3 }, (_, i) => ({ title: `b${i}`, company_id: idOf(two), stage: i === 0 ? 'won' : 'qualification', amount: { amount: '2', currency: 'EUR' } })),
      ];
      expect(must(await bulkCreate(ctx, deal, rows)).ids).toHaveLength(8);
      // numeric keeps the scale of what it adds: 1.10 + … + 5.10.
      expect(await rollupsOf(idOf(one))).toEqual({ amount: '15.50', count: 5, version: 1 });
      expect(await rollupsOf(idOf(two))).toEqual({ amount: '4', count: 2, version: 1 });
    });

    it('are written in the transaction of the write: rolled back with it', async () => {
      const co = await newCompany();
      await expect(
        withTransaction(t.database.db, async (trx) => {
          must(await createRecord({ ...ctx, db: trx }, deal, { title: 'x', company_id: idOf(co), stage: 'proposal', amount: { amount: '5', currency: 'USD' } }));
          const inside = await sql<{ n: number }>`select open_deal_count::int as n from data.company where id = ${idOf(co)}`.execute(trx);
          expect(inside.rows[0]?.n).toBe(1);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await rollupsOf(idOf(co))).toEqual({ amount: '0', count: 0, version: 1 });
      const deals = await sql<{ n: number }>`select count(*)::int as n from data.deal where company_id = ${idOf(co)}`.execute(t.database.db);
      expect(deals.rows[0]?.n).toBe(0);
    });
  });

  describe('validation rules', () => {
    const lost = { en: 'Say why the deal was lost.', fa: 'دلیل از دست رفتن فرصت را بنویسید.', ar: 'اذكر سبب خسارة الصفقة.' };

    it('refuse a create that breaks them, at the rule’s field, with every locale’s message', async () => {
      const co = await newCompany();
      const error = failure(await createRecord(ctx, deal, { title: 'x', company_id: idOf(co), stage: 'lost' }));
      expect(error.code).toBe('invalid');
      expect(error.issues).toEqual([{ path: '/lost_reason', field: 'lost_reason', message: lost.en, messages: lost }]);
      expect(must(await createRecord(ctx, deal, { title: 'x', company_id: idOf(co), stage: 'lost', lost_reason: 'Price' })).stage).toBe('lost');
    });

    it('refuse a whole bulk create when one record breaks them', async () => {
      const co = await newCompany();
      const before = await sql<{ n: number }>`select count(*)::int as n from data.deal`.execute(t.database.db);
      const error = failure(
        await bulkCreate(ctx, deal, [
          { title: 'ok', company_id: idOf(co), stage: 'proposal' },
          { title: 'bad', company_id: idOf(co), stage: 'lost' },
        ]),
      );
      expect(error.issues).toEqual([{ path: '/1/lost_reason', field: 'lost_reason', message: lost.en, messages: lost }]);
      const after = await sql<{ n: number }>`select count(*)::int as n from data.deal`.execute(t.database.db);
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    });

    it('check the merged record on update', async () => {
      const co = await newCompany();
      const d = await newDeal(idOf(co));
      const error = failure(await updateRecord(ctx, deal, { id: idOf(d), version: 1, values: { stage: 'lost' } }));
      expect(error.issues?.[0]).toMatchObject({ path: '/lost_reason', messages: lost });
      expect(must(await getRecord(ctx, deal, idOf(d))).version).toBe(1);
      must(await updateRecord(ctx, deal, { id: idOf(d), version: 1, values: { lost_reason: 'Budget' } }));
      expect(must(await updateRecord(ctx, deal, { id: idOf(d), version: 2, values: { stage: 'lost' } })).stage).toBe('lost');
      // Clearing the reason of a lost deal breaks the rule too.
      expect(failure(await updateRecord(ctx, deal, { id: idOf(d), version: 3, values: { lost_reason: null } })).issues?.[0]?.field).toBe('lost_reason');
    });
  });

  describe('seed data', () => {
    it('loads the pack’s CSV files; formulas and roll-ups come out of them', async () => {
      const fresh = await createTestDatabase(kind);
      try {
        const applied = await applyPackFolder(fresh.database, B2B_SALES, { actorId: null });
        if (!applied.ok) throw new Error('apply');
        const { model } = await loadCurrentModel(fresh.database.db);
        const reports = await seedData(fresh.database, model, await readSeedData(B2B_SALES), null);
        expect(reports.map((r) => `${r.entity}:${r.inserted}`)).toEqual(['company:5', 'contact:6', 'product:7', 'sales_agent:4', 'deal:5', 'activity:6']);
        const companies = await sql<{ name: string; open_deal_amount: string; open_deal_count: string | number }>`
          select name, open_deal_amount::text as open_deal_amount, open_deal_count from data.company order by name`.execute(fresh.database.db);
        expect(companies.rows.map((r) => [r.name, r.open_deal_amount, Number(r.open_deal_count)])).toEqual([
          ['Acme Corp', '120000.00', 1],
          ['Al Noor Trading', '45000', 1],
          // Its only deal is lost (with a reason, as the rule asks).
          ['Golden Gulf Finance', '0', 0],
          ['Kavir Software', '0', 0],
          ['Pars Tejarat', '8500000000', 1],
        ]);
        const weighted = await sql<{ title: string; w: string | null }>`select title, weighted_amount::text as w from data.deal order by title`.execute(fresh.database.db);
        expect(weighted.rows.map((r) => [r.title, r.w])).toEqual([
          ['Acme ERP renewal', '84000'],
          ['Al Noor CRM pilot', '9000'],
          ['Golden Gulf analytics', '0'],
          ['Kavir support contract', '1250000000'],
          ['Pars POS rollout', '3400000000'],
        ]);
      } finally {
        await fresh.drop();
      }
    });
  });
});

describe.each(BACKENDS)('computed fields added to existing records on %s', (kind) => {
  let t: TestDatabase;
  const actorId = uuidv7();

  const base = (extra: Record<string, unknown> = {}, parentExtra: Record<string, unknown> = {}) => [
    entity('team', { name: { type: 'string' }, ...parentExtra }),
    entity('task', {
      title: { type: 'string' },
      team_id: { type: 'string', format: 'uuid', 'x-ref': 'team', 'x-on-delete': 'cascade' },
      hours: { type: 'string', format: 'decimal' },
      done: { type: 'boolean' },
      ...extra,
    }),
  ];
  const version = (v: string) => ({ name: 'work', version: v });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await t.drop();
  });

  it('a new formula and a new roll-up get their values for the existing records, in the apply', async () => {
    const first = await applyPack(t.database, packOf(base(), version('1.0.0')), { actorId: null });
    if (!first.ok || first.result.status !== 'applied') throw new Error(JSON.stringify(first));
    let model = (await loadCurrentModel(t.database.db)).model;
    const ctx: RecordContext = { db: t.database.db, actorId, access: SYSTEM_ACCESS };
    const team = must(await createRecord(ctx, entityOf(model, 'team'), { name: 'Core' }));
    const tasks = [
      { title: 'a', team_id: idOf(team), hours: '1.5', done: false },
      { title: 'b', team_id: idOf(team), hours: '2', done: true },
      { title: 'c', team_id: idOf(team), hours: '0', done: false },
    ];
    must(await bulkCreate(ctx, entityOf(model, 'task'), tasks));

    const next = packOf(
      base(
        { minutes: { type: 'integer', 'x-formula': 'hours * 60' }, per_hour: { type: 'string', format: 'decimal', 'x-formula': '60 / hours' }, label: { type: 'string', 'x-formula': 'upper(title)' } },
        { open_hours: { type: 'string', format: 'decimal', 'x-rollup': { entity: 'task', via: 'team_id', measure: 'sum', field: 'hours', filter: { field: 'done', op: 'eq', value: false } } } },
      ),
      version('1.1.0'),
    );
    const second = await applyPack(t.database, next, { actorId: null });
    if (!second.ok) throw new Error(JSON.stringify(second.issues));
    expect(second.result.status).toBe('applied');
    const compute = second.result.outcomes.filter((o) => o.step.action.type === 'compute-values');
    expect(compute.map((o) => [o.step.entity, o.affectedRows])).toEqual([
      ['task', 3],
      ['team', 1],
    ]);
    // 60 / 0 cannot be computed: that record's formulas stay empty, and the outcome says so.
    expect(compute[0]?.message).toBe('1 record left empty: the formula of per_hour cannot be computed: division by zero');

    const rows = await sql<{ title: string; minutes: string | number | null; per_hour: string | null; label: string | null }>`
      select title, minutes, per_hour::text as per_hour, label from data.task order by title`.execute(t.database.db);
    expect(rows.rows.map((r) => [r.title, r.minutes === null ? null : Number(r.minutes), r.per_hour, r.label])).toEqual([
      ['a', 90, '40', 'A'],
      ['b', 120, '30', 'B'],
      ['c', null, null, null],
    ]);
    model = (await loadCurrentModel(t.database.db)).model;
    const stored = must(await getRecord(ctx, entityOf(model, 'team'), idOf(team)));
    expect(stored).toMatchObject({ open_hours: '1.5', version: 1 });
    // From now on the write path keeps them current.
    const task = entityOf(model, 'task');
    const created = must(await createRecord(ctx, task, { title: 'd', team_id: idOf(team), hours: '3', done: false }));
    expect(created).toMatchObject({ minutes: 180, per_hour: '20', label: 'D' });
    expect(must(await getRecord(ctx, entityOf(model, 'team'), idOf(team))).open_hours).toBe('4.5');
    expect(failure(await createRecord(ctx, task, { title: 'e', team_id: idOf(team), hours: '0' })).issues).toEqual([
      { path: '/per_hour', field: 'per_hour', message: 'the formula of per_hour cannot be computed: division by zero' },
    ]);
  });

  it('changing a formula or what a roll-up reads recomputes them', async () => {
    const rollup = { entity: 'task', via: 'team_id', measure: 'sum', field: 'hours' };
    const next = packOf(
      base(
        { minutes: { type: 'integer', 'x-formula': 'hours * 60' }, per_hour: { type: 'string', format: 'decimal', 'x-formula': 'if(hours == 0, null, 60 / hours)' }, label: { type: 'string', 'x-formula': 'upper(title)' } },
        { open_hours: { type: 'string', format: 'decimal', 'x-rollup': { ...rollup, filter: { field: 'done', op: 'eq', value: true } } } },
      ),
      version('1.2.0'),
    );
    const applied = await applyPack(t.database, next, { actorId: null });
    if (!applied.ok) throw new Error(JSON.stringify(applied.issues));
    expect(applied.result.outcomes.filter((o) => o.step.action.type === 'compute-values').map((o) => [o.step.entity, o.message])).toEqual([
      ['task', null],
      ['team', null],
    ]);
    const teams = await sql<{ h: string }>`select open_hours::text as h from data.team`.execute(t.database.db);
    expect(teams.rows.map((r) => r.h)).toEqual(['2']);
    const c = await sql<{ minutes: string | number | null; per_hour: string | null; label: string | null }>`select minutes, per_hour, label from data.task where title = 'c'`.execute(t.database.db);
    expect(c.rows.map((r) => [Number(r.minutes), r.per_hour, r.label])).toEqual([[0, null, 'C']]);
  });
});
