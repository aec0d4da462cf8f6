/**
 * Steps → SQL. Pure: builds Kysely `sql` fragments; names reach SQL only as identifiers built
 * from validated model names, values only as parameters or escaped literals.
 */
import { sql, type RawBuilder } from 'kysely';
import type { SqlType } from '../../fields/field-type.ts';
import { ARCHIVE_SCHEMA, DATA_SCHEMA, objectName, SEARCH_COLUMN } from './object-names.ts';
import { TEXT_CAST_PATTERNS, type RowCheck, type SchemaStep, type SearchSource, type TableColumn } from './plan.ts';

const table = (name: string) => sql.id(DATA_SCHEMA, name);
const col = (name: string) => sql.id(name);

export interface RenderContext {
  /** Appended to archived tables' names so that repeated archives never collide (e.g. `v12`). */
  readonly archiveSuffix: string;
  /**
   * Collation of text fields, e.g. `und-x-icu` (Unicode ordering: Persian and Arabic letters sort
   * where readers expect them, not by code point); absent: the database default.
   */
  readonly textCollation?: string | null;
}

/** `collate "…"` for a field's text column, when the database has the collation. */
function collation(c: { readonly name: string; readonly sqlType: SqlType }, context: RenderContext | undefined): RawBuilder<unknown> {
  return c.sqlType === 'text' && c.name !== SEARCH_COLUMN && !SYSTEM_NAMES.has(c.name) && context?.textCollation ? sql` collate ${sql.id(context.textCollation)}` : sql``;
}

function columnType(type: SqlType): RawBuilder<unknown> {
  return sql.raw(type);
}

function sequenceRef(name: string) {
  // nextval takes a regclass; the name is a validated identifier, quoted anyway.
  return sql.lit(`${DATA_SCHEMA}."${name}"`);
}

const SYSTEM_NAMES = new Set(['id', 'created_at', 'updated_at', 'created_by', 'owner', 'version']);

function columnDefinition(c: TableColumn, context?: RenderContext): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`${col(c.name)} ${columnType(c.sqlType)}${collation(c, context)}`];
  if (c.name === 'id') parts.push(sql`primary key`);
  if (c.name === 'created_at' || c.name === 'updated_at') parts.push(sql`default now()`);
  if (c.name === 'version') parts.push(sql`default 1`);
  if (c.autoNumber) {
    parts.push(sql`default peyvand.format_number(${sql.lit(c.autoNumber.prefix)}, nextval(${sequenceRef(c.autoNumber.sequence)}::regclass), ${sql.lit(c.autoNumber.digits)})`);
  } else if (c.fill !== undefined && c.fill !== null && isLiteral(c.fill)) {
    parts.push(sql`default ${sql.lit(c.fill)}`);
  }
  if (c.notNull) parts.push(sql`not null`);
  return sql.join(parts, sql` `);
}

function isLiteral(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function renderStep(step: SchemaStep, context: RenderContext): RawBuilder<unknown>[] {
  const a = step.action;
  switch (a.type) {
    case 'none':
      return [];
    case 'create-table': {
      const sequences = a.columns.filter((c) => c.autoNumber).map((c) => sql`create sequence ${sql.id(DATA_SCHEMA, c.autoNumber?.sequence ?? '')}`);
      return [...sequences, sql`create table ${table(a.table)} (${sql.join(a.columns.map((c) => columnDefinition(c, context)))})`];
    }
    case 'rename-table':
      return [sql`alter table ${table(a.from)} rename to ${col(a.to)}`];
    case 'archive-table': {
      const archived = objectName(a.table, context.archiveSuffix);
      const out = [sql`alter table ${table(a.table)} rename to ${col(archived)}`, sql`alter table ${table(archived)} set schema ${col(ARCHIVE_SCHEMA)}`];
      // Its auto-number sequences go along, so that a new entity of the same name can be created.
      for (const sequence of a.sequences) {
        const moved = objectName(sequence, context.archiveSuffix);
        out.push(sql`alter sequence ${sql.id(DATA_SCHEMA, sequence)} rename to ${col(moved)}`, sql`alter sequence ${sql.id(DATA_SCHEMA, moved)} set schema ${col(ARCHIVE_SCHEMA)}`);
      }
      return out;
    }
    case 'replace-columns': {
      const out: RawBuilder<unknown>[] = [sql`alter table ${table(a.table)} ${sql.join(a.drop.map((c) => sql`drop column ${col(c)}`))}`];
      if (a.dropSequence) out.push(sql`drop sequence if exists ${sql.id(DATA_SCHEMA, a.dropSequence)}`);
      if (a.sequence) out.push(sql`create sequence ${sql.id(DATA_SCHEMA, a.sequence)}`);
      for (const c of a.add) out.push(sql`alter table ${table(a.table)} add column ${columnDefinition(c, context)}`);
      return out;
    }
    case 'add-columns': {
      const out: RawBuilder<unknown>[] = [];
      if (a.sequence) out.push(sql`create sequence ${sql.id(DATA_SCHEMA, a.sequence)}`);
      for (const c of a.columns) {
        const needsUpdate = c.fill !== undefined && c.fill !== null && !isLiteral(c.fill);
        out.push(sql`alter table ${table(a.table)} add column ${columnDefinition(needsUpdate ? { ...c, notNull: false } : c, context)}`);
        if (needsUpdate) {
          out.push(sql`update ${table(a.table)} set ${col(c.name)} = ${c.fill}`);
          if (c.notNull) out.push(sql`alter table ${table(a.table)} alter column ${col(c.name)} set not null`);
        } else if (c.fill !== undefined && c.fill !== null) {
          // The default served to fill existing rows (without rewriting the table); new rows get values from the app.
          out.push(sql`alter table ${table(a.table)} alter column ${col(c.name)} drop default`);
        }
      }
      return out;
    }
    case 'rename-columns': {
      const out = a.pairs.map(([from, to]) => sql`alter table ${table(a.table)} rename column ${col(from)} to ${col(to)}`);
      if (a.sequence && a.sequence[0] !== a.sequence[1]) out.push(sql`alter sequence ${sql.id(DATA_SCHEMA, a.sequence[0])} rename to ${col(a.sequence[1])}`);
      return out;
    }
    case 'drop-columns': {
      const archived = objectName(a.table, a.columns[0] ?? 'field', context.archiveSuffix);
      const out: RawBuilder<unknown>[] = [
        sql`create table ${sql.id(ARCHIVE_SCHEMA, archived)} as select id, ${sql.join(a.columns.map(col))} from ${table(a.table)} where ${col(a.columns[0] ?? 'id')} is not null`,
        sql`alter table ${table(a.table)} ${sql.join(a.columns.map((c) => sql`drop column ${col(c)}`))}`,
      ];
      if (a.sequence) out.push(sql`drop sequence if exists ${sql.id(DATA_SCHEMA, a.sequence)}`);
      return out;
    }
    case 'convert-columns': {
      const out: RawBuilder<unknown>[] = [];
      if (a.from !== a.to) {
        out.push(sql`alter table ${table(a.table)} alter column ${col(a.column)} type ${columnType(a.to)}${collation({ name: a.toColumn, sqlType: a.to }, context)} using ${conversion(a.column, a.from, a.to)}`);
      }
      if (a.column !== a.toColumn) out.push(sql`alter table ${table(a.table)} rename column ${col(a.column)} to ${col(a.toColumn)}`);
      if (a.drop.length > 0) out.push(sql`alter table ${table(a.table)} ${sql.join(a.drop.map((c) => sql`drop column ${col(c)}`))}`);
      for (const c of a.add) {
        out.push(sql`alter table ${table(a.table)} add column ${columnDefinition({ ...c, notNull: false }, context)}`);
        const value = a.fill?.[c.name];
        if (value !== undefined) out.push(sql`update ${table(a.table)} set ${col(c.name)} = ${value} where ${col(a.toColumn)} is not null`);
      }
      return out;
    }
    case 'set-not-null': {
      const out: RawBuilder<unknown>[] = [];
      for (const c of a.columns) {
        const value = a.fill?.[c];
        if (value !== undefined && value !== null) out.push(sql`update ${table(a.table)} set ${col(c)} = ${value} where ${col(c)} is null`);
      }
      for (const c of a.columns) out.push(sql`alter table ${table(a.table)} alter column ${col(c)} set not null`);
      return out;
    }
    case 'drop-not-null':
      return a.columns.map((c) => sql`alter table ${table(a.table)} alter column ${col(c)} drop not null`);
    case 'clear-values': {
      if (a.isArray) {
        let expr: RawBuilder<unknown> = sql`${col(a.column)}`;
        for (const v of a.values) expr = sql`array_remove(${expr}, ${v})`;
        return [sql`update ${table(a.table)} set ${col(a.column)} = ${expr} where ${col(a.column)} && ${sql.val([...a.values])}::text[]`];
      }
      return [sql`update ${table(a.table)} set ${col(a.column)} = ${a.replacement} where ${col(a.column)} = any(${sql.val([...a.values])}::text[])`];
    }
    case 'set-autonumber':
      return [
        sql`alter table ${table(a.table)} alter column ${col(a.column)} set default peyvand.format_number(${sql.lit(a.prefix)}, nextval(${sequenceRef(a.sequence)}::regclass), ${sql.lit(a.digits)})`,
      ];
    case 'create-index': {
      const i = a.index;
      if (i.method === 'trigram') return [sql`create index ${col(i.name)} on ${table(a.table)} using gin (${col(SEARCH_COLUMN)} gin_trgm_ops)`];
      const columns = sql.join(i.columns.map((c) => sql`${col(c.column)} ${sql.raw(c.direction)}`));
      return [i.unique ? sql`create unique index ${col(i.name)} on ${table(a.table)} (${columns})` : sql`create index ${col(i.name)} on ${table(a.table)} (${columns})`];
    }
    case 'drop-index':
      return [sql`drop index if exists ${sql.id(DATA_SCHEMA, a.name)}`];
    case 'rename-index':
      return [sql`alter index ${sql.id(DATA_SCHEMA, a.from)} rename to ${col(a.to)}`];
    case 'add-foreign-key': {
      const fk = a.fk;
      const out: RawBuilder<unknown>[] = [];
      if (step.check?.test.kind === 'orphans') {
        out.push(sql`update ${table(a.table)} t set ${col(fk.column)} = null where t.${col(fk.column)} is not null and not exists (select 1 from ${table(fk.target)} x where x.id = t.${col(fk.column)})`);
      }
      out.push(sql`alter table ${table(a.table)} add constraint ${col(fk.name)} foreign key (${col(fk.column)}) references ${table(fk.target)} (id) on delete ${sql.raw(ON_DELETE[fk.onDelete])}`);
      return out;
    }
    case 'drop-foreign-key':
      return [sql`alter table ${table(a.table)} drop constraint if exists ${col(a.name)}`];
    case 'rename-constraint':
      return [sql`alter table ${table(a.table)} rename constraint ${col(a.from)} to ${col(a.to)}`];
    case 'refresh-search':
      return [sql`update ${table(a.table)} set ${col(SEARCH_COLUMN)} = ${searchExpression(a.sources)}`];
    case 'compute-values':
      // Not SQL alone: formulas are evaluated by the expression language (see compute-values.ts).
      return [];
  }
}

const ON_DELETE = { 'set-null': 'set null', cascade: 'cascade', restrict: 'restrict' } as const;

/** The SQL expression that computes an entity's search text from its columns. */
export function searchExpression(sources: readonly SearchSource[]): RawBuilder<unknown> {
  if (sources.length === 0) return sql`null`;
  const parts = sources.map((s) => (s.isArray ? sql`array_to_string(${col(s.column)}, ' ')` : sql`${col(s.column)}`));
  return sql`peyvand.search_text(concat_ws(' ', ${sql.join(parts)}))`;
}

function conversion(column: string, from: SqlType, to: SqlType): RawBuilder<unknown> {
  const c = col(column);
  if (to === 'text') {
    if (from === 'text[]') return sql`array_to_string(${c}, '; ')`;
    if (from === 'timestamptz') return sql`to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    return sql`${c}::text`;
  }
  if (from === 'text' && to === 'text[]') return sql`case when ${c} is null then null else array[${c}] end`;
  if (from === 'text' && (to === 'date' || to === 'timestamptz')) {
    // A value that looks right but is no calendar date (2024-02-30) becomes empty, as counted.
    return to === 'date' ? sql`peyvand.try_date(${c})` : sql`peyvand.try_timestamptz(${c})`;
  }
  if (from === 'text' && to in TEXT_CAST_PATTERNS) {
    const pattern = TEXT_CAST_PATTERNS[to as keyof typeof TEXT_CAST_PATTERNS];
    const value = to === 'boolean' ? sql`lower(btrim(${c}))` : sql`btrim(${c})`;
    return sql`case when ${c} ~* ${sql.lit(pattern)} then (${value})::${columnType(to)} end`;
  }
  if (from === 'numeric' && to === 'bigint') return sql`round(${c})::bigint`;
  if ((from === 'bigint' || from === 'numeric') && to === 'boolean') return sql`${c} <> 0`;
  if (from === 'boolean') return sql`(case when ${c} then 1 else 0 end)::${columnType(to)}`;
  if (from === 'date' && to === 'timestamptz') return sql`${c}::timestamp at time zone 'UTC'`;
  if (from === 'timestamptz' && to === 'date') return sql`(${c} at time zone 'UTC')::date`;
  return sql`${c}::${columnType(to)}`;
}

/** `select count(*)` of the rows a check describes. */
export function renderCheck(tableName: string, test: RowCheck): RawBuilder<{ n: number | string }> {
  const t = table(tableName);
  switch (test.kind) {
    case 'rows':
      return sql`select count(*) as n from ${t}`;
    case 'not-null':
      return sql`select count(*) as n from ${t} where ${col(test.column)} is not null`;
    case 'null':
      return sql`select count(*) as n from ${t} where ${col(test.column)} is null`;
    case 'not-matching':
      return sql`select count(*) as n from ${t} where ${col(test.column)} is not null and ${col(test.column)}::text !~* ${test.regex}`;
    case 'not-castable': {
      const cast = test.to === 'date' ? sql`peyvand.try_date(${col(test.column)})` : sql`peyvand.try_timestamptz(${col(test.column)})`;
      return sql`select count(*) as n from ${t} where ${col(test.column)} is not null and ${cast} is null`;
    }
    case 'fractional':
      return sql`select count(*) as n from ${t} where ${col(test.column)} <> trunc(${col(test.column)})`;
    case 'in':
      return test.isArray
        ? sql`select count(*) as n from ${t} where ${col(test.column)} && ${sql.val([...test.values])}::text[]`
        : sql`select count(*) as n from ${t} where ${col(test.column)} = any(${sql.val([...test.values])}::text[])`;
    case 'duplicates': {
      const cols = sql.join(test.columns.map(col));
      return sql`select count(*) as n from (select 1 from ${t} where ${sql.join(test.columns.map((c) => sql`${col(c)} is not null`), sql` and `)} group by ${cols} having count(*) > 1) d`;
    }
    case 'orphans':
      return sql`select count(*) as n from ${t} r where r.${col(test.column)} is not null and not exists (select 1 from ${table(test.target)} x where x.id = r.${col(test.column)})`;
  }
}
