/**
 * `list` input → a checked query: filters (per-type operator allow-list, and/or groups), sort keys,
 * keyset cursor, search terms. Every field name is resolved against the model; user strings never
 * become identifiers. Values are checked against the field's filter value schema and stay parameters.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { ValidateFunction } from 'ajv';
import { createRecordAjv, describeAjvError } from '../../model/ajv.ts';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { FilterKind } from '../../fields/field-type.ts';
import { FILTER_OPERATORS, type FilterOperator } from '../../fields/names.ts';
import type { EntityModel, FieldModel, JsonObject, JsonValue } from '../../model/types.ts';
import { SEARCH_COLUMN } from '../schema/object-names.ts';

export const LIST_LIMITS = {
  maxPageSize: 200,
  defaultPageSize: 50,
  maxFilterDepth: 4,
  maxFilterNodes: 50,
  maxInValues: 1000,
  maxSortKeys: 4,
  maxSearchTerms: 8,
  maxSearchLength: 200,
} as const;

export type FilterNode =
  | { readonly and: readonly FilterNode[] }
  | { readonly or: readonly FilterNode[] }
  | { readonly field: string; readonly op: FilterOperator; readonly value?: JsonValue };

export interface ListInput {
  readonly filter?: FilterNode;
  readonly sort?: readonly { readonly field: string; readonly direction?: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly cursor?: string | null;
  readonly search?: string;
  /**
   * Count the matching records too: `true` counts them all; `{ upTo: n }` stops counting after n
   * (a list page showing "10,000+" need not scan a million rows), and says so with `totalIsAtLeast`.
   */
  readonly includeTotal?: boolean | { readonly upTo: number };
}

interface Target {
  readonly column: string;
  readonly kind: FilterKind;
  readonly operators: readonly FilterOperator[];
  readonly valueSchema: JsonObject;
  readonly sortable: boolean;
  readonly notNull: boolean;
}

const SYSTEM_TARGETS: Readonly<Record<string, Target>> = {
  id: { column: 'id', kind: 'scalar', operators: ['eq', 'neq', 'in', 'not_in'], valueSchema: { type: 'string', format: 'uuid' }, sortable: true, notNull: true },
  created_at: { column: 'created_at', kind: 'scalar', operators: ['eq', 'lt', 'lte', 'gt', 'gte', 'between'], valueSchema: { type: 'string', format: 'date-time' }, sortable: true, notNull: true },
  updated_at: { column: 'updated_at', kind: 'scalar', operators: ['eq', 'lt', 'lte', 'gt', 'gte', 'between'], valueSchema: { type: 'string', format: 'date-time' }, sortable: true, notNull: true },
  owner: { column: 'owner', kind: 'scalar', operators: ['eq', 'neq', 'in', 'not_in', 'is_null'], valueSchema: { type: 'string', format: 'uuid' }, sortable: false, notNull: false },
  created_by: { column: 'created_by', kind: 'scalar', operators: ['eq', 'neq', 'in', 'not_in', 'is_null'], valueSchema: { type: 'string', format: 'uuid' }, sortable: false, notNull: false },
};

function fieldTarget(field: FieldModel): Target {
  const type = FIELD_TYPES[field.type];
  return {
    column: type.columns(field)[0]?.name ?? field.name,
    kind: type.filterKind,
    operators: type.operators,
    valueSchema: type.filterValueSchema(field),
    sortable: type.sortable,
    notNull: field.required,
  };
}

export class ListQueryError extends Error {
  readonly code = 'invalid';
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

const ajv = createRecordAjv();
const valueValidators = new WeakMap<JsonObject, ValidateFunction>();
function validatorFor(schema: JsonObject): ValidateFunction {
  let v = valueValidators.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    valueValidators.set(schema, v);
  }
  return v;
}

/** Compiles targets once per entity model. */
const targetCache = new WeakMap<EntityModel, Map<string, Target>>();
function targets(entity: EntityModel): Map<string, Target> {
  let map = targetCache.get(entity);
  if (!map) {
    map = new Map(Object.entries(SYSTEM_TARGETS));
    for (const f of entity.fields) map.set(f.name, fieldTarget(f));
    targetCache.set(entity, map);
  }
  return map;
}

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

/** `hidden`: fields the caller may not read — refused exactly like fields that do not exist. */
function resolve(entity: EntityModel, name: unknown, path: string, hidden: ReadonlySet<string>): Target {
  if (typeof name !== 'string') throw new ListQueryError(path, 'a field name is required');
  const target = Object.hasOwn(Object.fromEntries(targets(entity)), name) && !hidden.has(name) ? targets(entity).get(name) : undefined;
  if (!target) throw new ListQueryError(path, `"${name}" is not a field of ${entity.name}`);
  return target;
}

function checkValue(target: Target, value: unknown, path: string, field: string): void {
  const validate = validatorFor(target.valueSchema);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new ListQueryError(path, `${field}: ${e ? describeAjvError(e) : 'invalid value'}`);
  }
}

const col = (name: string) => sql.ref(name);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export function compileFilter(entity: EntityModel, node: unknown, hidden: ReadonlySet<string> = NOTHING_HIDDEN): Expression<SqlBool> {
  let count = 0;
  const walk = (n: unknown, depth: number, path: string): Expression<SqlBool> => {
    if (++count > LIST_LIMITS.maxFilterNodes) throw new ListQueryError(path, `a filter may have at most ${LIST_LIMITS.maxFilterNodes} conditions`);
    if (depth > LIST_LIMITS.maxFilterDepth) throw new ListQueryError(path, `filters may be nested at most ${LIST_LIMITS.maxFilterDepth} levels deep`);
    if (!n || typeof n !== 'object' || Array.isArray(n)) throw new ListQueryError(path, 'a filter must be an object');
    const keys = Object.keys(n);
    if (keys.length === 1 && (keys[0] === 'and' || keys[0] === 'or')) {
      const key = keys[0];
      const list = (n as Record<string, unknown>)[key];
      if (!Array.isArray(list)) throw new ListQueryError(`${path}/${key}`, `"${key}" takes a list of filters`);
      if (list.length === 0) return key === 'and' ? sql<SqlBool>`true` : sql<SqlBool>`false`;
      const parts = list.map((child, i) => walk(child, depth + 1, `${path}/${key}/${i}`));
      return sql<SqlBool>`(${sql.join(parts, key === 'and' ? sql` and ` : sql` or `)})`;
    }
    const allowed = new Set(['field', 'op', 'value']);
    const extra = keys.find((k) => !allowed.has(k));
    if (extra !== undefined) throw new ListQueryError(`${path}/${extra}`, `unknown filter key "${extra}" (expected field, op and value, or and/or)`);
    const condition = n as { field?: unknown; op?: unknown; value?: unknown };
    const target = resolve(entity, condition.field, `${path}/field`, hidden);
    const field = String(condition.field);
    if (typeof condition.op !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(condition.op)) {
      throw new ListQueryError(`${path}/op`, `unknown operator ${JSON.stringify(condition.op)}; operators are ${FILTER_OPERATORS.join(', ')}`);
    }
    const op = condition.op as FilterOperator;
    if (!target.operators.includes(op)) {
      throw new ListQueryError(`${path}/op`, `operator "${op}" cannot be used on ${field}; use one of ${target.operators.join(', ')}`);
    }
    return compileCondition(target, field, op, condition.value, `${path}/value`);
  };
  return walk(node, 1, '/filter');
}

function compileCondition(target: Target, field: string, op: FilterOperator, value: unknown, path: string): Expression<SqlBool> {
  const c = col(target.column);
  const list = (): unknown[] => {
    if (!Array.isArray(value)) throw new ListQueryError(path, `${field}: "${op}" takes a list of values`);
    if (value.length > LIST_LIMITS.maxInValues) throw new ListQueryError(path, `${field}: at most ${LIST_LIMITS.maxInValues} values`);
    value.forEach((v, i) => checkValue(target, v, `${path}/${i}`, field));
    return value;
  };
  const one = (): unknown => {
    checkValue(target, value, path, field);
    return value;
  };
  const text = (): string => {
    if (typeof value !== 'string' || value.length === 0 || value.length > 500) throw new ListQueryError(path, `${field}: "${op}" takes a text of 1 to 500 characters`);
    return value;
  };
  switch (op) {
    case 'is_null':
      if (typeof value !== 'boolean') throw new ListQueryError(path, `${field}: "is_null" takes true or false`);
      return value ? sql<SqlBool>`${c} is null` : sql<SqlBool>`${c} is not null`;
    case 'in': {
      const values = list();
      if (values.length === 0) return sql<SqlBool>`false`;
      return target.kind === 'array' ? sql<SqlBool>`${c} && ${sql.val(values)}` : sql<SqlBool>`${c} in (${sql.join(values)})`;
    }
    case 'not_in': {
      const values = list();
      if (values.length === 0) return sql<SqlBool>`true`;
      return sql<SqlBool>`(${c} is null or ${c} not in (${sql.join(values)}))`;
    }
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) throw new ListQueryError(path, `${field}: "between" takes [from, to]`);
      value.forEach((v, i) => checkValue(target, v, `${path}/${i}`, field));
      return sql<SqlBool>`${c} between ${value[0]} and ${value[1]}`;
    }
    case 'contains':
      if (target.kind === 'array') return sql<SqlBool>`${c} @> ${sql.val([one()])}`;
      return sql<SqlBool>`${c} ilike ${`%${escapeLike(text())}%`}`;
    case 'starts_with':
      return sql<SqlBool>`${c} ilike ${`${escapeLike(text())}%`}`;
    case 'eq':
      return target.kind === 'array' ? sql<SqlBool>`${c} @> ${sql.val([one()])}` : sql<SqlBool>`${c} = ${one()}`;
    case 'neq':
      return sql<SqlBool>`${c} is distinct from ${one()}`;
    case 'lt':
      return sql<SqlBool>`${c} < ${one()}`;
    case 'lte':
      return sql<SqlBool>`${c} <= ${one()}`;
    case 'gt':
      return sql<SqlBool>`${c} > ${one()}`;
    case 'gte':
      return sql<SqlBool>`${c} >= ${one()}`;
  }
}

export interface SortSpec {
  readonly key: string;
  readonly column: string;
  readonly direction: 'asc' | 'desc';
  readonly notNull: boolean;
}

/** Sort keys, always ending with the id (the keyset tie-breaker). */
export function compileSort(entity: EntityModel, sort: ListInput['sort'], hidden: ReadonlySet<string> = NOTHING_HIDDEN): SortSpec[] {
  const visibleDefault = entity.defaultSort.filter((s) => !hidden.has(s.field));
  const requested = sort && sort.length > 0 ? sort : visibleDefault.length > 0 ? visibleDefault : [{ field: 'id', direction: 'desc' as const }];
  if (requested.length > LIST_LIMITS.maxSortKeys) throw new ListQueryError('/sort', `at most ${LIST_LIMITS.maxSortKeys} sort keys`);
  const out: SortSpec[] = [];
  requested.forEach((s, i) => {
    const target = resolve(entity, s.field, `/sort/${i}/field`, hidden);
    if (!target.sortable) throw new ListQueryError(`/sort/${i}/field`, `${s.field} cannot be sorted on`);
    if (s.direction !== undefined && s.direction !== 'asc' && s.direction !== 'desc') throw new ListQueryError(`/sort/${i}/direction`, 'direction must be "asc" or "desc"');
    if (!out.some((o) => o.column === target.column)) out.push({ key: s.field, column: target.column, direction: s.direction ?? 'asc', notNull: target.notNull });
  });
  if (!out.some((o) => o.column === 'id')) out.push({ key: 'id', column: 'id', direction: out[0]?.direction ?? 'asc', notNull: true });
  return out;
}

export function orderBy(sort: readonly SortSpec[]): RawBuilder<unknown> {
  return sql.join(sort.map((s) => sql`${col(s.column)} ${sql.raw(s.direction)}`));
}

export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, sort: readonly SortSpec[]): unknown[] {
  try {
    if (cursor.length > 4000) throw new Error('too long');
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(values) || values.length !== sort.length) throw new Error('shape');
    for (const v of values) if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error('value');
    return values;
  } catch {
    throw new ListQueryError('/cursor', 'the cursor is not valid for this list (it belongs to another query or was altered)');
  }
}

/** Rows strictly after the cursor in the sort order (NULLS LAST for asc, FIRST for desc, as PostgreSQL sorts). */
export function afterCursor(sort: readonly SortSpec[], values: readonly unknown[]): Expression<SqlBool> {
  const sameDirection = sort.every((s) => s.direction === sort[0]?.direction);
  if (sameDirection && sort.every((s, i) => s.notNull && values[i] !== null)) {
    const cols = sql.join(sort.map((s) => col(s.column)));
    const vals = sql.join(values.map((v) => sql`${v}`));
    return sort[0]?.direction === 'desc' ? sql<SqlBool>`(${cols}) < (${vals})` : sql<SqlBool>`(${cols}) > (${vals})`;
  }
  const branches: RawBuilder<SqlBool>[] = [];
  const equalSoFar: RawBuilder<SqlBool>[] = [];
  sort.forEach((s, i) => {
    const c = col(s.column);
    const v = values[i];
    let after: RawBuilder<SqlBool> | null;
    let equal: RawBuilder<SqlBool>;
    if (v === null) {
      after = s.direction === 'asc' ? null : sql<SqlBool>`${c} is not null`;
      equal = sql<SqlBool>`${c} is null`;
    } else {
      after = s.direction === 'asc' ? (s.notNull ? sql<SqlBool>`${c} > ${v}` : sql<SqlBool>`(${c} > ${v} or ${c} is null)`) : sql<SqlBool>`${c} < ${v}`;
      equal = sql<SqlBool>`${c} = ${v}`;
    }
    if (after) branches.push(equalSoFar.length > 0 ? sql<SqlBool>`(${sql.join([...equalSoFar, after], sql` and `)})` : after);
    equalSoFar.push(equal);
  });
  return branches.length > 0 ? sql<SqlBool>`(${sql.join(branches, sql` or `)})` : sql<SqlBool>`false`;
}

/**
 * Every term must occur in the record's search text (folded the same way on both sides). `text`
 * replaces the stored search column (a caller with hidden fields searches the visible ones only).
 */
export function compileSearch(search: string, text: Expression<string> | null = null): Expression<SqlBool> | null {
  if (search.length > LIST_LIMITS.maxSearchLength) throw new ListQueryError('/search', `search text is longer than ${LIST_LIMITS.maxSearchLength} characters`);
  const terms = search.split(/[\s\u200c]+/u).filter(Boolean);
  if (terms.length > LIST_LIMITS.maxSearchTerms) throw new ListQueryError('/search', `search for at most ${LIST_LIMITS.maxSearchTerms} words at once`);
  if (terms.length === 0) return null;
  // A term that folds to nothing (only a tatweel, say) constrains nothing.
  return sql<SqlBool>`(${sql.join(
    terms.map((t) => sql`(peyvand.search_text(${escapeLike(t)}) is null or ${text ?? col(SEARCH_COLUMN)} like '%' || peyvand.search_text(${escapeLike(t)}) || '%')`),
    sql` and `,
  )})`;
}
