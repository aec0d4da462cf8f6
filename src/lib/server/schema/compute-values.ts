/**
 * The `compute-values` step: existing records get the values of their formula and roll-up fields,
 * inside the apply transaction. Roll-ups are one aggregate statement per field; formulas are read
 * in id order in batches, evaluated with the expression language, and written back in one
 * statement per batch. Versions, audit and outbox are untouched: a schema change is not an edit.
 *
 * A formula that cannot be computed for a record (a type error, division by zero) leaves that
 * record's field empty; the outcome says how many, with the first reason.
 */
import { sql, type Kysely } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';
import { FIELD_TYPES } from '../../fields/registry.ts';
import { findEntity, type FieldModel, type JsonValue, type Model } from '../../model/types.ts';
import { computeFormulas } from '../../records/compute-record.ts';
import { rowToRecord } from '../records/record-service.ts';
import { rollupAssignment } from '../records/rollups.ts';
import { DATA_SCHEMA, SEARCH_COLUMN } from './object-names.ts';
import { fieldColumns, searchSources } from './plan.ts';
import { searchExpression } from './render.ts';

const BATCH = 500;

export interface ComputeValuesOutcome {
  /** Records whose formulas could not be computed (left empty), with the first reason. */
  readonly failed: number;
  readonly firstError: string | null;
}

export async function computeValues(db: Kysely<SystemTables>, model: Model, action: { readonly table: string; readonly fields: readonly string[] }, now: Date): Promise<ComputeValuesOutcome> {
  const entity = findEntity(model, action.table);
  if (!entity) throw new Error(`compute-values: no entity ${action.table} in the model`);
  const fields = action.fields.map((name) => entity.fields.find((f) => f.name === name)).filter((f): f is FieldModel => f !== undefined);
  const table = sql.id(DATA_SCHEMA, entity.name);

  for (const field of fields) {
    if (field.computed?.kind !== 'rollup') continue;
    const source = findEntity(model, field.computed.entity);
    if (!source) throw new Error(`compute-values: roll-up ${entity.name}.${field.name} reads a missing entity ${field.computed.entity}`);
    await sql`update ${table} p set ${rollupAssignment(field.name, field.computed, source)}`.execute(db);
  }

  const formulas = fields.filter((f) => f.computed?.kind === 'formula');
  if (formulas.length === 0) return { failed: 0, firstError: null };
  const columns = formulas.flatMap((f) => fieldColumns(f));
  let failed = 0;
  let firstError: string | null = null;
  let after: string | null = null;
  for (;;) {
    const page = await sql<Record<string, unknown>>`select * from ${table} ${after === null ? sql`` : sql`where id > ${after}`} order by id limit ${BATCH}`.execute(db);
    if (page.rows.length === 0) break;
    const updates: Record<string, unknown>[] = [];
    for (const row of page.rows) {
      const record = rowToRecord(entity, row);
      const computed = computeFormulas(entity, record, { now });
      let values: Readonly<Record<string, JsonValue | null>>;
      if (computed.ok) values = computed.values;
      else {
        failed++;
        firstError ??= computed.issues[0]?.message ?? 'cannot be computed';
        values = Object.fromEntries(formulas.map((f) => [f.name, null]));
      }
      const update: Record<string, unknown> = { id: record.id };
      for (const field of formulas) Object.assign(update, FIELD_TYPES[field.type].toRow(field, values[field.name] ?? null));
      updates.push(update);
    }
    const recordset = sql.join([sql`id uuid`, ...columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(c.sqlType)}`)]);
    const sets = sql.join(columns.map((c) => sql`${sql.id(c.name)} = x.${sql.id(c.name)}`));
    await sql`update ${table} t set ${sets} from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(${recordset}) where t.id = x.id`.execute(db);
    after = String(page.rows.at(-1)?.id);
    if (page.rows.length < BATCH) break;
  }
  // Text formulas feed the search text.
  if (formulas.some((f) => FIELD_TYPES[f.type].searchable)) {
    await sql`update ${table} set ${sql.id(SEARCH_COLUMN)} = ${searchExpression(searchSources(entity))}`.execute(db);
  }
  return { failed, firstError };
}
