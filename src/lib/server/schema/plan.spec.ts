import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entity, modelOf, type EntityDoc } from '../../../../tests/support/packs.ts';
import { deepFreeze } from '../../model/canonical-json.ts';
import { buildModel, composeModel } from '../../model/compose-model.ts';
import { loadPack } from '../../model/load-pack.ts';
import type { Model } from '../../model/types.ts';
import { planMigration, TEXT_CAST_PATTERNS, type PlanOptions, type SchemaStep, type StepAction, type StepKind } from './plan.ts';

const PLAIN: PlanOptions = { trigram: false };

const TEXT = { type: 'string' };
const INTEGER = { type: 'integer' };
const DECIMAL = { type: 'string', format: 'decimal' };
const MONEY = { type: 'object', 'x-type': 'money', 'x-default-currency': 'USD' };
const DATE = { type: 'string', format: 'date' };
const DATETIME = { type: 'string', format: 'date-time' };
const BOOLEAN = { type: 'boolean' };
const TAGS = { type: 'array', items: { type: 'string' } };
const AUTO_NUMBER = { type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{000000}' };
const select = (...values: string[]) => ({ type: 'string', enum: values });
const multiSelect = (...values: string[]) => ({ type: 'array', items: { type: 'string', enum: values } });
const relation = (target: string, onDelete = 'set-null') => ({ type: 'string', format: 'uuid', 'x-ref': target, 'x-on-delete': onDelete });

function plan(before: readonly EntityDoc[], after: readonly EntityDoc[], options: PlanOptions = PLAIN): SchemaStep[] {
  return planMigration(modelOf(before), modelOf(after), options);
}

const kinds = (steps: readonly SchemaStep[]): StepKind[] => steps.map((s) => s.kind);

/** The one step of `kind`; fails the test when there are none or several. */
function only(steps: readonly SchemaStep[], kind: StepKind): SchemaStep {
  const found = steps.filter((s) => s.kind === kind);
  expect(found, `exactly one ${kind} step in ${kinds(steps).join(', ')}`).toHaveLength(1);
  const [step] = found;
  if (!step) throw new Error('unreachable');
  return step;
}

function actionOf<T extends StepAction['type']>(step: SchemaStep, type: T): Extract<StepAction, { type: T }> {
  expect(step.action.type).toBe(type);
  return step.action as Extract<StepAction, { type: T }>;
}

/** Entity `thing` whose field `value` changes from one property schema to another. */
function retype(from: Record<string, unknown>, to: Record<string, unknown>): SchemaStep[] {
  // `name` stays the first text field, so the title field (and the entity) does not change.
  return plan([entity('thing', { name: TEXT, value: from })], [entity('thing', { name: TEXT, value: to })]);
}

function b2bSalesModel(): Model {
  const root = new URL('../../../../packs/b2b-sales/', import.meta.url);
  const dir = new URL('entities/', root);
  const result = loadPack({
    manifest: { path: 'pack.json', text: readFileSync(new URL('pack.json', root), 'utf8') },
    entities: readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ path: `entities/${f}`, text: readFileSync(new URL(f, dir), 'utf8') })),
  });
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  const composed = composeModel(buildModel([], []), result.pack);
  if (!composed.ok) throw new Error(composed.issues.map((i) => i.message).join('\n'));
  return composed.model;
}

describe('planMigration: entities', () => {
  it('entity.create: a table with system and field columns, then its indexes and links, none destructive', () => {
    const company = entity('company', { name: TEXT });
    const contact = entity('contact', { full_name: TEXT, email: { type: 'string', 'x-unique': true }, company_id: relation('company', 'cascade') }, { required: ['full_name'] });
    const steps = plan([company], [company, contact], { trigram: true });

    expect(kinds(steps)).toEqual(['entity.create', 'index.add', 'index.add', 'index.add', 'index.add', 'relation.add']);
    expect(steps.every((s) => !s.destructive)).toBe(true);
    const create = actionOf(only(steps, 'entity.create'), 'create-table');
    expect(create.table).toBe('contact');
    expect(create.columns.map((c) => [c.name, c.sqlType, c.notNull])).toEqual([
      ['id', 'uuid', true],
      ['created_at', 'timestamptz', true],
      ['updated_at', 'timestamptz', true],
      ['created_by', 'uuid', false],
      ['owner', 'uuid', false],
      ['version', 'bigint', true],
      ['_search', 'text', false],
      ['full_name', 'text', true],
      ['email', 'text', false],
      ['company_id', 'uuid', false],
    ]);
    expect(steps.filter((s) => s.kind === 'index.add').map((s) => actionOf(s, 'create-index').index)).toEqual([
      { name: 'contact__email__key', columns: [{ column: 'email', direction: 'asc' }], unique: true, method: 'btree' },
      { name: 'contact__company_id__idx', columns: [{ column: 'company_id', direction: 'asc' }], unique: false, method: 'btree' },
      { name: 'contact__owner__idx', columns: [{ column: 'owner', direction: 'asc' }, { column: 'id', direction: 'asc' }], unique: false, method: 'btree' },
      { name: 'contact___search__trgm', columns: [{ column: '_search', direction: 'asc' }], unique: false, method: 'trigram' },
    ]);
    const link = only(steps, 'relation.add');
    // A new table has no rows that could point at missing records.
    expect(link.check).toBeUndefined();
    expect(actionOf(link, 'add-foreign-key').fk).toEqual({ name: 'contact__company_id__fk', column: 'company_id', target: 'company', onDelete: 'cascade' });
  });

  it('entity.rename: a declared rename moves the table and renames its indexes, links and sequences', () => {
    const before = [
      entity('company', { name: { type: 'string', 'x-unique': true }, number: AUTO_NUMBER, parent_id: relation('company') }),
      entity('contact', { full_name: TEXT, company_id: relation('company') }),
    ];
    const after = [
      entity('firm', { name: { type: 'string', 'x-unique': true }, number: AUTO_NUMBER, parent_id: relation('firm') }, { 'x-renamed-from': ['company'], title: 'Company' }),
      entity('contact', { full_name: TEXT, company_id: relation('firm') }),
    ];
    const steps = plan(before, after);

    const structural = kinds(steps).filter((k) => k !== 'field.update');
    expect(structural).toEqual(['entity.rename', 'field.rename', 'index.rename', 'index.rename', 'index.rename', 'relation.rename']);
    expect(steps.some((s) => s.destructive)).toBe(false);
    expect(actionOf(only(steps, 'entity.rename'), 'rename-table')).toEqual({ type: 'rename-table', from: 'company', to: 'firm' });
    expect(actionOf(only(steps, 'field.rename'), 'rename-columns')).toEqual({ type: 'rename-columns', table: 'firm', pairs: [], sequence: ['company__number__seq', 'firm__number__seq'] });
    expect(steps.filter((s) => s.kind === 'index.rename').map((s) => s.action)).toEqual([
      { type: 'rename-index', from: 'company__name__key', to: 'firm__name__key' },
      { type: 'rename-index', from: 'company__parent_id__idx', to: 'firm__parent_id__idx' },
      { type: 'rename-index', from: 'company__owner__idx', to: 'firm__owner__idx' },
    ]);
    expect(actionOf(only(steps, 'relation.rename'), 'rename-constraint')).toEqual({ type: 'rename-constraint', table: 'firm', from: 'company__parent_id__fk', to: 'firm__parent_id__fk' });
  });

  it('entity.drop: destructive, counts the rows, unlinks the table and moves it to the archive', () => {
    const company = entity('company', { name: TEXT });
    const deal = entity('deal', { title: TEXT, company_id: relation('company', 'cascade') });
    const steps = plan([company, deal], [company]);

    // The link goes first: an archived table must not be reached by ON DELETE of live records.
    expect(kinds(steps)).toEqual(['relation.drop', 'entity.drop']);
    expect(steps[0]?.action).toEqual({ type: 'drop-foreign-key', table: 'deal', name: 'deal__company_id__fk' });
    const drop = only(steps, 'entity.drop');
    expect(drop.destructive).toBe(true);
    expect(drop.check).toEqual({ table: 'deal', test: { kind: 'rows' } });
    expect(drop.action).toEqual({ type: 'archive-table', table: 'deal', sequences: [] });
  });

  it('entity.update: a label-only change runs nothing', () => {
    const steps = plan([entity('company', { name: TEXT }, { title: 'Company' })], [entity('company', { name: TEXT }, { title: 'Organisation' })]);
    expect(kinds(steps)).toEqual(['entity.update']);
    expect(steps[0]?.destructive).toBe(false);
    expect(steps[0]?.check).toBeUndefined();
    expect(steps[0]?.action).toEqual({ type: 'none' });
  });
});

describe('planMigration: adding, renaming and removing fields', () => {
  const base = { name: TEXT };

  it('field.add: an optional field is a nullable column and touches no rows', () => {
    const steps = plan([entity('company', base)], [entity('company', { ...base, website: TEXT })]);
    expect(kinds(steps)).toEqual(['field.add']);
    const step = only(steps, 'field.add');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(step.action).toEqual({ type: 'add-columns', table: 'company', columns: [{ name: 'website', sqlType: 'text', notNull: false }], sequence: null });
  });

  it('field.add: a required field with a default fills existing records with it', () => {
    const steps = plan([entity('company', base)], [entity('company', { ...base, stage: { ...select('lead', 'customer'), default: 'lead' } }, { required: ['stage'] })]);
    const step = only(steps, 'field.add');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(actionOf(step, 'add-columns').columns).toEqual([{ name: 'stage', sqlType: 'text', notNull: true, fill: 'lead' }]);
  });

  it('field.add: a required field without a default is impossible once the table has records', () => {
    const step = only(plan([entity('company', base)], [entity('company', { ...base, code: TEXT }, { required: ['code'] })]), 'field.add');
    expect(step.check?.table).toBe('company');
    expect(step.check?.test).toEqual({ kind: 'rows' });
    expect(step.check?.impossible).toContain('"default"');
    expect(actionOf(step, 'add-columns').columns).toEqual([{ name: 'code', sqlType: 'text', notNull: true }]);
  });

  it('field.add: an auto-number field gets its own sequence as the column default', () => {
    const step = only(plan([entity('invoice', base)], [entity('invoice', { ...base, number: AUTO_NUMBER })]), 'field.add');
    expect(step.check).toBeUndefined();
    expect(step.action).toEqual({
      type: 'add-columns',
      table: 'invoice',
      columns: [{ name: 'number', sqlType: 'text', notNull: false, autoNumber: { sequence: 'invoice__number__seq', prefix: 'INV-', digits: 6 } }],
      sequence: 'invoice__number__seq',
    });
  });

  it('field.rename: a declared rename renames the column and its index, keeping the values', () => {
    const steps = plan(
      [entity('company', { ...base, code: { type: 'string', 'x-index': true } })],
      [entity('company', { ...base, ref: { type: 'string', 'x-index': true, 'x-renamed-from': ['code'] } })],
    );
    expect(kinds(steps)).not.toContain('field.add');
    expect(kinds(steps)).not.toContain('field.drop');
    expect(kinds(steps)).not.toContain('index.drop');
    const rename = only(steps, 'field.rename');
    expect(rename.destructive).toBe(false);
    expect(rename.action).toEqual({ type: 'rename-columns', table: 'company', pairs: [['code', 'ref']], sequence: null });
    expect(only(steps, 'index.rename').action).toEqual({ type: 'rename-index', from: 'company__code__idx', to: 'company__ref__idx' });
  });

  it('field.rename: money renames both of its columns', () => {
    const steps = plan(
      [entity('deal', { ...base, price: { ...MONEY, 'x-index': true } })],
      [entity('deal', { ...base, amount: { ...MONEY, 'x-index': true, 'x-renamed-from': ['price'] } })],
    );
    expect(actionOf(only(steps, 'field.rename'), 'rename-columns').pairs).toEqual([
      ['price__amount', 'amount__amount'],
      ['price__currency', 'amount__currency'],
    ]);
    expect(only(steps, 'index.rename').action).toEqual({ type: 'rename-index', from: 'deal__price__amount__idx', to: 'deal__amount__amount__idx' });
    expect(kinds(steps)).not.toContain('field.drop');
  });

  it('field.drop: destructive, counts the values it loses, drops every column of the field', () => {
    const steps = plan([entity('deal', { ...base, notes: TEXT, price: MONEY })], [entity('deal', base)]);
    expect(kinds(steps)).toEqual(['field.drop', 'field.drop', 'search.refresh']);
    const [notes, price] = steps;
    expect(notes?.destructive).toBe(true);
    expect(notes?.check).toEqual({ table: 'deal', test: { kind: 'not-null', column: 'notes' } });
    expect(notes?.action).toEqual({ type: 'drop-columns', table: 'deal', columns: ['notes'], sequence: null });
    expect(price?.destructive).toBe(true);
    expect(price?.action).toEqual({ type: 'drop-columns', table: 'deal', columns: ['price__amount', 'price__currency'], sequence: null });
    // notes fed the search text; it is rebuilt without it.
    expect(steps[2]?.action).toEqual({ type: 'refresh-search', table: 'deal', sources: [{ column: 'name', isArray: false }] });
  });

  it('field.drop: an auto-number field takes its sequence with it', () => {
    const step = only(plan([entity('invoice', { ...base, number: AUTO_NUMBER })], [entity('invoice', base)]), 'field.drop');
    expect(step.action).toEqual({ type: 'drop-columns', table: 'invoice', columns: ['number'], sequence: 'invoice__number__seq' });
  });

  it('field.update: a label-only change runs nothing', () => {
    const steps = plan([entity('company', { ...base, city: { type: 'string', title: 'City' } })], [entity('company', { ...base, city: { type: 'string', title: 'Town' } })]);
    expect(kinds(steps)).toEqual(['field.update']);
    expect(steps[0]?.destructive).toBe(false);
    expect(steps[0]?.action).toEqual({ type: 'none' });
  });

  it('field.autonumber: a new format applies to new records only', () => {
    const steps = plan([entity('invoice', { ...base, number: AUTO_NUMBER })], [entity('invoice', { ...base, number: { ...AUTO_NUMBER, 'x-format': 'F-{0000}' } })]);
    expect(kinds(steps)).toEqual(['field.autonumber']);
    expect(steps[0]?.destructive).toBe(false);
    expect(steps[0]?.action).toEqual({ type: 'set-autonumber', table: 'invoice', column: 'number', sequence: 'invoice__number__seq', prefix: 'F-', digits: 4 });
  });
});

describe('planMigration: field.retype by conversion class', () => {
  it('text → integer is lossy: values that are not whole numbers are counted and cleared', () => {
    const step = only(retype(TEXT, INTEGER), 'field.retype');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'thing', test: { kind: 'not-matching', column: 'value', regex: TEXT_CAST_PATTERNS.bigint } });
    expect(step.action).toEqual({ type: 'convert-columns', table: 'thing', column: 'value', toColumn: 'value', from: 'text', to: 'bigint', drop: [], add: [], fill: null });
  });

  it('integer → decimal is lossless', () => {
    const step = only(retype(INTEGER, DECIMAL), 'field.retype');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(actionOf(step, 'convert-columns')).toMatchObject({ from: 'bigint', to: 'numeric' });
  });

  it('decimal → integer counts the values with a fraction', () => {
    const step = only(retype(DECIMAL, INTEGER), 'field.retype');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'thing', test: { kind: 'fractional', column: 'value' } });
    expect(actionOf(step, 'convert-columns')).toMatchObject({ from: 'numeric', to: 'bigint' });
  });

  it('anything → text is lossless', () => {
    for (const from of [INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN, TAGS, select('a', 'b')]) {
      const step = only(retype(from, TEXT), 'field.retype');
      expect(step.destructive, JSON.stringify(from)).toBe(false);
      expect(step.check, JSON.stringify(from)).toBeUndefined();
      expect(actionOf(step, 'convert-columns').to).toBe('text');
    }
  });

  it('date → datetime is lossless', () => {
    const step = only(retype(DATE, DATETIME), 'field.retype');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(actionOf(step, 'convert-columns')).toMatchObject({ from: 'date', to: 'timestamptz' });
  });

  it('datetime → date is lossy: every value loses its time of day', () => {
    const step = only(retype(DATETIME, DATE), 'field.retype');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'thing', test: { kind: 'not-null', column: 'value' } });
    expect(actionOf(step, 'convert-columns')).toMatchObject({ from: 'timestamptz', to: 'date' });
  });

  it('money → decimal drops the currency column: destructive', () => {
    const step = only(retype(MONEY, DECIMAL), 'field.retype');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'thing', test: { kind: 'not-null', column: 'value__amount' } });
    expect(step.action).toEqual({ type: 'convert-columns', table: 'thing', column: 'value__amount', toColumn: 'value', from: 'numeric', to: 'numeric', drop: ['value__currency'], add: [], fill: null });
  });

  it('decimal → money with x-default-currency keeps the amounts and fills the currency', () => {
    const step = only(retype(DECIMAL, MONEY), 'field.retype');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(step.action).toEqual({
      type: 'convert-columns',
      table: 'thing',
      column: 'value',
      toColumn: 'value__amount',
      from: 'numeric',
      to: 'numeric',
      drop: [],
      add: [{ name: 'value__currency', sqlType: 'text', notNull: false }],
      fill: { value__currency: 'USD' },
    });
  });

  it('decimal → money without a currency to give existing values is impossible when there are values', () => {
    const step = only(retype(DECIMAL, { type: 'object', 'x-type': 'money' }), 'field.retype');
    expect(step.check?.test).toEqual({ kind: 'not-null', column: 'value' });
    expect(step.check?.impossible).toContain('x-default-currency');
    expect(actionOf(step, 'convert-columns').fill).toBeNull();
  });

  it('boolean → tags is impossible while records exist; on an empty table the column is replaced', () => {
    const step = only(retype(BOOLEAN, TAGS), 'field.retype');
    expect(step.destructive).toBe(true);
    expect(step.check?.test).toEqual({ kind: 'rows' });
    expect(step.check?.impossible).toContain('cannot be converted');
    expect(step.action).toMatchObject({ type: 'replace-columns', drop: ['value'], add: [{ name: 'value', sqlType: 'text[]' }] });
  });

  it('text → relation checks the values left pointing at missing records before linking', () => {
    const company = entity('company', { name: TEXT });
    const steps = plan([company, entity('thing', { name: TEXT, owner_id: TEXT })], [company, entity('thing', { name: TEXT, owner_id: relation('company') })]);
    expect(only(steps, 'field.retype').check?.test).toEqual({ kind: 'not-matching', column: 'owner_id', regex: TEXT_CAST_PATTERNS.uuid });
    const link = only(steps, 'relation.add');
    expect(link.destructive).toBe(true);
    expect(link.check).toEqual({ table: 'thing', test: { kind: 'orphans', column: 'owner_id', target: 'company' } });
  });
});

describe('planMigration: required, options, indexes and links', () => {
  const base = { name: TEXT };
  const stage = { ...select('lead', 'customer', 'churned'), default: 'lead' };

  it('field.require with a default fills the empty records: destructive, counts the nulls', () => {
    const step = only(plan([entity('contact', { ...base, stage })], [entity('contact', { ...base, stage }, { required: ['stage'] })]), 'field.require');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'contact', test: { kind: 'null', column: 'stage' } });
    expect(step.action).toEqual({ type: 'set-not-null', table: 'contact', columns: ['stage'], fill: { stage: 'lead' } });
  });

  it('field.require without a default is impossible while records have no value', () => {
    const step = only(plan([entity('contact', { ...base, code: TEXT })], [entity('contact', { ...base, code: TEXT }, { required: ['code'] })]), 'field.require');
    expect(step.destructive).toBe(false);
    expect(step.check?.test).toEqual({ kind: 'null', column: 'code' });
    expect(step.check?.impossible).toContain('"default"');
    expect(step.action).toEqual({ type: 'set-not-null', table: 'contact', columns: ['code'], fill: null });
  });

  it('field.unrequire drops NOT NULL from every column of the field', () => {
    const steps = plan([entity('deal', { ...base, price: MONEY }, { required: ['price'] })], [entity('deal', { ...base, price: MONEY })]);
    expect(kinds(steps)).toEqual(['field.unrequire']);
    expect(steps[0]?.destructive).toBe(false);
    expect(steps[0]?.check).toBeUndefined();
    expect(steps[0]?.action).toEqual({ type: 'drop-not-null', table: 'deal', columns: ['price__amount', 'price__currency'] });
  });

  it('field.options: adding options changes no data', () => {
    const steps = plan([entity('contact', { ...base, stage: select('lead') })], [entity('contact', { ...base, stage: select('lead', 'customer') })]);
    const step = only(steps, 'field.options');
    expect(step.destructive).toBe(false);
    expect(step.check).toBeUndefined();
    expect(step.action).toEqual({ type: 'none' });
  });

  it('field.options: removing options counts and clears the records that use them', () => {
    const step = only(plan([entity('contact', { ...base, stage: select('lead', 'customer', 'churned') })], [entity('contact', { ...base, stage: select('lead') })]), 'field.options');
    expect(step.destructive).toBe(true);
    expect(step.check).toEqual({ table: 'contact', test: { kind: 'in', column: 'stage', values: ['customer', 'churned'], isArray: false } });
    expect(step.action).toEqual({ type: 'clear-values', table: 'contact', column: 'stage', values: ['customer', 'churned'], isArray: false, replacement: null });
  });

  it('field.options: a required select gets its default instead; without one the removal is impossible', () => {
    const withDefault = only(
      plan([entity('contact', { ...base, stage }, { required: ['stage'] })], [entity('contact', { ...base, stage: { ...select('lead', 'customer'), default: 'lead' } }, { required: ['stage'] })]),
      'field.options',
    );
    expect(withDefault.check?.impossible).toBeUndefined();
    expect(actionOf(withDefault, 'clear-values').replacement).toBe('lead');

    const withoutDefault = only(
      plan([entity('contact', { ...base, kind: select('a', 'b') }, { required: ['kind'] })], [entity('contact', { ...base, kind: select('a') }, { required: ['kind'] })]),
      'field.options',
    );
    expect(withoutDefault.check?.impossible).toContain('required without a default');
  });

  it('field.options: a multi-select removes the options from its arrays', () => {
    const step = only(plan([entity('contact', { ...base, langs: multiSelect('en', 'fa', 'ar') })], [entity('contact', { ...base, langs: multiSelect('en') })]), 'field.options');
    expect(step.destructive).toBe(true);
    expect(step.check?.test).toEqual({ kind: 'in', column: 'langs', values: ['fa', 'ar'], isArray: true });
    expect(step.check?.impossible).toBeUndefined();
    expect(step.action).toEqual({ type: 'clear-values', table: 'contact', column: 'langs', values: ['fa', 'ar'], isArray: true, replacement: null });
  });

  it('index.add: x-unique counts duplicates, which make it impossible', () => {
    const steps = plan([entity('company', { name: TEXT })], [entity('company', { name: { type: 'string', 'x-unique': true } })]);
    const step = only(steps, 'index.add');
    expect(step.destructive).toBe(false);
    expect(step.check?.test).toEqual({ kind: 'duplicates', columns: ['name'] });
    expect(step.check?.impossible).toContain('not unique');
    expect(step.action).toEqual({ type: 'create-index', table: 'company', index: { name: 'company__name__key', columns: [{ column: 'name', direction: 'asc' }], unique: true, method: 'btree' } });
  });

  it('index.drop: removing x-unique drops the unique index', () => {
    const steps = plan([entity('company', { name: { type: 'string', 'x-unique': true } })], [entity('company', { name: TEXT })]);
    expect(kinds(steps).filter((k) => k !== 'field.update')).toEqual(['index.drop']);
    const step = only(steps, 'index.drop');
    expect(step.destructive).toBe(false);
    expect(step.action).toEqual({ type: 'drop-index', name: 'company__name__key' });
  });

  it('index.add / index.drop: x-index added and removed', () => {
    const plainCity = entity('company', { name: TEXT, city: TEXT });
    const indexedCity = entity('company', { name: TEXT, city: { type: 'string', 'x-index': true } });
    const added = only(plan([plainCity], [indexedCity]), 'index.add');
    expect(added.check).toBeUndefined();
    expect(actionOf(added, 'create-index').index).toEqual({ name: 'company__city__idx', columns: [{ column: 'city', direction: 'asc' }], unique: false, method: 'btree' });
    expect(only(plan([indexedCity], [plainCity]), 'index.drop').action).toEqual({ type: 'drop-index', name: 'company__city__idx' });
  });

  it('index.add / index.drop: x-indexes declares composite indexes', () => {
    const fields = { name: TEXT, city: TEXT, code: TEXT };
    const before = entity('company', fields);
    const after = entity('company', fields, { 'x-indexes': [{ fields: ['city', 'name'] }, { fields: ['code', 'city'], unique: true }] });
    const added = plan([before], [after]);
    expect(kinds(added)).toEqual(['index.add', 'index.add']);
    expect(added.map((s) => actionOf(s, 'create-index').index)).toEqual([
      { name: 'company__city_name__idx', columns: [{ column: 'city', direction: 'asc' }, { column: 'name', direction: 'asc' }], unique: false, method: 'btree' },
      { name: 'company__code_city__key', columns: [{ column: 'code', direction: 'asc' }, { column: 'city', direction: 'asc' }], unique: true, method: 'btree' },
    ]);
    expect(added[1]?.check?.test).toEqual({ kind: 'duplicates', columns: ['code', 'city'] });
    expect(plan([after], [before]).map((s) => s.action)).toEqual([
      { type: 'drop-index', name: 'company__city_name__idx' },
      { type: 'drop-index', name: 'company__code_city__key' },
    ]);
  });

  it('index.drop + index.add: a new x-default-sort replaces the sort index, id last', () => {
    const steps = plan([entity('company', { name: TEXT }, { 'x-default-sort': [{ field: 'name' }] })], [entity('company', { name: TEXT }, { 'x-default-sort': [{ field: 'name', direction: 'desc' }] })]);
    expect(kinds(steps)).toEqual(['index.drop', 'index.add']);
    expect(steps[0]?.action).toEqual({ type: 'drop-index', name: 'company__sort__name_id__idx' });
    expect(actionOf(only(steps, 'index.add'), 'create-index').index).toEqual({
      name: 'company__sort__name_id__idx',
      columns: [
        { column: 'name', direction: 'desc' },
        { column: 'id', direction: 'desc' },
      ],
      unique: false,
      method: 'btree',
    });
  });

  it('relation.add: a relation on a new field links without touching rows', () => {
    const company = entity('company', { name: TEXT });
    const steps = plan([company, entity('contact', base)], [company, entity('contact', { ...base, company_id: relation('company') })]);
    const link = only(steps, 'relation.add');
    expect(link.destructive).toBe(false);
    expect(link.check).toBeUndefined();
  });

  it('relation.drop + relation.add: pointing an existing column elsewhere checks for orphans', () => {
    const company = entity('company', { name: TEXT });
    const person = entity('person', { name: TEXT });
    const steps = plan([company, person, entity('contact', { ...base, ref_id: relation('company') })], [company, person, entity('contact', { ...base, ref_id: relation('person') })]);
    expect(kinds(steps).filter((k) => k !== 'field.update')).toEqual(['relation.drop', 'relation.add']);
    const link = only(steps, 'relation.add');
    expect(link.destructive).toBe(true);
    expect(link.check).toEqual({ table: 'contact', test: { kind: 'orphans', column: 'ref_id', target: 'person' } });
    expect(actionOf(link, 'add-foreign-key').fk.target).toBe('person');
  });

  it('relation.drop + relation.add: a new on-delete policy replaces the constraint', () => {
    const company = entity('company', { name: TEXT });
    const steps = plan([company, entity('contact', { ...base, company_id: relation('company', 'set-null') })], [company, entity('contact', { ...base, company_id: relation('company', 'cascade') })]);
    expect(kinds(steps).filter((k) => k !== 'field.update')).toEqual(['relation.drop', 'relation.add']);
    expect(only(steps, 'relation.drop').action).toEqual({ type: 'drop-foreign-key', table: 'contact', name: 'contact__company_id__fk' });
    expect(actionOf(only(steps, 'relation.add'), 'add-foreign-key').fk).toEqual({ name: 'contact__company_id__fk', column: 'company_id', target: 'company', onDelete: 'cascade' });
  });
});

describe('planMigration: the plan as a whole', () => {
  it('plans nothing between a model and itself, or an equal model built again', () => {
    const model = b2bSalesModel();
    expect(planMigration(model, model, { trigram: true })).toEqual([]);
    expect(planMigration(model, b2bSalesModel(), { trigram: true })).toEqual([]);
    const docs = [entity('company', { name: { type: 'string', 'x-unique': true }, number: AUTO_NUMBER, price: MONEY, tags: TAGS })];
    expect(plan(docs, docs)).toEqual([]);
  });

  it('orders constraint drops first, then renames, adds, drops, and constraint adds last', () => {
    const company = entity('company', { name: TEXT });
    const before = [company, entity('contact', { name: { type: 'string', 'x-index': true }, code: TEXT, legacy: TEXT })];
    const after = [
      company,
      entity('contact', {
        name: TEXT,
        ref: { type: 'string', 'x-unique': true, 'x-renamed-from': ['code'] },
        company_id: relation('company'),
      }),
    ];
    const order = kinds(plan(before, after));
    const first = (k: StepKind) => order.indexOf(k);
    const last = (k: StepKind) => order.lastIndexOf(k);
    for (const k of ['index.drop', 'field.rename', 'field.add', 'field.drop', 'index.add', 'relation.add'] as const) expect(order, k).toContain(k);
    expect(last('index.drop')).toBeLessThan(first('field.rename'));
    expect(last('field.rename')).toBeLessThan(first('field.add'));
    expect(last('field.add')).toBeLessThan(first('field.drop'));
    expect(last('field.drop')).toBeLessThan(first('index.add'));
    expect(last('field.drop')).toBeLessThan(first('relation.add'));
    expect(order.at(-1)).toBe('relation.add');
  });

  it('does not mutate its inputs (frozen models would throw)', () => {
    const company = entity('company', { name: { type: 'string', 'x-unique': true }, stage: select('a', 'b', 'c'), price: MONEY }, { 'x-default-sort': [{ field: 'name' }] });
    const contact = entity('contact', { full_name: TEXT, company_id: relation('company') });
    const before = deepFreeze(modelOf([company, contact]));
    const after = deepFreeze(
      modelOf([
        entity('firm', { title: { type: 'string', 'x-renamed-from': ['name'] }, stage: select('a'), price: DECIMAL, city: TEXT }, { 'x-renamed-from': ['company'], 'x-default-sort': [{ field: 'title', direction: 'desc' }] }),
        entity('deal', { title: TEXT }),
      ]),
    );
    expect(Object.isFrozen(before.entities)).toBe(true);
    expect(Object.isFrozen(before.entities[0]?.fields[0]?.schema)).toBe(true);
    const snapshot = JSON.stringify([before, after]);

    const steps = planMigration(before, after, { trigram: true });

    expect(new Set(kinds(steps))).toEqual(
      new Set(['relation.drop', 'index.drop', 'entity.rename', 'field.rename', 'entity.create', 'entity.update', 'field.update', 'field.add', 'field.retype', 'field.options', 'entity.drop', 'index.add', 'index.rename']),
    );
    expect(JSON.stringify([before, after])).toBe(snapshot);
  });
});
