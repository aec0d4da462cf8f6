/**
 * The migration planner: `planMigration(old, new)` → readable steps. Pure: it reads two models and
 * returns data; `render.ts` turns steps into SQL and `apply.ts` runs them in one transaction.
 *
 * Identity is declared, never guessed: an entity or field matches its old self by name or by a
 * name listed in `x-renamed-from`, so a rename keeps the data.
 */
import type { ColumnSpec, SqlType } from '../../fields/field-type.ts';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, FieldModel, Model, OnDeletePolicy } from '../../model/types.ts';
import { objectName, sequenceName, SEARCH_COLUMN } from './object-names.ts';
import { canonicalJson } from '../../model/canonical-json.ts';

export type StepKind =
  | 'entity.create'
  | 'entity.rename'
  | 'entity.drop'
  | 'entity.update'
  | 'field.add'
  | 'field.rename'
  | 'field.retype'
  | 'field.drop'
  | 'field.require'
  | 'field.unrequire'
  | 'field.options'
  | 'field.update'
  | 'field.autonumber'
  | 'index.add'
  | 'index.drop'
  | 'index.rename'
  | 'relation.add'
  | 'relation.drop'
  | 'relation.rename'
  | 'search.refresh';

/** Rows a step changes or loses, counted before anything is applied. */
export type RowCheck =
  | { readonly kind: 'rows' }
  | { readonly kind: 'not-null'; readonly column: string }
  | { readonly kind: 'null'; readonly column: string }
  | { readonly kind: 'not-matching'; readonly column: string; readonly regex: string }
  /** Non-empty text that does not convert to a date or timestamp (e.g. 2024-02-30). */
  | { readonly kind: 'not-castable'; readonly column: string; readonly to: 'date' | 'timestamptz' }
  | { readonly kind: 'fractional'; readonly column: string }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly string[]; readonly isArray: boolean }
  | { readonly kind: 'duplicates'; readonly columns: readonly string[] }
  | { readonly kind: 'orphans'; readonly column: string; readonly target: string };

export interface StepCheck {
  /**
   * Table (in the data schema) the check counts in. Checks run inside the apply transaction right
   * before their step, so names are those after the steps before it (renames come first).
   */
  readonly table: string;
  readonly test: RowCheck;
  /** When set, matching rows make the step impossible even with --allow-destructive. */
  readonly impossible?: string;
}

export interface IndexColumn {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

export type StepAction =
  | { readonly type: 'none' }
  | { readonly type: 'create-table'; readonly table: string; readonly columns: readonly TableColumn[] }
  | { readonly type: 'rename-table'; readonly from: string; readonly to: string }
  | { readonly type: 'archive-table'; readonly table: string; readonly sequences: readonly string[] }
  /** Drop a field's columns and add the new type's (only ever run on a table without records). */
  | {
      readonly type: 'replace-columns';
      readonly table: string;
      readonly drop: readonly string[];
      readonly dropSequence: string | null;
      readonly add: readonly TableColumn[];
      readonly sequence: string | null;
    }
  | { readonly type: 'add-columns'; readonly table: string; readonly columns: readonly TableColumn[]; readonly sequence: string | null }
  | { readonly type: 'rename-columns'; readonly table: string; readonly pairs: readonly (readonly [string, string])[]; readonly sequence: readonly [string, string] | null }
  | { readonly type: 'drop-columns'; readonly table: string; readonly columns: readonly string[]; readonly sequence: string | null }
  | {
      readonly type: 'convert-columns';
      readonly table: string;
      readonly column: string;
      /** The converted column's name under the new type (money's amount column becomes the field's). */
      readonly toColumn: string;
      readonly from: SqlType;
      readonly to: SqlType;
      readonly drop: readonly string[];
      readonly add: readonly TableColumn[];
      /** Values for added columns on rows whose converted column has a value. */
      readonly fill: Readonly<Record<string, unknown>> | null;
    }
  | { readonly type: 'set-not-null'; readonly table: string; readonly columns: readonly string[]; readonly fill: Readonly<Record<string, unknown>> | null }
  | { readonly type: 'drop-not-null'; readonly table: string; readonly columns: readonly string[] }
  | { readonly type: 'clear-values'; readonly table: string; readonly column: string; readonly values: readonly string[]; readonly isArray: boolean; readonly replacement: string | null }
  | { readonly type: 'set-autonumber'; readonly table: string; readonly column: string; readonly sequence: string; readonly prefix: string; readonly digits: number }
  | { readonly type: 'create-index'; readonly table: string; readonly index: DerivedIndex }
  | { readonly type: 'drop-index'; readonly name: string }
  | { readonly type: 'rename-index'; readonly from: string; readonly to: string }
  | { readonly type: 'add-foreign-key'; readonly table: string; readonly fk: DerivedForeignKey }
  | { readonly type: 'drop-foreign-key'; readonly table: string; readonly name: string }
  | { readonly type: 'rename-constraint'; readonly table: string; readonly from: string; readonly to: string }
  | { readonly type: 'refresh-search'; readonly table: string; readonly sources: readonly SearchSource[] }
  /**
   * Formula and roll-up values of existing records (a computed field added or changed, or the
   * values it reads changed by another step). Run by `apply` with the new model: formulas are
   * evaluated by the expression language, roll-ups by one aggregate statement per field.
   */
  | { readonly type: 'compute-values'; readonly table: string; readonly fields: readonly string[] };

export interface TableColumn extends ColumnSpec {
  readonly notNull: boolean;
  /** A constant to fill existing rows with (kept only while adding). */
  readonly fill?: unknown;
  /** Auto-number: the column's default draws from this sequence. */
  readonly autoNumber?: { readonly sequence: string; readonly prefix: string; readonly digits: number };
}

export interface SearchSource {
  readonly column: string;
  readonly isArray: boolean;
}

export interface DerivedIndex {
  readonly name: string;
  readonly columns: readonly IndexColumn[];
  readonly unique: boolean;
  readonly method: 'btree' | 'trigram';
}

export interface DerivedForeignKey {
  readonly name: string;
  readonly column: string;
  readonly target: string;
  readonly onDelete: OnDeletePolicy;
}

export interface SchemaStep {
  readonly kind: StepKind;
  readonly entity: string;
  readonly field?: string;
  /** What the step does and why, in plain words. */
  readonly reason: string;
  /** Loses or overwrites data when it touches rows: needs --allow-destructive. */
  readonly destructive: boolean;
  readonly check?: StepCheck;
  readonly action: StepAction;
}

export interface PlanOptions {
  /** Trigram index on the search column (pg_trgm available). */
  readonly trigram: boolean;
}

const SYSTEM_TABLE_COLUMNS: readonly TableColumn[] = [
  { name: 'id', sqlType: 'uuid', notNull: true },
  { name: 'created_at', sqlType: 'timestamptz', notNull: true },
  { name: 'updated_at', sqlType: 'timestamptz', notNull: true },
  { name: 'created_by', sqlType: 'uuid', notNull: false },
  { name: 'owner', sqlType: 'uuid', notNull: false },
  { name: 'version', sqlType: 'bigint', notNull: true },
  { name: SEARCH_COLUMN, sqlType: 'text', notNull: false },
];
export { SYSTEM_TABLE_COLUMNS };

export function fieldColumns(field: FieldModel): readonly ColumnSpec[] {
  return FIELD_TYPES[field.type].columns(field);
}

function tableColumns(field: FieldModel, entity: string): TableColumn[] {
  return fieldColumns(field).map((c, i) => ({
    ...c,
    notNull: field.required,
    ...(i === 0 && field.autoNumber ? { autoNumber: { sequence: sequenceName(entity, field.name), ...field.autoNumber } } : {}),
  }));
}

export function searchSources(entity: EntityModel): SearchSource[] {
  return entity.fields
    .filter((f) => FIELD_TYPES[f.type].searchable)
    .map((f) => ({ column: fieldColumns(f)[0]?.name ?? f.name, isArray: fieldColumns(f)[0]?.sqlType === 'text[]' }));
}

/** Indexes and foreign keys an entity's table has, named from the entity and field names. */
export function derivedIndexes(entity: EntityModel, options: PlanOptions): DerivedIndex[] {
  const out: DerivedIndex[] = [];
  const first = (name: string) => {
    const field = entity.fields.find((f) => f.name === name);
    return field ? (fieldColumns(field)[0]?.name ?? name) : name;
  };
  for (const field of entity.fields) {
    const column = fieldColumns(field)[0]?.name;
    if (!column || !(field.indexed || field.unique)) continue;
    out.push({ name: objectName(entity.name, column, field.unique ? 'key' : 'idx'), columns: [{ column, direction: 'asc' }], unique: field.unique, method: 'btree' });
  }
  for (const index of entity.indexes) {
    const columns = index.fields.map((f) => first(f));
    out.push({ name: objectName(entity.name, columns.join('_'), index.unique ? 'key' : 'idx'), columns: columns.map((column) => ({ column, direction: 'asc' as const })), unique: index.unique, method: 'btree' });
  }
  if (entity.defaultSort.length > 0) {
    const columns: IndexColumn[] = entity.defaultSort.map((k) => ({ column: first(k.field), direction: k.direction }));
    // The id is the tie-breaker of keyset pagination, so it ends every sort index.
    columns.push({ column: 'id', direction: entity.defaultSort[0]?.direction ?? 'asc' });
    out.push({ name: objectName(entity.name, 'sort', columns.map((c) => c.column).join('_'), 'idx'), columns, unique: false, method: 'btree' });
  }
  // "My records" and team scopes (owner = any(team members)) read by owner in id order.
  out.push({ name: objectName(entity.name, 'owner', 'idx'), columns: [{ column: 'owner', direction: 'asc' }, { column: 'id', direction: 'asc' }], unique: false, method: 'btree' });
  if (options.trigram) {
    out.push({ name: objectName(entity.name, SEARCH_COLUMN, 'trgm'), columns: [{ column: SEARCH_COLUMN, direction: 'asc' }], unique: false, method: 'trigram' });
  }
  // Two declarations of the same index collapse into one.
  const seen = new Set<string>();
  return out.filter((i) => {
    const key = indexSignature(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function derivedForeignKeys(entity: EntityModel): DerivedForeignKey[] {
  return entity.fields
    .filter((f) => f.relation)
    .map((f) => ({
      name: objectName(entity.name, f.name, 'fk'),
      column: fieldColumns(f)[0]?.name ?? f.name,
      target: f.relation?.entity ?? '',
      onDelete: f.relation?.onDelete ?? 'set-null',
    }));
}

function indexSignature(i: Omit<DerivedIndex, 'name'>): string {
  return `${i.method}|${i.unique}|${i.columns.map((c) => `${c.column} ${c.direction}`).join(',')}`;
}

interface EntityMatch {
  readonly old: EntityModel;
  readonly next: EntityModel;
}

function matchByIdentity<T extends { readonly name: string; readonly renamedFrom: readonly string[] }>(olds: readonly T[], nexts: readonly T[]): Map<T, T> {
  const matched = new Map<T, T>();
  const used = new Set<T>();
  const nextNames = new Set(nexts.map((n) => n.name));
  for (const next of nexts) {
    const same = olds.find((o) => o.name === next.name && !used.has(o));
    const renamed = same ?? olds.find((o) => !used.has(o) && next.renamedFrom.includes(o.name) && !nextNames.has(o.name));
    if (renamed) {
      matched.set(next, renamed);
      used.add(renamed);
    }
  }
  return matched;
}

export function planMigration(oldModel: Model, newModel: Model, options: PlanOptions): SchemaStep[] {
  const entityMatches = matchByIdentity(oldModel.entities, newModel.entities);
  const matchedOld = new Set(entityMatches.values());
  const entityRenames = new Map([...entityMatches].filter(([n, o]) => n.name !== o.name).map(([n, o]) => [o.name, n.name]));
  const early: SchemaStep[] = [];
  const middle: SchemaStep[] = [];
  const late: SchemaStep[] = [];
  const constraints: SchemaStep[] = [];

  for (const next of newModel.entities) {
    const old = entityMatches.get(next);
    if (!old) {
      early.push(createEntity(next));
      for (const index of derivedIndexes(next, options)) constraints.push(addIndex(next.name, index));
      for (const fk of derivedForeignKeys(next)) constraints.push(addForeignKey(next.name, fk, true));
      continue;
    }
    const match: EntityMatch = { old, next };
    if (old.name !== next.name) {
      early.push({
        kind: 'entity.rename',
        entity: next.name,
        reason: `rename entity "${old.name}" to "${next.name}" (its records are kept)`,
        destructive: false,
        action: { type: 'rename-table', from: old.name, to: next.name },
      });
    }
    if (!sameJson(entityMeta(old), entityMeta(next))) {
      middle.push({ kind: 'entity.update', entity: next.name, reason: `update the labels or settings of entity "${next.name}"`, destructive: false, action: { type: 'none' } });
    }
    const fieldSteps = planFields(match);
    early.push(...fieldSteps.early);
    middle.push(...fieldSteps.middle);
    late.push(...fieldSteps.late);
    constraints.push(...planDerived(match, options, fieldSteps.renames, entityRenames));
  }

  for (const old of oldModel.entities) {
    if (matchedOld.has(old)) continue;
    // An archived table must not keep its links: ON DELETE would still reach into the archive
    // (cascade deletes archived rows, restrict blocks deleting live ones).
    for (const fk of derivedForeignKeys(old)) constraints.push(dropForeignKey(old.name, old.name, fk));
    late.push({
      kind: 'entity.drop',
      entity: old.name,
      reason: `remove entity "${old.name}"; its table is moved to the archive schema, not deleted`,
      destructive: true,
      check: { table: old.name, test: { kind: 'rows' } },
      action: { type: 'archive-table', table: old.name, sequences: old.fields.filter((f) => f.autoNumber).map((f) => sequenceName(old.name, f.name)) },
    });
  }

  // Drops of constraints go before the column changes that would break them; additions after.
  const dropping = constraints.filter((s) => s.kind === 'index.drop' || s.kind === 'relation.drop');
  const adding = constraints.filter((s) => s.kind !== 'index.drop' && s.kind !== 'relation.drop');
  const steps = [...dropping, ...early, ...middle, ...late, ...adding];
  return [...steps, ...planComputedValues(newModel, entityMatches, steps)];
}

/** Steps that change stored values of existing records (and so what formulas and roll-ups read). */
function changesValues(step: SchemaStep): boolean {
  switch (step.action.type) {
    case 'convert-columns':
    case 'clear-values':
    case 'set-not-null':
    case 'add-foreign-key':
      return true;
    case 'add-columns':
      return step.action.columns.some((c) => c.fill !== undefined && c.fill !== null);
    default:
      return false;
  }
}

/**
 * Existing records get the values of computed fields that are new or whose definition changed,
 * and fresh ones where another step changed what they read. Formulas first (all of an entity's,
 * as they may use each other), then roll-ups (which may aggregate a formula). New tables are
 * empty and need nothing.
 */
function planComputedValues(newModel: Model, entityMatches: ReadonlyMap<EntityModel, EntityModel>, steps: readonly SchemaStep[]): SchemaStep[] {
  const existing = newModel.entities.filter((e) => entityMatches.has(e));
  const changed = new Set(steps.filter(changesValues).map((s) => s.entity));
  const formulaTables = new Set<string>();
  const rollupFields = new Map<string, Set<string>>();
  const addRollup = (table: string, field: string) => rollupFields.set(table, (rollupFields.get(table) ?? new Set()).add(field));
  for (const next of existing) {
    const old = entityMatches.get(next);
    if (!old) continue;
    const fieldMatches = matchByIdentity(old.fields, next.fields);
    for (const field of next.fields) {
      if (!field.computed) continue;
      const was = fieldMatches.get(field);
      const isNew = !was || was.type !== field.type || !sameJson(was.computed ?? null, field.computed);
      if (field.computed.kind === 'formula' && (isNew || changed.has(next.name))) formulaTables.add(next.name);
      if (field.computed.kind === 'rollup' && isNew) addRollup(next.name, field.name);
    }
  }
  // Roll-ups over records whose values changed, or whose formulas are recomputed.
  for (const parent of existing) {
    for (const field of parent.fields) {
      if (field.computed?.kind !== 'rollup') continue;
      const source = field.computed.entity;
      if (changed.has(source) || formulaTables.has(source)) addRollup(parent.name, field.name);
    }
  }
  const out: SchemaStep[] = [];
  for (const table of formulaTables) {
    const entity = newModel.entities.find((e) => e.name === table);
    const fields = entity?.fields.filter((f) => f.computed?.kind === 'formula').map((f) => f.name) ?? [];
    out.push(computeStep(table, fields, 'formula'));
  }
  for (const [table, fields] of rollupFields) out.push(computeStep(table, [...fields], 'roll-up'));
  return out;
}

function computeStep(table: string, fields: readonly string[], what: 'formula' | 'roll-up'): SchemaStep {
  return {
    kind: 'field.update',
    entity: table,
    field: fields[0] ?? '',
    reason: `compute ${what} field${fields.length === 1 ? '' : 's'} ${fields.map((f) => `"${f}"`).join(', ')} for the existing records of "${table}"`,
    destructive: false,
    check: { table, test: { kind: 'rows' } },
    action: { type: 'compute-values', table, fields },
  };
}

function entityMeta(e: EntityModel): unknown {
  return { label: e.label, plural: e.pluralLabel, description: e.description, title: e.titleField, pack: e.pack ?? null };
}

function createEntity(entity: EntityModel): SchemaStep {
  const columns = [...SYSTEM_TABLE_COLUMNS, ...entity.fields.flatMap((f) => tableColumns(f, entity.name))];
  return {
    kind: 'entity.create',
    entity: entity.name,
    reason: `create entity "${entity.name}" with ${entity.fields.length} field${entity.fields.length === 1 ? '' : 's'}`,
    destructive: false,
    action: { type: 'create-table', table: entity.name, columns },
  };
}

interface FieldPlan {
  early: SchemaStep[];
  middle: SchemaStep[];
  late: SchemaStep[];
  /** old column name → new column name, for renaming derived objects */
  renames: Map<string, string>;
}

function planFields({ old, next }: EntityMatch): FieldPlan {
  const plan: FieldPlan = { early: [], middle: [], late: [], renames: new Map() };
  const matches = matchByIdentity(old.fields, next.fields);
  const matchedOld = new Set(matches.values());
  const table = next.name;
  let searchChanged = false;

  for (const field of next.fields) {
    const was = matches.get(field);
    if (!was) {
      plan.middle.push(addField(table, field));
      continue;
    }
    if (was.name !== field.name) {
      const pairs = zipColumns(fieldColumns(was), fieldColumns(field));
      for (const [from, to] of pairs) plan.renames.set(from, to);
      plan.early.push({
        kind: 'field.rename',
        entity: table,
        field: field.name,
        reason: `rename field "${was.name}" to "${field.name}" (its values are kept)`,
        destructive: false,
        action: {
          type: 'rename-columns',
          table,
          pairs,
          sequence: was.autoNumber && field.autoNumber ? [sequenceName(old.name, was.name), sequenceName(table, field.name)] : null,
        },
      });
    } else if (old.name !== next.name && was.autoNumber && field.autoNumber) {
      plan.early.push({
        kind: 'field.rename',
        entity: table,
        field: field.name,
        reason: `rename the number sequence of "${field.name}" after the entity`,
        destructive: false,
        action: { type: 'rename-columns', table, pairs: [], sequence: [sequenceName(old.name, was.name), sequenceName(table, field.name)] },
      });
    }
    const renamed: FieldModel = { ...was, name: field.name };
    if (was.type !== field.type) {
      plan.middle.push(...retypeField(table, renamed, field));
      if (FIELD_TYPES[was.type].searchable !== FIELD_TYPES[field.type].searchable) searchChanged = true;
      continue;
    }
    plan.middle.push(...changeField(table, renamed, field));
  }

  for (const was of old.fields) {
    if (matchedOld.has(was)) continue;
    if (FIELD_TYPES[was.type].searchable) searchChanged = true;
    const columns = fieldColumns(was).map((c) => c.name);
    plan.late.push({
      kind: 'field.drop',
      entity: table,
      field: was.name,
      reason: `remove field "${was.name}"; its values are copied to the archive schema first`,
      destructive: true,
      check: { table, test: { kind: 'not-null', column: columns[0] ?? was.name } },
      action: { type: 'drop-columns', table, columns, sequence: was.autoNumber ? sequenceName(old.name, was.name) : null },
    });
  }

  if (searchChanged) {
    plan.late.push({
      kind: 'search.refresh',
      entity: table,
      reason: `rebuild the search text of "${table}" from its remaining text fields`,
      destructive: false,
      action: { type: 'refresh-search', table, sources: searchSources(next) },
    });
  }
  return plan;
}

function zipColumns(from: readonly ColumnSpec[], to: readonly ColumnSpec[]): [string, string][] {
  return from.flatMap((c, i) => {
    const target = to[i];
    return target && target.name !== c.name ? [[c.name, target.name] as [string, string]] : [];
  });
}

function addField(table: string, field: FieldModel): SchemaStep {
  const type = FIELD_TYPES[field.type];
  const columns = tableColumns(field, table);
  const fill = field.required && field.defaultValue !== undefined ? type.toRow(field, field.defaultValue) : null;
  const withFill = columns.map((c) => (fill && c.name in fill ? { ...c, fill: fill[c.name] } : c));
  const needsValue = field.required && !fill && !field.autoNumber;
  return {
    kind: 'field.add',
    entity: table,
    field: field.name,
    reason: `add ${field.required ? 'required ' : ''}field "${field.name}" (${field.type})${fill ? ` filled with ${JSON.stringify(field.defaultValue)} on existing records` : ''}`,
    destructive: false,
    ...(needsValue
      ? { check: { table, test: { kind: 'rows' as const }, impossible: `field "${field.name}" is required and has no default, but "${table}" already has records: give it a "default" or make it optional` } }
      : {}),
    action: { type: 'add-columns', table, columns: withFill, sequence: field.autoNumber ? sequenceName(table, field.name) : null },
  };
}

/** How one column type converts to another: the check that finds values the conversion loses. */
export function conversionLoss(from: SqlType, to: SqlType, column: string): RowCheck | null | 'impossible' {
  if (from === to) return null;
  if (to === 'text') return null;
  if (from === 'bigint' && to === 'numeric') return null;
  if (from === 'boolean' && (to === 'bigint' || to === 'numeric')) return null;
  if (from === 'date' && to === 'timestamptz') return null;
  if (from === 'numeric' && to === 'bigint') return { kind: 'fractional', column };
  if (from === 'text' && (to === 'date' || to === 'timestamptz')) return { kind: 'not-castable', column, to };
  if (from === 'text' && to in TEXT_CAST_PATTERNS) return { kind: 'not-matching', column, regex: TEXT_CAST_PATTERNS[to as keyof typeof TEXT_CAST_PATTERNS] };
  if (from === 'text' && to === 'text[]') return null;
  if ((from === 'timestamptz' && to === 'date') || ((from === 'bigint' || from === 'numeric') && to === 'boolean')) {
    return { kind: 'not-null', column };
  }
  return 'impossible';
}

/** Text values that convert cleanly to each type; others become empty (and are counted first). */
export const TEXT_CAST_PATTERNS = {
  bigint: '^\\s*-?[0-9]{1,18}\\s*$',
  numeric: '^\\s*-?[0-9]{1,28}(\\.[0-9]{1,10})?\\s*$',
  date: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  timestamptz: '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$',
  boolean: '^(true|false|t|f|yes|no|y|n|1|0)$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;

function retypeField(table: string, was: FieldModel, field: FieldModel): SchemaStep[] {
  const fromCols = fieldColumns(was);
  const toCols = fieldColumns(field);
  const from = fromCols[0];
  const to = toCols[0];
  if (!from || !to) return [];
  const steps: SchemaStep[] = [];
  const loss = conversionLoss(from.sqlType, to.sqlType, from.name);
  const extraOld = fromCols.slice(1).map((c) => c.name);
  const extraNew = tableColumns(field, table).slice(1).map((c) => ({ ...c, notNull: false }));
  const fill = extraNew.length > 0 ? (FIELD_TYPES[field.type].fillConvertedColumns?.(field) ?? null) : null;
  const base = `change field "${field.name}" from ${was.type} to ${field.type}`;
  if (loss === 'impossible' || was.autoNumber || field.autoNumber) {
    // No conversion keeps these values: allowed only while the table has no records.
    return [
      {
        kind: 'field.retype',
        entity: table,
        field: field.name,
        reason: `${base} (possible only while "${table}" has no records)`,
        destructive: true,
        check: { table, test: { kind: 'rows' }, impossible: `${was.type} values cannot be converted to ${field.type}; add a new field and remove the old one instead` },
        action: {
          type: 'replace-columns',
          table,
          drop: fromCols.map((c) => c.name),
          dropSequence: was.autoNumber ? sequenceName(table, was.name) : null,
          add: tableColumns(field, table),
          sequence: field.autoNumber ? sequenceName(table, field.name) : null,
        },
      },
    ];
  }
  const losesExtra = extraOld.length > 0;
  const cannotFill = extraNew.length > 0 && !fill;
  const check: RowCheck | null = loss ?? (losesExtra ? { kind: 'not-null', column: from.name } : null);
  steps.push({
    kind: 'field.retype',
    entity: table,
    field: field.name,
    reason:
      `${base}` +
      (loss ? '; values that do not convert are cleared' : '') +
      (losesExtra ? `; ${extraOld.join(', ')} is dropped` : '') +
      (fill ? `; existing values get ${Object.values(fill).join(', ')}` : ''),
    destructive: check !== null,
    ...(cannotFill
      ? { check: { table, test: { kind: 'not-null' as const, column: from.name }, impossible: `existing values of "${field.name}" cannot be converted to ${field.type} without more information (for money, set "x-default-currency")` } }
      : check
        ? { check: { table, test: check } }
        : {}),
    action: { type: 'convert-columns', table, column: from.name, toColumn: to.name, from: from.sqlType, to: to.sqlType, drop: extraOld, add: extraNew, fill },
  });
  if (field.required && !was.required) steps.push(requireField(table, field));
  if (!field.required && was.required) steps.push(unrequireField(table, field));
  if (field.options.length > 0 && was.options.length > 0) steps.push(...changeOptions(table, was, field));
  return steps;
}

function changeField(table: string, was: FieldModel, field: FieldModel): SchemaStep[] {
  const steps: SchemaStep[] = [];
  if (field.required && !was.required) steps.push(requireField(table, field));
  if (!field.required && was.required) steps.push(unrequireField(table, field));
  steps.push(...changeOptions(table, was, field));
  if (field.autoNumber && was.autoNumber && !sameJson(field.autoNumber, was.autoNumber)) {
    const column = fieldColumns(field)[0]?.name ?? field.name;
    steps.push({
      kind: 'field.autonumber',
      entity: table,
      field: field.name,
      reason: `number new records of "${field.name}" as ${field.autoNumber.prefix}${'0'.repeat(field.autoNumber.digits)} (existing numbers are kept)`,
      destructive: false,
      action: { type: 'set-autonumber', table, column, sequence: sequenceName(table, field.name), ...field.autoNumber },
    });
  }
  const meta = (f: FieldModel) => ({ label: f.label, description: f.description, schema: f.schema, renamedFrom: null });
  const structural = steps.length > 0;
  if (!structural && !sameJson({ ...meta(was), schema: stripRename(was.schema) }, { ...meta(field), schema: stripRename(field.schema) })) {
    steps.push({ kind: 'field.update', entity: table, field: field.name, reason: `update the settings of field "${field.name}" (labels, limits or validation; existing values are not changed)`, destructive: false, action: { type: 'none' } });
  }
  return steps;
}

function stripRename(schema: FieldModel['schema']): unknown {
  const copy: Record<string, unknown> = { ...schema };
  delete copy['x-renamed-from'];
  return copy;
}

function requireField(table: string, field: FieldModel): SchemaStep {
  const columns = fieldColumns(field).map((c) => c.name);
  const first = columns[0] ?? field.name;
  const fill = field.defaultValue !== undefined ? FIELD_TYPES[field.type].toRow(field, field.defaultValue) : null;
  return {
    kind: 'field.require',
    entity: table,
    field: field.name,
    reason: fill
      ? `make field "${field.name}" required; records without a value get the default ${JSON.stringify(field.defaultValue)}`
      : `make field "${field.name}" required`,
    destructive: fill !== null,
    check: fill
      ? { table, test: { kind: 'null', column: first } }
      : { table, test: { kind: 'null', column: first }, impossible: `records have no value in "${field.name}"; give the field a "default" to fill them, or fill them first` },
    action: { type: 'set-not-null', table, columns, fill },
  };
}

function unrequireField(table: string, field: FieldModel): SchemaStep {
  return {
    kind: 'field.unrequire',
    entity: table,
    field: field.name,
    reason: `make field "${field.name}" optional`,
    destructive: false,
    action: { type: 'drop-not-null', table, columns: fieldColumns(field).map((c) => c.name) },
  };
}

function changeOptions(table: string, was: FieldModel, field: FieldModel): SchemaStep[] {
  const oldValues = was.options.map((o) => o.value);
  const newValues = new Set(field.options.map((o) => o.value));
  const removed = oldValues.filter((v) => !newValues.has(v));
  const added = [...newValues].filter((v) => !oldValues.includes(v));
  const steps: SchemaStep[] = [];
  if (added.length > 0) {
    steps.push({ kind: 'field.options', entity: table, field: field.name, reason: `add option${added.length > 1 ? 's' : ''} ${added.map((v) => `"${v}"`).join(', ')} to "${field.name}"`, destructive: false, action: { type: 'none' } });
  }
  if (removed.length > 0) {
    const column = fieldColumns(field)[0];
    const isArray = column?.sqlType === 'text[]';
    const replacement = field.required && !isArray && typeof field.defaultValue === 'string' ? field.defaultValue : null;
    const impossible = field.required && !isArray && replacement === null;
    steps.push({
      kind: 'field.options',
      entity: table,
      field: field.name,
      reason: `remove option${removed.length > 1 ? 's' : ''} ${removed.map((v) => `"${v}"`).join(', ')} from "${field.name}"; records that have ${removed.length > 1 ? 'them' : 'it'} ${replacement ? `get "${replacement}"` : isArray ? 'lose it' : 'become empty'}`,
      destructive: true,
      check: {
        table,
        test: { kind: 'in', column: column?.name ?? field.name, values: removed, isArray },
        ...(impossible ? { impossible: `records use the removed options and "${field.name}" is required without a default` } : {}),
      },
      action: { type: 'clear-values', table, column: column?.name ?? field.name, values: removed, isArray, replacement },
    });
  }
  return steps;
}

/** Indexes and foreign keys: renamed with their entity or field, dropped, or created. */
function planDerived({ old, next }: EntityMatch, options: PlanOptions, renames: ReadonlyMap<string, string>, entityRenames: ReadonlyMap<string, string>): SchemaStep[] {
  const steps: SchemaStep[] = [];
  const table = next.name;
  const mapColumn = (c: string) => renames.get(c) ?? c;
  const oldIndexes = derivedIndexes(old, options).map((i) => ({ ...i, columns: i.columns.map((c) => ({ ...c, column: mapColumn(c.column) })) }));
  const newIndexes = derivedIndexes(next, options);
  for (const index of newIndexes) {
    const was = oldIndexes.find((o) => indexSignature(o) === indexSignature(index));
    if (!was) steps.push(addIndex(table, index));
    else if (was.name !== index.name) steps.push({ kind: 'index.rename', entity: table, reason: `rename index ${was.name} to ${index.name}`, destructive: false, action: { type: 'rename-index', from: was.name, to: index.name } });
  }
  for (const was of oldIndexes) {
    if (!newIndexes.some((i) => indexSignature(i) === indexSignature(was))) {
      steps.push({ kind: 'index.drop', entity: table, reason: `remove ${was.unique ? 'the uniqueness rule' : 'the index'} on ${was.columns.map((c) => c.column).join(', ')}`, destructive: false, action: { type: 'drop-index', name: was.name } });
    }
  }
  const oldFks = derivedForeignKeys(old).map((fk) => ({ ...fk, column: mapColumn(fk.column), target: entityRenames.get(fk.target) ?? fk.target }));
  const newFks = derivedForeignKeys(next);
  // A column that already existed (e.g. text retyped to a relation) may hold ids of missing records.
  const oldColumns = new Set(old.fields.flatMap((f) => fieldColumns(f).map((c) => mapColumn(c.name))));
  const same = (a: DerivedForeignKey, b: DerivedForeignKey) => a.column === b.column && a.target === b.target && a.onDelete === b.onDelete;
  for (const fk of newFks) {
    const was = oldFks.find((o) => same(o, fk));
    if (!was) steps.push(addForeignKey(table, fk, !oldColumns.has(fk.column)));
    else if (was.name !== fk.name) {
      steps.push({ kind: 'relation.rename', entity: table, reason: `rename constraint ${was.name} to ${fk.name}`, destructive: false, action: { type: 'rename-constraint', table, from: was.name, to: fk.name } });
    }
  }
  for (const was of oldFks) {
    if (!newFks.some((fk) => same(was, fk))) {
      steps.push(dropForeignKey(table, old.name, was));
    }
  }
  return steps;
}

function addIndex(table: string, index: DerivedIndex): SchemaStep {
  const cols = index.columns.map((c) => c.column).join(', ');
  return {
    kind: 'index.add',
    entity: table,
    reason: index.method === 'trigram' ? `index the search text of "${table}"` : index.unique ? `require unique values of ${cols}` : `index ${cols} for filters and sorting`,
    destructive: false,
    ...(index.unique ? { check: { table, test: { kind: 'duplicates' as const, columns: index.columns.map((c) => c.column) }, impossible: `values of ${cols} are not unique yet; remove the duplicates first` } } : {}),
    action: { type: 'create-index', table, index },
  };
}

/** `table` is the name before any rename: constraint drops run first. */
function dropForeignKey(entity: string, table: string, fk: DerivedForeignKey): SchemaStep {
  return { kind: 'relation.drop', entity, reason: `remove the link rule ${fk.name} (${fk.column} → ${fk.target}, on delete ${fk.onDelete})`, destructive: false, action: { type: 'drop-foreign-key', table, name: fk.name } };
}

function addForeignKey(table: string, fk: DerivedForeignKey, isNewColumn: boolean): SchemaStep {
  return {
    kind: 'relation.add',
    entity: table,
    reason: `link ${fk.column} to "${fk.target}" (on delete ${fk.onDelete})${isNewColumn ? '' : '; values pointing at missing records are cleared'}`,
    destructive: !isNewColumn,
    ...(isNewColumn ? {} : { check: { table, test: { kind: 'orphans' as const, column: fk.column, target: fk.target } } }),
    action: { type: 'add-foreign-key', table, fk },
  };
}

/** Equal as JSON whatever the key order (a model read back from jsonb has its keys reordered). */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a, 0) === canonicalJson(b, 0);
}

