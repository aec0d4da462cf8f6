import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';
import { describe, expect, it } from 'vitest';
import { entity, modelOf, type EntityDoc } from '../../../../tests/support/packs.ts';
import { planMigration, type PlanOptions, type SchemaStep, type StepKind } from './plan.ts';
import { renderCheck, renderStep } from './render.ts';

// Compiles only: the dummy driver never connects.
const db = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

const compile = (fragment: RawBuilder<unknown>): Compiled => {
  const { sql, parameters } = fragment.compile(db);
  return { sql, parameters };
};

const render = (step: SchemaStep): Compiled[] => renderStep(step, { archiveSuffix: 'v7' }).map(compile);
const sqlOf = (step: SchemaStep): string[] => render(step).map((c) => c.sql);

const TEXT = { type: 'string' };
const DECIMAL = { type: 'string', format: 'decimal' };
const MONEY = { type: 'object', 'x-type': 'money', 'x-default-currency': 'USD' };
const AUTO_NUMBER = { type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{000000}' };

/** The one step of `kind` planned from `before` to `after`. */
function stepOf(before: readonly EntityDoc[], after: readonly EntityDoc[], kind: StepKind, options: PlanOptions = { trigram: false }): SchemaStep {
  const found = planMigration(modelOf(before), modelOf(after), options).filter((s) => s.kind === kind);
  expect(found).toHaveLength(1);
  const [step] = found;
  if (!step) throw new Error('unreachable');
  return step;
}

function retypeStep(from: Record<string, unknown>, to: Record<string, unknown>): SchemaStep {
  return stepOf([entity('thing', { name: TEXT, value: from })], [entity('thing', { name: TEXT, value: to })], 'field.retype');
}

describe('renderStep', () => {
  it('creates a table with the system columns, then the field columns', () => {
    const step = stepOf([], [entity('invoice', { title: TEXT, total: MONEY, number: AUTO_NUMBER }, { required: ['title'] })], 'entity.create');
    const [sequence, table, ...rest] = render(step);
    expect(rest).toEqual([]);
    expect(sequence).toEqual({ sql: 'create sequence "data"."invoice__number__seq"', parameters: [] });
    expect(table?.parameters).toEqual([]);
    expect(table?.sql).toBe(
      'create table "data"."invoice" (' +
        '"id" uuid primary key not null, ' +
        '"created_at" timestamptz default now() not null, ' +
        '"updated_at" timestamptz default now() not null, ' +
        '"created_by" uuid, ' +
        '"owner" uuid, ' +
        '"version" bigint default 1 not null, ' +
        '"_search" text, ' +
        '"title" text not null, ' +
        '"total__amount" numeric, ' +
        '"total__currency" text, ' +
        `"number" text default peyvand.format_number('INV-', nextval('data."invoice__number__seq"'::regclass), 6))`,
    );
  });

  it('gives text fields the Unicode collation when the database has it, and nothing else', () => {
    const step = stepOf([], [entity('person', { name: TEXT, size: { type: 'integer' } })], 'entity.create');
    const [create] = renderStep(step, { archiveSuffix: 'v7', textCollation: 'und-x-icu' }).map(compile).map((c) => c.sql);
    expect(create).toContain('"name" text collate "und-x-icu"');
    expect(create).toContain('"_search" text,');
    expect(create).not.toContain('"_search" text collate');
    expect(create).not.toContain('"size" bigint collate');
    expect(sqlOf(step)[0]).not.toContain('collate');
  });

  it('adds a nullable column', () => {
    const step = stepOf([entity('company', { name: TEXT })], [entity('company', { name: TEXT, website: TEXT })], 'field.add');
    expect(render(step)).toEqual([{ sql: 'alter table "data"."company" add column "website" text', parameters: [] }]);
  });

  it('fills a required column from an escaped literal default, then drops the default', () => {
    const step = stepOf([entity('contact', { name: TEXT })], [entity('contact', { name: TEXT, city: { type: 'string', default: "O'Brien; drop table x" } }, { required: ['city'] })], 'field.add');
    expect(sqlOf(step)).toEqual([
      `alter table "data"."contact" add column "city" text default 'O''Brien; drop table x' not null`,
      'alter table "data"."contact" alter column "city" drop default',
    ]);
  });

  it('fills a required array column with an update whose value is a parameter', () => {
    const step = stepOf([entity('contact', { name: TEXT })], [entity('contact', { name: TEXT, tags: { type: 'array', items: { type: 'string' }, default: ['vip'] } }, { required: ['tags'] })], 'field.add');
    expect(render(step)).toEqual([
      { sql: 'alter table "data"."contact" add column "tags" text[]', parameters: [] },
      { sql: 'update "data"."contact" set "tags" = $1', parameters: [['vip']] },
      { sql: 'alter table "data"."contact" alter column "tags" set not null', parameters: [] },
    ]);
  });

  it('adds an auto-number column numbered from its own sequence', () => {
    const step = stepOf([entity('invoice', { name: TEXT })], [entity('invoice', { name: TEXT, number: AUTO_NUMBER })], 'field.add');
    expect(sqlOf(step)).toEqual([
      'create sequence "data"."invoice__number__seq"',
      `alter table "data"."invoice" add column "number" text default peyvand.format_number('INV-', nextval('data."invoice__number__seq"'::regclass), 6)`,
    ]);
  });

  it('sets a new auto-number format as the column default', () => {
    const step = stepOf([entity('invoice', { name: TEXT, number: AUTO_NUMBER })], [entity('invoice', { name: TEXT, number: { ...AUTO_NUMBER, 'x-format': 'F-{0000}' } })], 'field.autonumber');
    expect(sqlOf(step)).toEqual([`alter table "data"."invoice" alter column "number" set default peyvand.format_number('F-', nextval('data."invoice__number__seq"'::regclass), 4)`]);
  });

  it('renames columns (both of a money field) and tables', () => {
    const field = stepOf([entity('deal', { name: TEXT, price: MONEY })], [entity('deal', { name: TEXT, amount: { ...MONEY, 'x-renamed-from': ['price'] } })], 'field.rename');
    expect(sqlOf(field)).toEqual([
      'alter table "data"."deal" rename column "price__amount" to "amount__amount"',
      'alter table "data"."deal" rename column "price__currency" to "amount__currency"',
    ]);
    const table = stepOf([entity('company', { name: TEXT })], [entity('firm', { name: TEXT }, { 'x-renamed-from': ['company'] })], 'entity.rename');
    expect(sqlOf(table)).toEqual(['alter table "data"."company" rename to "firm"']);
  });

  it('renames the sequence of an auto-number field with its entity', () => {
    const step = stepOf([entity('invoice', { number: AUTO_NUMBER })], [entity('bill', { number: AUTO_NUMBER }, { 'x-renamed-from': ['invoice'] })], 'field.rename');
    expect(sqlOf(step)).toEqual(['alter sequence "data"."invoice__number__seq" rename to "bill__number__seq"']);
  });

  it('converts text to bigint through a regex-guarded CASE, so that non-numbers become null', () => {
    expect(render(retypeStep(TEXT, { type: 'integer' }))).toEqual([
      { sql: `alter table "data"."thing" alter column "value" type bigint using case when "value" ~* '^\\s*-?[0-9]{1,18}\\s*$' then (btrim("value"))::bigint end`, parameters: [] },
    ]);
  });

  it('converts with the USING expression of each conversion class', () => {
    const using = (from: Record<string, unknown>, to: Record<string, unknown>) => {
      const [statement] = sqlOf(retypeStep(from, to));
      return statement?.replace(/^alter table "data"\."thing" alter column "value" type \S+ using /, '');
    };
    expect(using({ type: 'string', format: 'decimal' }, { type: 'integer' })).toBe('round("value")::bigint');
    expect(using({ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' })).toBe(`"value"::timestamp at time zone 'UTC'`);
    expect(using({ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' })).toBe(`("value" at time zone 'UTC')::date`);
    expect(using({ type: 'integer' }, TEXT)).toBe('"value"::text');
    expect(using({ type: 'array', items: { type: 'string' } }, TEXT)).toBe(`array_to_string("value", '; ')`);
    expect(using({ type: 'boolean' }, { type: 'integer' })).toBe('(case when "value" then 1 else 0 end)::bigint');
    expect(using(TEXT, { type: 'boolean' })).toBe(`case when "value" ~* '^(true|false|t|f|yes|no|y|n|1|0)$' then (lower(btrim("value")))::boolean end`);
  });

  it('converts money to decimal by renaming the amount and dropping the currency', () => {
    expect(sqlOf(retypeStep(MONEY, DECIMAL))).toEqual([
      'alter table "data"."thing" rename column "value__amount" to "value"',
      'alter table "data"."thing" drop column "value__currency"',
    ]);
  });

  it('converts decimal to money, filling the currency of existing amounts from a parameter', () => {
    expect(render(retypeStep(DECIMAL, MONEY))).toEqual([
      { sql: 'alter table "data"."thing" rename column "value" to "value__amount"', parameters: [] },
      { sql: 'alter table "data"."thing" add column "value__currency" text', parameters: [] },
      { sql: 'update "data"."thing" set "value__currency" = $1 where "value__amount" is not null', parameters: ['USD'] },
    ]);
  });

  it('archives a dropped table: renamed with the suffix, moved to the archive schema', () => {
    const company = entity('company', { name: TEXT });
    const step = stepOf([company, entity('deal', { title: TEXT })], [company], 'entity.drop');
    expect(sqlOf(step)).toEqual(['alter table "data"."deal" rename to "deal__v7"', 'alter table "data"."deal__v7" set schema "archive"']);
  });

  it('copies the values of a dropped field to the archive before dropping its columns', () => {
    const step = stepOf([entity('deal', { title: TEXT, price: MONEY })], [entity('deal', { title: TEXT })], 'field.drop');
    expect(sqlOf(step)).toEqual([
      'create table "archive"."deal__price__amount__v7" as select id, "price__amount", "price__currency" from "data"."deal" where "price__amount" is not null',
      'alter table "data"."deal" drop column "price__amount", drop column "price__currency"',
    ]);
  });

  it('creates unique, composite and trigram indexes', () => {
    const unique = stepOf([entity('company', { name: TEXT })], [entity('company', { name: { type: 'string', 'x-unique': true } })], 'index.add');
    expect(sqlOf(unique)).toEqual(['create unique index "company__name__key" on "data"."company" ("name" asc)']);

    const sort = planMigration(modelOf([entity('company', { name: TEXT })]), modelOf([entity('company', { name: TEXT }, { 'x-default-sort': [{ field: 'name', direction: 'desc' }] })]), { trigram: false });
    expect(sort.flatMap(sqlOf)).toEqual(['create index "company__sort__name_id__idx" on "data"."company" ("name" desc, "id" desc)']);

    const trigram = planMigration(modelOf([]), modelOf([entity('company', { name: TEXT })]), { trigram: true }).filter((s) => s.kind === 'index.add');
    expect(trigram.flatMap(sqlOf)).toEqual([
      // Every table: owner then id, for "my records" and team scopes in id order.
      'create index "company__owner__idx" on "data"."company" ("owner" asc, "id" asc)',
      'create index "company___search__trgm" on "data"."company" using gin ("_search" gin_trgm_ops)',
    ]);
  });

  it('drops and renames indexes by their schema-qualified name', () => {
    const drop = stepOf([entity('company', { name: { type: 'string', 'x-index': true } })], [entity('company', { name: TEXT })], 'index.drop');
    expect(sqlOf(drop)).toEqual(['drop index if exists "data"."company__name__idx"']);
    const renames = planMigration(modelOf([entity('company', { name: { type: 'string', 'x-index': true } })]), modelOf([entity('firm', { name: { type: 'string', 'x-index': true } }, { 'x-renamed-from': ['company'] })]), { trigram: false }).filter((s) => s.kind === 'index.rename');
    expect(renames.flatMap(sqlOf)).toEqual(['alter index "data"."company__name__idx" rename to "firm__name__idx"', 'alter index "data"."company__owner__idx" rename to "firm__owner__idx"']);
  });

  it('adds a foreign key with its on-delete policy', () => {
    const company = entity('company', { name: TEXT });
    const cascade = stepOf([company], [company, entity('contact', { name: TEXT, company_id: { type: 'string', format: 'uuid', 'x-ref': 'company', 'x-on-delete': 'cascade' } })], 'relation.add');
    expect(sqlOf(cascade)).toEqual(['alter table "data"."contact" add constraint "contact__company_id__fk" foreign key ("company_id") references "data"."company" (id) on delete cascade']);
    const setNull = stepOf([company], [company, entity('contact', { name: TEXT, company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' } })], 'relation.add');
    expect(sqlOf(setNull)[0]).toMatch(/ on delete set null$/);
  });

  it('clears orphans before linking an existing column', () => {
    const company = entity('company', { name: TEXT });
    const person = entity('person', { name: TEXT });
    const link = (target: string) => entity('contact', { name: TEXT, ref_id: { type: 'string', format: 'uuid', 'x-ref': target, 'x-on-delete': 'restrict' } });
    const step = stepOf([company, person, link('company')], [company, person, link('person')], 'relation.add');
    expect(sqlOf(step)).toEqual([
      'update "data"."contact" t set "ref_id" = null where t."ref_id" is not null and not exists (select 1 from "data"."person" x where x.id = t."ref_id")',
      'alter table "data"."contact" add constraint "contact__ref_id__fk" foreign key ("ref_id") references "data"."person" (id) on delete restrict',
    ]);
  });

  it('clears removed options with the values as parameters, never inlined', () => {
    const evil = "x'); drop table data.contact; --";
    const step = stepOf([entity('contact', { name: TEXT, stage: { type: 'string', enum: ['lead', evil] } })], [entity('contact', { name: TEXT, stage: { type: 'string', enum: ['lead'] } })], 'field.options');
    const [update, ...rest] = render(step);
    expect(rest).toEqual([]);
    expect(update).toEqual({ sql: 'update "data"."contact" set "stage" = $1 where "stage" = any($2::text[])', parameters: [null, [evil]] });
  });

  it('removes options from a multi-select array, each value a parameter', () => {
    const multi = (...values: string[]) => ({ type: 'array', items: { type: 'string', enum: values } });
    const step = stepOf([entity('contact', { name: TEXT, langs: multi('en', 'fa', 'ar') })], [entity('contact', { name: TEXT, langs: multi('en') })], 'field.options');
    expect(render(step)).toEqual([{ sql: 'update "data"."contact" set "langs" = array_remove(array_remove("langs", $1), $2) where "langs" && $3::text[]', parameters: ['fa', 'ar', ['fa', 'ar']] }]);
  });

  it('quotes every identifier, doubling a quote inside one', () => {
    const step: SchemaStep = { kind: 'field.rename', entity: 'we"ird', reason: 'test', destructive: false, action: { type: 'rename-columns', table: 'we"ird', pairs: [['a"b', 'c']], sequence: null } };
    expect(sqlOf(step)).toEqual(['alter table "data"."we""ird" rename column "a""b" to "c"']);
  });

  it('renders nothing for a step without an action', () => {
    expect(renderStep(stepOf([entity('company', { name: TEXT }, { title: 'A' })], [entity('company', { name: TEXT }, { title: 'B' })], 'entity.update'), { archiveSuffix: 'v7' })).toEqual([]);
  });
});

describe('renderCheck', () => {
  it('counts with the values and patterns as parameters', () => {
    expect(compile(renderCheck('contact', { kind: 'rows' }))).toEqual({ sql: 'select count(*) as n from "data"."contact"', parameters: [] });
    expect(compile(renderCheck('contact', { kind: 'not-matching', column: 'age', regex: '^[0-9]+$' }))).toEqual({
      sql: 'select count(*) as n from "data"."contact" where "age" is not null and "age"::text !~* $1',
      parameters: ['^[0-9]+$'],
    });
    expect(compile(renderCheck('contact', { kind: 'in', column: 'stage', values: ['a', 'b'], isArray: false }))).toEqual({
      sql: 'select count(*) as n from "data"."contact" where "stage" = any($1::text[])',
      parameters: [['a', 'b']],
    });
    expect(compile(renderCheck('contact', { kind: 'fractional', column: 'qty' })).sql).toBe('select count(*) as n from "data"."contact" where "qty" <> trunc("qty")');
  });

  it('counts duplicate groups and orphans', () => {
    expect(compile(renderCheck('company', { kind: 'duplicates', columns: ['code', 'city'] })).sql).toBe(
      'select count(*) as n from (select 1 from "data"."company" where "code" is not null and "city" is not null group by "code", "city" having count(*) > 1) d',
    );
    expect(compile(renderCheck('contact', { kind: 'orphans', column: 'company_id', target: 'company' })).sql).toBe(
      'select count(*) as n from "data"."contact" r where r."company_id" is not null and not exists (select 1 from "data"."company" x where x.id = r."company_id")',
    );
  });
});
