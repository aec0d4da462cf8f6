/**
 * listRecords (list-query.ts) against both backends: every filter operator with exact result sets,
 * refusals, limits, sorting, keyset pagination and Persian/Arabic-aware search.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack, applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { bulkCreate, createRecord, listRecords, type ListOutput, type RecordContext, type RecordOutput } from '../../src/lib/server/records/record-service.ts';
import { encodeCursor, LIST_LIMITS, type FilterNode, type ListInput } from '../../src/lib/server/records/list-query.ts';
import { findEntity, type EntityModel, type JsonValue, type Model } from '../../src/lib/model/types.ts';
import { must, failure } from '../support/runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

/** An entity with nullable sortable fields of several types, for keyset pagination. */
const ITEM_PACK = packOf([
  entity(
    'item',
    {
      label: { type: 'string', maxLength: 100 },
      rank: { type: 'integer' },
      due: { type: 'string', format: 'date' },
      score: { type: 'string', format: 'decimal' },
      grp: { type: 'string', enum: ['a', 'b', 'c'] },
      done: { type: 'boolean' },
    },
    { required: ['label'] },
  ),
]);
const ITEM_COUNT = 180;



function entityOf(model: Model, name: string): EntityModel {
  const found = findEntity(model, name);
  if (!found) throw new Error(`no entity ${name}`);
  return found;
}

function idOf(record: RecordOutput): string {
  return String(record.id);
}

/** Filters of unchecked shape, as a client may send them. */
function raw(value: unknown): FilterNode {
  return value as FilterNode;
}

type SortInput = NonNullable<ListInput['sort']>;

/** Nested `and` groups `depth` levels deep around one condition (the condition counts as a level). */
function nested(depth: number, leaf: FilterNode): FilterNode {
  let node: FilterNode = leaf;
  for (let i = 1; i < depth; i++) node = { and: [node] };
  return node;
}

describe.each(BACKENDS)('listing records on %s', (kind) => {
  let t: TestDatabase;
  let company: EntityModel;
  let contact: EntityModel;
  let deal: EntityModel;
  let item: EntityModel;
  let ctx: RecordContext;
  const companies: Record<string, RecordOutput> = {};
  const deals: Record<string, RecordOutput> = {};
  const contacts: Record<string, RecordOutput> = {};

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const b2b = await applyPackFolder(t.database, B2B_SALES, { actorId: null });
    if (!b2b.ok || b2b.result.status !== 'applied') throw new Error('b2b-sales did not apply');
    const items = await applyPack(t.database, ITEM_PACK, { actorId: null });
    if (!items.ok || items.result.status !== 'applied') throw new Error('item pack did not apply');
    const { model } = await loadCurrentModel(t.database.db);
    company = entityOf(model, 'company');
    contact = entityOf(model, 'contact');
    deal = entityOf(model, 'deal');
    item = entityOf(model, 'item');
    ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };

    const companyRows: [string, string | null, number | null, string | null][] = [
      ['Alpha', 'technology', 10, 'https://alpha.example'],
      ['Beta', 'retail', 250, 'https://beta.example/shop'],
      ['Gamma', null, 0, null],
      ['Delta', 'finance', null, null],
      ['Epsilon', 'technology', 1000, null],
      ['alpha two', 'services', 10, null],
      ['Zeta_%', 'retail', 5, null],
      ['Zetax1', 'retail', 6, null],
    ];
    // One at a time, so that ids (UUIDv7) follow this order.
    for (const [name, industry, employees, website] of companyRows) {
      companies[name] = must(await createRecord(ctx, company, { name, industry, employees, website }));
    }
    const alpha = idOf(companies.Alpha ?? {});
    const dealRows: [string, JsonValue, string | null, string | null][] = [
      ['d1', { amount: '100.00', currency: 'USD' }, '10', '2024-01-15'],
      ['d2', { amount: '2500.50', currency: 'IRR' }, '50.5', '2024-02-29'],
      ['d3', null, null, null],
      ['d4', { amount: '2500.5', currency: 'EUR' }, '90', '2024-03-01'],
    ];
    for (const [title, amount, probability, expected_close] of dealRows) {
      deals[title] = must(await createRecord(ctx, deal, { title, company_id: alpha, stage: 'proposal', amount, probability, expected_close }));
    }
    const beta = idOf(companies.Beta ?? {});
    const contactRows: [string, JsonValue, string | null, string | null, string | null][] = [
      ['f1', ['vip', 'renewal'], alpha, '1984-03-12', 'Prefers email. Call after 5pm'],
      ['f2', ['vip'], beta, '1990-08-21', null],
      ['f3', null, null, null, 'Met at the fair'],
      ['f4', [], alpha, '1984-03-12', null],
    ];
    for (const [name, tags, company_id, birthday, notes] of contactRows) {
      contacts[name] = must(await createRecord(ctx, contact, { full_name: name, email: `${name}@filters.example`, job_title: 'filter-set', tags, company_id, birthday, notes }));
    }

    const itemValues = Array.from({ length: ITEM_COUNT }, (_, i) => ({
      label: `i${String(i).padStart(3, '0')}`,
      rank: i % 5 === 0 ? null : i % 7,
      due: i % 4 === 0 ? null : `2024-0${1 + (i % 3)}-1${i % 5}`,
      score: i % 6 === 0 ? null : `${(i % 9) - 4}.5`,
      grp: i % 10 === 0 ? null : (['a', 'b', 'c'] as const)[i % 3] ?? null,
      done: i % 2 === 0,
    }));
    must(await bulkCreate(ctx, item, itemValues));
  });

  afterAll(async () => {
    await t.drop();
  });

  async function list(e: EntityModel, input: ListInput): Promise<ListOutput> {
    return must(await listRecords(ctx, e, { limit: LIST_LIMITS.maxPageSize, ...input }));
  }

  async function companyNames(filter: FilterNode): Promise<string[]> {
    return (await list(company, { filter })).items.map((r) => String(r.name)).sort();
  }

  async function dealTitles(filter: FilterNode): Promise<string[]> {
    return (await list(deal, { filter })).items.map((r) => String(r.title)).sort();
  }

  /** Contacts of the filter set only (other tests add contacts). */
  async function contactNames(filter: FilterNode): Promise<string[]> {
    return (await list(contact, { filter: { and: [{ field: 'job_title', op: 'eq', value: 'filter-set' }, filter] } })).items.map((r) => String(r.full_name)).sort();
  }

  const ALL_COMPANIES = ['Alpha', 'Beta', 'Delta', 'Epsilon', 'Gamma', 'Zeta_%', 'Zetax1', 'alpha two'];

  describe('filter operators', () => {
    it('integer: eq, neq (with nulls), lt, lte, gt, gte, in, not_in, between, is_null', async () => {
      const f = (op: string, value: JsonValue) => companyNames(raw({ field: 'employees', op, value }));
      expect(await f('eq', 10)).toEqual(['Alpha', 'alpha two']);
      expect(await f('neq', 10)).toEqual(['Beta', 'Delta', 'Epsilon', 'Gamma', 'Zeta_%', 'Zetax1']);
      expect(await f('lt', 10)).toEqual(['Gamma', 'Zeta_%', 'Zetax1']);
      expect(await f('lte', 10)).toEqual(['Alpha', 'Gamma', 'Zeta_%', 'Zetax1', 'alpha two']);
      expect(await f('gt', 10)).toEqual(['Beta', 'Epsilon']);
      expect(await f('gte', 250)).toEqual(['Beta', 'Epsilon']);
      expect(await f('in', [0, 1000, 7])).toEqual(['Epsilon', 'Gamma']);
      expect(await f('not_in', [10, 250])).toEqual(['Delta', 'Epsilon', 'Gamma', 'Zeta_%', 'Zetax1']);
      expect(await f('between', [5, 250])).toEqual(['Alpha', 'Beta', 'Zeta_%', 'Zetax1', 'alpha two']);
      expect(await f('between', [250, 5])).toEqual([]);
      expect(await f('is_null', true)).toEqual(['Delta']);
      expect(await f('is_null', false)).toEqual(ALL_COMPANIES.filter((n) => n !== 'Delta'));
    });

    it('`in: []` matches nothing and `not_in: []` everything', async () => {
      expect(await companyNames({ field: 'employees', op: 'in', value: [] })).toEqual([]);
      expect(await companyNames({ field: 'name', op: 'in', value: [] })).toEqual([]);
      expect(await companyNames({ field: 'id', op: 'in', value: [] })).toEqual([]);
      expect(await contactNames({ field: 'tags', op: 'in', value: [] })).toEqual([]);
      expect(await companyNames({ field: 'employees', op: 'not_in', value: [] })).toEqual(ALL_COMPANIES);
    });

    it('text: eq (case-sensitive), neq, in, not_in, contains and starts_with (case-insensitive), is_null', async () => {
      const f = (op: string, value: JsonValue) => companyNames(raw({ field: 'name', op, value }));
      expect(await f('eq', 'Beta')).toEqual(['Beta']);
      expect(await f('eq', 'beta')).toEqual([]);
      expect(await f('neq', 'Beta')).toEqual(ALL_COMPANIES.filter((n) => n !== 'Beta'));
      expect(await f('in', ['Beta', 'Gamma', 'nope'])).toEqual(['Beta', 'Gamma']);
      expect(await f('not_in', ['Beta', 'Gamma'])).toEqual(ALL_COMPANIES.filter((n) => n !== 'Beta' && n !== 'Gamma'));
      expect(await f('contains', 'LPH')).toEqual(['Alpha', 'alpha two']);
      expect(await f('starts_with', 'al')).toEqual(['Alpha', 'alpha two']);
      expect(await f('starts_with', 'pha')).toEqual([]);
      expect(await f('is_null', true)).toEqual([]);
      expect(await f('is_null', false)).toEqual(ALL_COMPANIES);
      // LIKE wildcards in the value are literal.
      expect(await f('contains', '_')).toEqual(['Zeta_%']);
      expect(await f('contains', '%')).toEqual(['Zeta_%']);
      expect(await f('contains', 'a_')).toEqual(['Zeta_%']);
      expect(await f('starts_with', 'Zeta_')).toEqual(['Zeta_%']);
      expect(await f('starts_with', '%')).toEqual([]);
      expect(await f('contains', '\\')).toEqual([]);
      // url is a text kind too.
      expect(await companyNames({ field: 'website', op: 'contains', value: 'example/shop' })).toEqual(['Beta']);
      expect(await companyNames({ field: 'website', op: 'is_null', value: true })).toEqual(ALL_COMPANIES.filter((n) => n !== 'Alpha' && n !== 'Beta'));
    });

    it('single select: eq, neq and not_in (with nulls), in, is_null', async () => {
      const f = (op: string, value: JsonValue) => companyNames(raw({ field: 'industry', op, value }));
      expect(await f('eq', 'technology')).toEqual(['Alpha', 'Epsilon']);
      expect(await f('neq', 'technology')).toEqual(['Beta', 'Delta', 'Gamma', 'Zeta_%', 'Zetax1', 'alpha two']);
      expect(await f('in', ['retail', 'finance'])).toEqual(['Beta', 'Delta', 'Zeta_%', 'Zetax1']);
      expect(await f('not_in', ['retail', 'technology'])).toEqual(['Delta', 'Gamma', 'alpha two']);
      expect(await f('is_null', true)).toEqual(['Gamma']);
      // Only the options are values.
      expect(failure(await listRecords(ctx, company, { filter: { field: 'industry', op: 'eq', value: 'mining' } })).code).toBe('invalid');
    });

    it('money compares amounts exactly: eq, neq, lt, lte, gt, gte, in, not_in, between, is_null', async () => {
      const f = (op: string, value: JsonValue) => dealTitles(raw({ field: 'amount', op, value }));
      expect(await f('eq', '2500.5')).toEqual(['d2', 'd4']);
      expect(await f('eq', '100')).toEqual(['d1']);
      expect(await f('neq', '100')).toEqual(['d2', 'd3', 'd4']);
      expect(await f('lt', '2500.50')).toEqual(['d1']);
      expect(await f('lte', '2500.50')).toEqual(['d1', 'd2', 'd4']);
      expect(await f('gt', '100')).toEqual(['d2', 'd4']);
      expect(await f('gte', '100.00')).toEqual(['d1', 'd2', 'd4']);
      expect(await f('in', ['100', '1'])).toEqual(['d1']);
      expect(await f('not_in', ['100'])).toEqual(['d2', 'd3', 'd4']);
      expect(await f('between', ['100.01', '2500.5'])).toEqual(['d2', 'd4']);
      expect(await f('is_null', true)).toEqual(['d3']);
      expect(failure(await listRecords(ctx, deal, { filter: { field: 'amount', op: 'gt', value: 100 } })).code).toBe('invalid');
    });

    it('percent and date: every comparison operator', async () => {
      const p = (op: string, value: JsonValue) => dealTitles(raw({ field: 'probability', op, value }));
      expect(await p('gte', '50.50')).toEqual(['d2', 'd4']);
      expect(await p('lt', '50.5')).toEqual(['d1']);
      expect(await p('between', ['10', '50.5'])).toEqual(['d1', 'd2']);
      expect(await p('neq', '10')).toEqual(['d2', 'd3', 'd4']);
      const d = (op: string, value: JsonValue) => dealTitles(raw({ field: 'expected_close', op, value }));
      expect(await d('eq', '2024-02-29')).toEqual(['d2']);
      expect(await d('neq', '2024-02-29')).toEqual(['d1', 'd3', 'd4']);
      expect(await d('lt', '2024-02-29')).toEqual(['d1']);
      expect(await d('lte', '2024-02-29')).toEqual(['d1', 'd2']);
      expect(await d('gt', '2024-02-29')).toEqual(['d4']);
      expect(await d('gte', '2024-02-29')).toEqual(['d2', 'd4']);
      expect(await d('between', ['2024-02-01', '2024-03-01'])).toEqual(['d2', 'd4']);
      expect(await d('in', ['2024-01-15', '2024-03-01'])).toEqual(['d1', 'd4']);
      expect(await d('not_in', ['2024-01-15'])).toEqual(['d2', 'd3', 'd4']);
      expect(await d('is_null', true)).toEqual(['d3']);
      expect(await d('is_null', false)).toEqual(['d1', 'd2', 'd4']);
    });

    it('auto-number, relation and system fields', async () => {
      const d2 = deals.d2 ?? {};
      expect(await dealTitles({ field: 'number', op: 'eq', value: String(d2.number) })).toEqual(['d2']);
      expect(await dealTitles({ field: 'number', op: 'starts_with', value: 'DL-00000' })).toEqual(['d1', 'd2', 'd3', 'd4']);
      const alpha = idOf(companies.Alpha ?? {});
      const beta = idOf(companies.Beta ?? {});
      expect(await contactNames({ field: 'company_id', op: 'eq', value: alpha })).toEqual(['f1', 'f4']);
      expect(await contactNames({ field: 'company_id', op: 'neq', value: alpha })).toEqual(['f2', 'f3']);
      expect(await contactNames({ field: 'company_id', op: 'in', value: [alpha, beta] })).toEqual(['f1', 'f2', 'f4']);
      expect(await contactNames({ field: 'company_id', op: 'not_in', value: [alpha] })).toEqual(['f2', 'f3']);
      expect(await contactNames({ field: 'company_id', op: 'is_null', value: true })).toEqual(['f3']);
      expect(await companyNames({ field: 'id', op: 'eq', value: beta })).toEqual(['Beta']);
      expect(await companyNames({ field: 'id', op: 'not_in', value: [alpha, beta] })).toEqual(ALL_COMPANIES.filter((n) => n !== 'Alpha' && n !== 'Beta'));
      const gammaAt = String(companies.Gamma?.created_at);
      expect(await companyNames({ field: 'created_at', op: 'lt', value: gammaAt })).toEqual(['Alpha', 'Beta']);
      expect(await companyNames({ field: 'created_at', op: 'between', value: [String(companies.Beta?.created_at), gammaAt] })).toEqual(['Beta', 'Gamma']);
      expect(await companyNames({ field: 'owner', op: 'is_null', value: true })).toEqual(ALL_COMPANIES);
    });

    it('tags: contains and in mean "has the element", is_null tells an empty list from none', async () => {
      expect(await contactNames({ field: 'tags', op: 'contains', value: 'vip' })).toEqual(['f1', 'f2']);
      expect(await contactNames({ field: 'tags', op: 'contains', value: 'VIP' })).toEqual([]);
      expect(await contactNames({ field: 'tags', op: 'in', value: ['renewal', 'none'] })).toEqual(['f1']);
      expect(await contactNames({ field: 'tags', op: 'in', value: ['renewal', 'vip'] })).toEqual(['f1', 'f2']);
      expect(await contactNames({ field: 'tags', op: 'is_null', value: true })).toEqual(['f3']);
      expect(await contactNames({ field: 'tags', op: 'is_null', value: false })).toEqual(['f1', 'f2', 'f4']);
    });

    it('long text and email: contains, starts_with, eq; dates of birth', async () => {
      expect(await contactNames({ field: 'notes', op: 'contains', value: 'EMAIL' })).toEqual(['f1']);
      expect(await contactNames({ field: 'notes', op: 'starts_with', value: 'met' })).toEqual(['f3']);
      expect(await contactNames({ field: 'notes', op: 'is_null', value: true })).toEqual(['f2', 'f4']);
      expect(await contactNames({ field: 'email', op: 'starts_with', value: 'F2@' })).toEqual(['f2']);
      expect(await contactNames({ field: 'email', op: 'eq', value: 'f3@filters.example' })).toEqual(['f3']);
      expect(await contactNames({ field: 'birthday', op: 'eq', value: '1984-03-12' })).toEqual(['f1', 'f4']);
      expect(await contactNames({ field: 'birthday', op: 'gt', value: '1984-03-12' })).toEqual(['f2']);
    });

    it('and / or groups nest, and empty groups mean true / false', async () => {
      expect(
        await companyNames({
          or: [
            { and: [{ field: 'industry', op: 'eq', value: 'technology' }, { field: 'employees', op: 'gt', value: 100 }] },
            { field: 'name', op: 'eq', value: 'Beta' },
          ],
        }),
      ).toEqual(['Beta', 'Epsilon']);
      expect(
        await companyNames({
          and: [
            { or: [{ field: 'industry', op: 'eq', value: 'retail' }, { field: 'industry', op: 'is_null', value: true }] },
            { or: [{ field: 'employees', op: 'lt', value: 6 }, { field: 'name', op: 'starts_with', value: 'B' }] },
          ],
        }),
      ).toEqual(['Beta', 'Gamma', 'Zeta_%']);
      expect(await companyNames({ and: [] })).toEqual(ALL_COMPANIES);
      expect(await companyNames({ or: [] })).toEqual([]);
      expect(await companyNames({ and: [{ or: [] }, { field: 'name', op: 'eq', value: 'Beta' }] })).toEqual([]);
      expect(await companyNames({ or: [{ and: [] }, { field: 'name', op: 'eq', value: 'Beta' }] })).toEqual(ALL_COMPANIES);
    });
  });

  describe('refusals', () => {
    it('refuses an operator the field type does not allow, naming the operator', async () => {
      const cases: [EntityModel, string, string, JsonValue][] = [
        [company, 'employees', 'contains', '1'],
        [company, 'employees', 'starts_with', '1'],
        [company, 'industry', 'contains', 'tech'],
        [company, 'industry', 'lt', 'technology'],
        [company, 'name', 'between', ['a', 'b']],
        [contact, 'tags', 'eq', 'vip'],
        [contact, 'tags', 'neq', 'vip'],
        [contact, 'tags', 'not_in', ['vip']],
        [contact, 'company_id', 'lt', '01900000-0000-7000-8000-000000000000'],
        [contact, 'notes', 'lt', 'a'],
        [contact, 'birthday', 'starts_with', '1984'],
        [deal, 'amount', 'contains', '1'],
        [company, 'id', 'contains', 'a'],
      ];
      for (const [e, field, op, value] of cases) {
        const error = failure(await listRecords(ctx, e, { filter: raw({ field, op, value }) }));
        expect(error.code, `${field} ${op}`).toBe('invalid');
        expect(error.message, `${field} ${op}`).toContain(`"${op}"`);
        expect(error.message).toContain(field);
        expect(error.issues?.[0]?.path).toBe('/filter/op');
      }
      for (const op of ['like', 'LIKE', 'eq ', '', 'regex', '=', 'ilike']) {
        const error = failure(await listRecords(ctx, company, { filter: raw({ field: 'name', op, value: 'x' }) }));
        expect(error.message).toMatch(/unknown operator/);
      }
    });

    it('refuses unknown fields, internal columns and names that look like SQL', async () => {
      const names: unknown[] = [
        'nope',
        '_search',
        'password_hash',
        'users.password_hash',
        'peyvand.users.password_hash',
        'id; drop table data.company',
        'name; drop table x',
        '"name"',
        'Name',
        'amount__amount',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        '',
        42,
        null,
      ];
      for (const field of names) {
        const onCompany = failure(await listRecords(ctx, company, { filter: raw({ field, op: 'eq', value: 'x' }) }));
        expect(onCompany.code, String(field)).toBe('invalid');
        expect(onCompany.issues?.[0]?.path).toBe('/filter/field');
        const onDeal = failure(await listRecords(ctx, deal, { filter: raw({ field, op: 'is_null', value: true }) }));
        expect(onDeal.code, String(field)).toBe('invalid');
        const sorted = failure(await listRecords(ctx, company, { sort: [{ field: String(field) }] }));
        expect(sorted.code, String(field)).toBe('invalid');
        expect(sorted.issues?.[0]?.path).toBe('/sort/0/field');
      }
      for (const field of ['tags', 'company_id', 'notes']) {
        const error = failure(await listRecords(ctx, contact, { sort: [{ field, direction: 'asc' }] }));
        expect(error.message).toMatch(/cannot be sorted/);
      }
      expect(failure(await listRecords(ctx, company, { sort: [{ field: 'name', direction: 'desc; drop table x' as 'desc' }] })).code).toBe('invalid');
      expect(
        failure(await listRecords(ctx, company, { sort: [{ field: 'name' }, { field: 'employees' }, { field: 'industry' }, { field: 'phone' }, { field: 'website' }] })).message,
      ).toMatch(/at most 4 sort keys/);
    });

    it('refuses badly typed values and malformed filters', async () => {
      const bad: [EntityModel, unknown][] = [
        [company, { field: 'employees', op: 'eq', value: '10' }],
        [company, { field: 'employees', op: 'eq', value: 1.5 }],
        [company, { field: 'employees', op: 'in', value: 10 }],
        [company, { field: 'employees', op: 'between', value: [1, 2, 3] }],
        [company, { field: 'employees', op: 'is_null', value: 'yes' }],
        [company, { field: 'name', op: 'contains', value: '' }],
        [company, { field: 'name', op: 'contains', value: 'x'.repeat(501) }],
        [company, { field: 'name', op: 'in', value: Array.from({ length: LIST_LIMITS.maxInValues + 1 }, (_, i) => `n${i}`) }],
        [company, { field: 'id', op: 'eq', value: 'not-a-uuid' }],
        [contact, { field: 'birthday', op: 'eq', value: '2023-02-29' }],
        [company, { field: 'name', op: 'eq', value: 'x', extra: 1 }],
        [company, { and: 'x' }],
        [company, { and: [], or: [] }],
        [company, []],
        [company, 'name = 1'],
        [company, null],
      ];
      for (const [e, filter] of bad) {
        const error = failure(await listRecords(ctx, e, { filter: raw(filter) }));
        expect(error.code, JSON.stringify(filter).slice(0, 80)).toBe('invalid');
      }
    });

    it('limits nesting depth and the number of conditions', async () => {
      const leaf: FilterNode = { field: 'name', op: 'eq', value: 'Beta' };
      expect(await companyNames(nested(LIST_LIMITS.maxFilterDepth, leaf))).toEqual(['Beta']);
      const deep = failure(await listRecords(ctx, company, { filter: nested(LIST_LIMITS.maxFilterDepth + 1, leaf) }));
      expect(deep.message).toMatch(/nested at most 4 levels/);

      const conditions = (n: number): FilterNode => ({ or: Array.from({ length: n }, (_, i): FilterNode => ({ field: 'employees', op: 'eq', value: i })) });
      // The group counts as a node: 1 + 49 = 50 is the most.
      expect(await companyNames(conditions(LIST_LIMITS.maxFilterNodes - 1))).toEqual(['Alpha', 'Gamma', 'Zeta_%', 'Zetax1', 'alpha two']);
      const wide = failure(await listRecords(ctx, company, { filter: conditions(LIST_LIMITS.maxFilterNodes) }));
      expect(wide.message).toMatch(/at most 50 conditions/);
    });

    it('limits the page size', async () => {
      for (const limit of [0, -1, 1.5, LIST_LIMITS.maxPageSize + 1, Number.NaN, 1e9]) {
        expect(failure(await listRecords(ctx, item, { limit })).code).toBe('invalid');
      }
      expect((await list(item, { limit: LIST_LIMITS.maxPageSize })).items).toHaveLength(ITEM_COUNT);
      expect(must(await listRecords(ctx, item, {})).items).toHaveLength(LIST_LIMITS.defaultPageSize);
      expect(must(await listRecords(ctx, item, { limit: 1 })).items).toHaveLength(1);
    });
  });

  describe('sorting and paging', () => {
    it('sorts by several columns with mixed directions; nulls last ascending, first descending', async () => {
      const names = async (sort: SortInput) => (await list(company, { sort })).items.map((r) => r.name);
      expect(await names([{ field: 'industry', direction: 'asc' }, { field: 'employees', direction: 'desc' }])).toEqual([
        'Delta',
        'Beta',
        'Zetax1',
        'Zeta_%',
        'alpha two',
        'Epsilon',
        'Alpha',
        'Gamma',
      ]);
      expect(await names([{ field: 'industry', direction: 'desc' }, { field: 'employees', direction: 'asc' }])).toEqual([
        'Gamma',
        'Alpha',
        'Epsilon',
        'alpha two',
        'Zeta_%',
        'Zetax1',
        'Beta',
        'Delta',
      ]);
      // Ties are broken by the id, in the direction of the first key.
      expect(await names([{ field: 'employees', direction: 'asc' }])).toEqual(['Gamma', 'Zeta_%', 'Zetax1', 'Alpha', 'alpha two', 'Beta', 'Epsilon', 'Delta']);
      expect(await names([{ field: 'employees', direction: 'desc' }])).toEqual(['Delta', 'Epsilon', 'Beta', 'alpha two', 'Alpha', 'Zetax1', 'Zeta_%', 'Gamma']);
      expect(await names([{ field: 'employees' }])).toEqual(await names([{ field: 'employees', direction: 'asc' }]));
      // Deals sort by their default (expected_close asc, nulls last).
      expect((await list(deal, {})).items.map((r) => r.title)).toEqual(['d1', 'd2', 'd4', 'd3']);
      expect((await list(deal, { sort: [{ field: 'amount', direction: 'desc' }, { field: 'title', direction: 'desc' }] })).items.map((r) => r.title)).toEqual(['d3', 'd4', 'd2', 'd1']);
    });

    type Key = { field: string; direction?: 'asc' | 'desc' };
    const SORTS: Key[][] = [
      [],
      [{ field: 'rank', direction: 'asc' }],
      [{ field: 'rank', direction: 'desc' }],
      [{ field: 'due', direction: 'asc' }, { field: 'rank', direction: 'desc' }],
      [{ field: 'grp', direction: 'desc' }, { field: 'score', direction: 'asc' }, { field: 'label', direction: 'desc' }],
      [{ field: 'score', direction: 'desc' }, { field: 'due', direction: 'desc' }],
      [{ field: 'done', direction: 'asc' }, { field: 'rank', direction: 'asc' }],
      [{ field: 'created_at', direction: 'desc' }],
      [{ field: 'label', direction: 'asc' }],
      [{ field: 'rank', direction: 'asc' }, { field: 'id', direction: 'desc' }],
    ];

    /** The order PostgreSQL gives, written out: nulls last ascending, first descending; ids break ties. */
    function compareBy(keys: readonly Key[]): (a: RecordOutput, b: RecordOutput) => number {
      const effective = keys.length === 0 ? [{ field: 'id', direction: 'desc' as const }] : [...keys];
      if (!effective.some((k) => k.field === 'id')) effective.push({ field: 'id', direction: effective[0]?.direction ?? 'asc' });
      return (a, b) => {
        for (const key of effective) {
          const desc = key.direction === 'desc';
          const x = a[key.field] ?? null;
          const y = b[key.field] ?? null;
          if (x === null && y === null) continue;
          if (x === null) return desc ? -1 : 1;
          if (y === null) return desc ? 1 : -1;
          let c: number;
          if (key.field === 'score') c = Number(x) - Number(y);
          else if (typeof x === 'number' && typeof y === 'number') c = x - y;
          else if (typeof x === 'boolean' && typeof y === 'boolean') c = Number(x) - Number(y);
          else c = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
          if (c !== 0) return desc ? -c : c;
        }
        return 0;
      };
    }

    async function walk(input: ListInput, pageSize: number): Promise<{ ids: string[]; pages: number; totals: (number | undefined)[] }> {
      const ids: string[] = [];
      const totals: (number | undefined)[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ListOutput = must(await listRecords(ctx, item, { ...input, limit: pageSize, cursor }));
        ids.push(...page.items.map(idOf));
        totals.push(page.total);
        cursor = page.nextCursor;
        pages++;
        if (pages > ITEM_COUNT + 2) throw new Error('pagination does not end');
      } while (cursor !== null);
      return { ids, pages, totals };
    }

    it('keyset pagination walks every record exactly once, in order, for several sorts', async () => {
      for (const sort of SORTS) {
        const full = await list(item, { sort });
        expect(full.items).toHaveLength(ITEM_COUNT);
        expect(full.nextCursor).toBeNull();
        const expected = [...full.items].sort(compareBy(sort)).map(idOf);
        expect(full.items.map(idOf), JSON.stringify(sort)).toEqual(expected);
        for (const pageSize of [7, 50]) {
          const walked = await walk({ sort }, pageSize);
          expect(walked.ids, `${JSON.stringify(sort)} by ${pageSize}`).toEqual(expected);
          expect(new Set(walked.ids).size).toBe(ITEM_COUNT);
          expect(walked.pages).toBe(Math.ceil(ITEM_COUNT / pageSize));
        }
      }
    });

    it('keeps the filter and search across pages, and reports the same total on each page', async () => {
      const filter: FilterNode = { or: [{ field: 'done', op: 'eq', value: true }, { field: 'rank', op: 'is_null', value: true }] };
      const sort: SortInput = [{ field: 'rank', direction: 'desc' }, { field: 'due', direction: 'asc' }];
      const full = await list(item, { filter, sort, includeTotal: true });
      const expectedCount = Array.from({ length: ITEM_COUNT }, (_, i) => i).filter((i) => i % 2 === 0 || i % 5 === 0).length;
      expect(full.total).toBe(expectedCount);
      expect(full.items).toHaveLength(expectedCount);
      const walked = await walk({ filter, sort, includeTotal: true }, 9);
      expect(walked.ids).toEqual(full.items.map(idOf));
      expect(new Set(walked.totals)).toEqual(new Set([expectedCount]));

      const searched = await walk({ search: 'i1', sort: [{ field: 'score', direction: 'asc' }] }, 4);
      expect(searched.ids).toHaveLength(80); // i100–i179
    });

    it('includeTotal counts every match, whatever the page size', async () => {
      const page = must(await listRecords(ctx, item, { limit: 5, includeTotal: true }));
      expect(page.items).toHaveLength(5);
      expect(page.total).toBe(ITEM_COUNT);
      expect(must(await listRecords(ctx, item, { limit: 5, filter: { field: 'grp', op: 'is_null', value: true }, includeTotal: true })).total).toBe(18);
      expect(must(await listRecords(ctx, item, { limit: 5 })).total).toBeUndefined();
      expect(must(await listRecords(ctx, company, { filter: { field: 'name', op: 'in', value: [] }, includeTotal: true }))).toEqual({ items: [], nextCursor: null, total: 0 });
    });

    it('includeTotal { upTo } stops counting at the cap and says there are at least that many', async () => {
      const capped = must(await listRecords(ctx, item, { limit: 5, includeTotal: { upTo: 100 } }));
      expect(capped).toMatchObject({ total: 100, totalIsAtLeast: true });
      const exact = must(await listRecords(ctx, item, { limit: 5, includeTotal: { upTo: 1000 } }));
      expect(exact.total).toBe(ITEM_COUNT);
      expect(exact.totalIsAtLeast).toBeUndefined();
    });

    it('refuses a tampered or foreign cursor', async () => {
      const sort: SortInput = [{ field: 'due', direction: 'asc' }];
      const first = must(await listRecords(ctx, item, { sort, limit: 10 }));
      const cursor = first.nextCursor ?? '';
      expect(cursor).not.toBe('');
      const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
      expect(values).toHaveLength(2);
      const tampered = [
        'garbage!!',
        `${cursor}x`,
        cursor.slice(0, -3),
        encodeCursor([]),
        encodeCursor([values[0] ?? null]),
        encodeCursor([...values, 'extra']),
        Buffer.from(JSON.stringify({ due: values[0] })).toString('base64url'),
        encodeCursor([{ $gt: '' }, values[1] ?? null]),
        encodeCursor([values[0] ?? null, "' or 1=1 --"]),
        encodeCursor(['not a date', values[1] ?? null]),
        encodeCursor(['0000-01-01', values[1] ?? null]),
        'A'.repeat(5000),
      ];
      for (const c of tampered) {
        const error = failure(await listRecords(ctx, item, { sort, limit: 10, cursor: c }));
        expect(error.code, c.slice(0, 40)).toBe('invalid');
      }
      // A cursor of another sort whose values do not fit this one.
      const byLabel = must(await listRecords(ctx, item, { sort: [{ field: 'label' }], limit: 10 })).nextCursor ?? '';
      expect(failure(await listRecords(ctx, item, { sort: [{ field: 'rank' }], limit: 10, cursor: byLabel })).code).toBe('invalid');
      // The genuine cursor still works.
      expect(must(await listRecords(ctx, item, { sort, limit: 10, cursor })).items).toHaveLength(10);
    });
  });

  describe('search', () => {
    const people: Record<string, string> = {
      s1: 'کیوان یزدی', // Persian yeh (U+06CC) and keheh (U+06A9)
      s2: 'مكي الهاشمي', // Arabic kaf (U+0643) and yeh (U+064A)
      s3: 'Persian Digits',
      s4: 'Arabic Digits',
      s5: 'Ascii Digits',
      s6: 'کتاب\u200Cخانه مرکزی', // half-space (ZWNJ)
      s7: 'نامه رسان',
      s8: '100% Pure Sales',
      s9: 'snake_case Person',
      s10: 'Acme Smith',
      s11: 'Acme Jones',
      s12: 'Jane Smith',
      s13: 'مدرسة النور',
      s14: 'أحمد رضا',
    };
    const notes: Record<string, string> = { s3: 'کد ۱۲۳۴۵', s4: 'رقم ٦٧٨٩٠', s5: 'ref 55501' };

    beforeAll(async () => {
      for (const [key, full_name] of Object.entries(people)) {
        must(await createRecord(ctx, contact, { full_name, email: `${key}@search.example`, job_title: 'search-set', notes: notes[key] ?? null }));
      }
    });

    async function found(search: string, filter?: FilterNode): Promise<string[]> {
      const result = await list(contact, { search, ...(filter ? { filter } : {}) });
      return result.items.map((r) => String(r.email).split('@')[0] ?? '').sort();
    }

    it('matches Persian and Arabic spellings of ی and ک both ways', async () => {
      expect(await found('كيوان')).toEqual(['s1']); // typed with Arabic kaf and yeh
      expect(await found('يزدي')).toEqual(['s1']);
      expect(await found('یزدی')).toEqual(['s1']);
      expect(await found('مکی')).toEqual(['s2']); // typed with Persian keheh and yeh
      expect(await found('الهاشمی')).toEqual(['s2']);
      expect(await found('مكي')).toEqual(['s2']);
      expect(await found('مدرسه')).toEqual(['s13']); // teh marbuta ↔ heh
      expect(await found('احمد')).toEqual(['s14']); // alef with hamza ↔ alef
    });

    it('matches Persian and Arabic-Indic digits with ASCII digits', async () => {
      expect(await found('12345')).toEqual(['s3']);
      expect(await found('١٢٣٤٥')).toEqual(['s3']);
      expect(await found('۶۷۸۹۰')).toEqual(['s4']);
      expect(await found('67890')).toEqual(['s4']);
      expect(await found('۵۵۵۰۱')).toEqual(['s5']);
      expect(await found('٥٥٥٠١')).toEqual(['s5']);
    });

    it('treats the half-space (ZWNJ) as a space', async () => {
      expect(await found('کتاب خانه')).toEqual(['s6']);
      expect(await found('کتاب\u200Cخانه')).toEqual(['s6']);
      expect(await found('كتاب')).toEqual(['s6']);
      expect(await found('نامه\u200Cرسان')).toEqual(['s7']);
      expect(await found('نامه رسان')).toEqual(['s7']);
    });

    it('needs every term to match, ignoring case', async () => {
      expect(await found('smith')).toEqual(['s10', 's12']);
      expect(await found('acme')).toEqual(['s10', 's11']);
      expect(await found('acme smith')).toEqual(['s10']);
      expect(await found('  SMITH   acme ')).toEqual(['s10']);
      expect(await found('acme nobody')).toEqual([]);
      expect(await found('smith', { field: 'full_name', op: 'starts_with', value: 'Jane' })).toEqual(['s12']);
    });

    it('takes % and _ literally', async () => {
      expect(await found('%')).toEqual(['s8']);
      expect(await found('0%')).toEqual(['s8']);
      expect(await found('100%')).toEqual(['s8']);
      expect(await found('_')).toEqual(['s9']);
      expect(await found('e_c')).toEqual(['s9']);
      expect(await found('a%e')).toEqual([]);
      expect(await found('%%')).toEqual([]);
      expect(await found('s_ith')).toEqual([]);
      expect(await found('\\')).toEqual([]);
    });

    it('refuses more words than it searches for, and lets a word that folds to nothing match everything', async () => {
      const error = failure(await listRecords(ctx, contact, { search: 'a b c d e f g h i' }));
      expect(error.code).toBe('invalid');
      expect(error.message).toMatch(/at most 8 words/);
      expect(await found('smith \u0640')).toEqual(['s10', 's12']);
    });

    it('finds a record by its auto-number right after it was created', async () => {
      const owner = must(await createRecord(ctx, company, { name: 'Numbered Co' }));
      const created = must(await createRecord(ctx, deal, { title: 'Numbered deal', company_id: idOf(owner), stage: 'proposal' }));
      expect(String(created.number)).toMatch(/^DL-\d{6}$/);
      const hits = await list(deal, { search: String(created.number) });
      expect(hits.items.map((r) => r.id)).toEqual([created.id]);
    });

    it('ignores a blank search and refuses an overlong one', async () => {
      const everyone = await list(contact, {});
      expect((await list(contact, { search: '   \u200C ' })).items).toEqual(everyone.items);
      const error = failure(await listRecords(ctx, contact, { search: 'x'.repeat(LIST_LIMITS.maxSearchLength + 1) }));
      expect(error.code).toBe('invalid');
      expect(error.issues?.[0]?.path).toBe('/search');
    });
  });
});
