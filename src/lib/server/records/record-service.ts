/**
 * The one write path for records: API, UI, import, workflows and seed data all come here.
 * validate → authorize (by the caller, through `can`) → formulas → rules → build row → ONE
 * statement/transaction that writes the row, its audit entry and its outbox event together (and,
 * for an entity that roll-ups read, refreshes those roll-ups in the same transaction).
 */
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue } from '../../model/types.ts';
import { validateRecord, type FieldIssue, type RecordValues } from '../../records/validate-record.ts';
import { checkRules, computeFormulas, hasFormulas, initialRollupValues, rulesOf, type ComputeOptions } from '../../records/compute-record.ts';
import { feedsRollups, refreshRollups } from './rollups.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { DATA_SCHEMA, SEARCH_COLUMN, sequenceName } from '../schema/object-names.ts';
import { derivedIndexes, fieldColumns } from '../schema/plan.ts';
import { fail, ok, type RecordError, type RecordResult } from './record-error.ts';
import { rightsFor, type Access } from '../../access/access.ts';
import { hiddenFields, lockedFieldIssues, recordScope, visibleChanges, visibleRecord, visibleSearchText, type ScopedAction } from './record-access.ts';
import { afterCursor, compileFilter, compileSearch, compileSort, decodeCursor, encodeCursor, LIST_LIMITS, ListQueryError, orderBy, type ListInput } from './list-query.ts';

export type RecordOutput = Readonly<Record<string, JsonValue>>;

export interface RecordContext {
  /** The database, or a transaction on it: a write then joins that transaction. */
  readonly db: Kysely<SystemTables>;
  readonly actorId: string | null;
  /**
   * Which records and fields the caller may reach (record-access.ts): required, so that no path
   * can forget the policy. `SYSTEM_ACCESS` for the platform's own work (seed data, pack applies).
   */
  readonly access: Access;
  readonly now?: () => Date;
  /**
   * Set when a workflow run makes this write: its events carry the run and a depth one greater,
   * so that a workflow that changes the record that triggers it stops at the loop limit.
   */
  readonly cause?: EventCause;
  /** IANA zone of today() in formulas and rules; default UTC. */
  readonly timeZone?: string;
}

export interface EventCause {
  readonly runId: string;
  readonly depth: number;
}

/** Runs `work` in a transaction: the caller's, when `db` already is one, or a new one. */
export function withTransaction<T>(db: Kysely<SystemTables>, work: (trx: Kysely<SystemTables>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

function causeOf(ctx: RecordContext): { cause?: string; depth?: number } {
  return ctx.cause ? { cause: ctx.cause.runId, depth: ctx.cause.depth } : {};
}

export const WRITE_LIMITS = { maxBatch: 1000 } as const;

type Row = Readonly<Record<string, unknown>>;

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/** A database row → the record as the API returns it. */
export function rowToRecord(entity: EntityModel, row: Row): RecordOutput {
  const out: Record<string, JsonValue> = {
    id: String(row.id),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    created_by: (row.created_by as string | null) ?? null,
    owner: (row.owner as string | null) ?? null,
    version: Number(row.version),
  };
  for (const field of entity.fields) out[field.name] = FIELD_TYPES[field.type].fromRow(field, row);
  return out;
}

function searchSource(entity: EntityModel, values: RecordValues): string | null {
  const parts: string[] = [];
  for (const field of entity.fields) {
    if (!FIELD_TYPES[field.type].searchable) continue;
    const v = values[field.name];
    if (v === null || v === undefined) continue;
    parts.push(Array.isArray(v) ? v.join(' ') : String(v));
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/** Fields this service writes: those a client may set, and those it computes (auto-numbers are drawn in SQL). */
function isWritten(field: FieldModel): boolean {
  return !field.readOnly || (field.computed ?? null) !== null;
}

/** Column name → SQL type, for jsonb_to_recordset. */
function writeColumns(entity: EntityModel): { name: string; sqlType: string }[] {
  return entity.fields
    .filter(isWritten)
    .flatMap((f) => fieldColumns(f))
    .map((c) => ({ name: c.name, sqlType: c.sqlType }));
}

function fieldRow(entity: EntityModel, values: RecordValues): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const field of entity.fields) {
    if (!isWritten(field) || !(field.name in values)) continue;
    Object.assign(row, FIELD_TYPES[field.type].toRow(field, values[field.name] ?? null));
  }
  return row;
}

function dataTable(entity: EntityModel) {
  return sql.id(DATA_SCHEMA, entity.name);
}

/** Maps a constraint violation to the field it concerns. */
function databaseError(entity: EntityModel, error: unknown, during: 'write' | 'delete'): RecordError | null {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') {
    const index = derivedIndexes(entity, { trigram: false }).find((i) => i.name === e.constraint);
    const columns = index?.columns.map((c) => c.column) ?? [];
    const fields = entity.fields.filter((f) => columns.includes(fieldColumns(f)[0]?.name ?? '')).map((f) => f.name);
    const issues: FieldIssue[] = fields.map((f) => ({ path: `/${f}`, field: f, message: `another ${entity.name} already has this ${f}` }));
    return { code: 'duplicate', message: fields.length > 0 ? `another ${entity.name} already has this ${fields.join(' + ')}` : 'a unique value is already used', issues };
  }
  // PostgreSQL 18 (PGlite 0.5) reports ON DELETE RESTRICT as restrict_violation (23001), older ones as 23503.
  if (e.code === '23503' || e.code === '23001') {
    if (during === 'delete') return { code: 'in-use', message: `this ${entity.name} cannot be deleted: other records refer to it` };
    const field = entity.fields.find((f) => e.constraint?.startsWith(`${entity.name}__${f.name}__`));
    return {
      code: 'invalid',
      message: field ? `${field.name} refers to a ${field.relation?.entity ?? 'record'} that does not exist` : 'a relation refers to a record that does not exist',
      issues: field ? [{ path: `/${field.name}`, field: field.name, message: `${field.name} refers to a record that does not exist` }] : [],
    };
  }
  if (e.code === '23502') return { code: 'invalid', message: `a required value is missing: ${e.message ?? ''}` };
  // Data exceptions (class 22): a value the validator let through but PostgreSQL cannot store, such as
  // the year 0000 or a lone UTF-16 surrogate. Bad input, not a server fault.
  if (isDataException(error)) return { code: 'invalid', message: `a value cannot be stored: ${e.message ?? ''}` };
  return null;
}

function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

interface PreparedRecord {
  readonly id: string;
  readonly values: RecordValues;
  readonly row: Record<string, unknown>;
}

interface WriteMoment {
  readonly now: Date;
  readonly actorId: string | null;
  readonly timeZone?: string | undefined;
}

function computeOptions(moment: WriteMoment): ComputeOptions {
  return { now: moment.now, ...(moment.timeZone ? { timeZone: moment.timeZone } : {}) };
}

function prepare(entity: EntityModel, input: unknown, path: string, moment: WriteMoment): { ok: true; record: PreparedRecord } | { ok: false; issues: FieldIssue[] } {
  const checked = validateRecord(entity, input, 'create');
  const at = (issues: readonly FieldIssue[]) => ({ ok: false as const, issues: issues.map((i) => ({ ...i, path: `${path}${i.path}` })) });
  if (!checked.ok) return at(checked.issues);
  const id = uuidv7();
  const settled = settleValues(entity, checked.values, null, moment.now);
  // Nothing refers to a new record yet: its roll-ups start at their empty values.
  let values: RecordValues = entity.fields.some((f) => f.computed?.kind === 'rollup') ? { ...settled, ...initialRollupValues(entity) } : settled;
  const computes = hasFormulas(entity);
  const rules = rulesOf(entity).length > 0;
  if (computes || rules) {
    const stamp = moment.now.toISOString();
    const system = { id, owner: moment.actorId, created_by: moment.actorId, created_at: stamp, updated_at: stamp, version: 1 };
    if (computes) {
      const formulas = computeFormulas(entity, { ...values, ...system }, computeOptions(moment));
      if (!formulas.ok) return at(formulas.issues);
      values = { ...values, ...formulas.values };
    }
    if (rules) {
      const broken = checkRules(entity, { ...values, ...system }, { ...computeOptions(moment), old: null });
      if (broken.length > 0) return at(broken);
    }
  }
  return { ok: true, record: { id, values, row: fieldRow(entity, values) } };
}

/**
 * The insert statement of an entity: row, audit entry and outbox event in one statement, for any
 * number of records. Its SQL text depends only on the entity, so it is built once; the values
 * travel as five parameters ($1 time, $2 actor, $3 rows, $4 audit entries, $5 events).
 */
function insertStatement(entity: EntityModel, returning: 'record' | 'id', db: Kysely<SystemTables>): string {
  let cached = insertStatements.get(entity);
  if (!cached) {
    cached = new Map();
    insertStatements.set(entity, cached);
  }
  const hit = cached.get(returning);
  if (hit) return hit;
  const [now, actor, rowsParam, auditParam, eventsParam] = ['$1::timestamptz', '$2::uuid', '$3::jsonb', '$4::jsonb', '$5::jsonb'].map((p) => sql.raw(p));
  const columns = writeColumns(entity);
  const numbers = autoNumbers(entity);
  const recordset = sql.join([sql`id uuid`, sql`_source text`, ...columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(c.sqlType)}`)]);
  const targetColumns = sql.join([
    sql`id`,
    sql`created_at`,
    sql`updated_at`,
    sql`created_by`,
    sql`owner`,
    sql`version`,
    sql.id(SEARCH_COLUMN),
    ...columns.map((c) => sql.id(c.name)),
    ...numbers.map((n) => sql.id(n.column)),
  ]);
  const searchParts = [sql`x._source`, ...numbers.filter((n) => n.searchable).map((n) => sql`x.${sql.id(n.column)}`)];
  const selected = sql.join([
    sql`x.id`,
    sql`${now}`,
    sql`${now}`,
    sql`${actor}`,
    sql`${actor}`,
    sql`1`,
    sql`peyvand.search_text(concat_ws(' ', ${sql.join(searchParts)}))`,
    ...columns.map((c) => sql`x.${sql.id(c.name)}`),
    ...numbers.map((n) => sql`x.${sql.id(n.column)}`),
  ]);
  // Auto-numbers are drawn here rather than by the column default, so that the search text has them.
  const source = sql`jsonb_to_recordset(${rowsParam}) as x(${recordset})`;
  const rows =
    numbers.length === 0
      ? source
      : sql`(select x.*, ${sql.join(numbers.map((n) => sql`peyvand.format_number(${sql.lit(n.prefix)}, nextval(${sql.lit(`${DATA_SCHEMA}."${n.sequence}"`)}::regclass), ${sql.lit(n.digits)}) as ${sql.id(n.column)}`))} from ${source}) x`;
  const statement = sql`
    with r as (
      insert into ${dataTable(entity)} (${targetColumns})
      select ${selected} from ${rows}
      returning *
    ), a as (
      insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes)
      select ${now}, ${actor}, ${sql.lit(entity.name)}, y.record_id, 'create', y.changes
      from jsonb_to_recordset(${auditParam}) as y(record_id uuid, changes jsonb)
    ), o as (
      insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload)
      select ${now}, 'record.created', ${sql.lit(entity.name)}, z.record_id, ${actor}, z.payload
      from jsonb_to_recordset(${eventsParam}) as z(record_id uuid, payload jsonb)
    )
    select ${returning === 'record' ? sql`*` : sql`id`} from r`.compile(db);
  if (statement.parameters.length > 0) throw new Error('the insert statement must carry its values only as $1–$5');
  cached.set(returning, statement.sql);
  return statement.sql;
}

const insertStatements = new WeakMap<EntityModel, Map<'record' | 'id', string>>();

function autoNumbers(entity: EntityModel) {
  return entity.fields.flatMap((f) =>
    f.autoNumber ? [{ column: fieldColumns(f)[0]?.name ?? f.name, sequence: sequenceName(entity.name, f.name), searchable: FIELD_TYPES[f.type].searchable, ...f.autoNumber }] : [],
  );
}

/** Inserts prepared records with their audit entries and outbox events in one statement. */
async function insertBatch(ctx: RecordContext, entity: EntityModel, records: readonly PreparedRecord[], returning: 'record' | 'id', at: Date): Promise<Row[]> {
  const now = at.toISOString();
  const columns = writeColumns(entity);
  const payload = records.map((r) => {
    const item: Record<string, unknown> = { id: r.id, _source: searchSource(entity, r.values) };
    for (const c of columns) item[c.name] = r.row[c.name] ?? null;
    return item;
  });
  const audit = records.map((r) => ({
    record_id: r.id,
    changes: Object.fromEntries(Object.entries(r.values).filter(([, v]) => v !== null).map(([k, v]) => [k, { old: null, new: v }])),
  }));
  const events = records.map((r) => ({ record_id: r.id, payload: { entity: entity.name, id: r.id, owner: ctx.actorId, values: r.values, ...causeOf(ctx) } }));
  const text = insertStatement(entity, returning, ctx.db);
  const run = async (db: Kysely<SystemTables>) => {
    const result = await db.executeQuery<Row>(CompiledQuery.raw(text, [now, ctx.actorId, JSON.stringify(payload), JSON.stringify(audit), JSON.stringify(events)]));
    return [...result.rows];
  };
  // An entity that roll-ups read needs a second statement (the insert's own snapshot cannot see
  // the new rows), so both run in one transaction; every other entity keeps its single statement.
  if (!feedsRollups(entity)) return run(ctx.db);
  return withTransaction(ctx.db, async (trx) => {
    const rows = await run(trx);
    await refreshRollups(trx, entity, records.map((r) => r.values));
    return rows;
  });
}

/** Values as the field types settle them on write (consent stamps its time); `current` null on a create. */
function settleValues(entity: EntityModel, values: RecordValues, current: RecordOutput | null, now: Date): RecordValues {
  let out: Record<string, JsonValue | null> | null = null;
  for (const field of entity.fields) {
    const settle = FIELD_TYPES[field.type].settle;
    if (!settle || !(field.name in values)) continue;
    out ??= { ...values };
    out[field.name] = settle(values[field.name] ?? null, current === null ? undefined : (current[field.name] ?? null), now);
  }
  return out ?? values;
}

function momentOf(ctx: RecordContext): WriteMoment {
  return { now: (ctx.now ?? (() => new Date()))(), actorId: ctx.actorId, timeZone: ctx.timeZone };
}

function forbidden(entity: EntityModel, verb: string): RecordError {
  return { code: 'forbidden', message: `your role does not let you ${verb} this ${entity.name}` };
}

function mayCreate(access: Access, entity: EntityModel): boolean {
  return access.isAdmin || rightsFor(access, entity.name).create;
}

export async function createRecord(ctx: RecordContext, entity: EntityModel, input: unknown): Promise<RecordResult<RecordOutput>> {
  if (!mayCreate(ctx.access, entity)) return fail({ code: 'forbidden', message: `your role does not let you create ${entity.name} records` });
  const locked = lockedFieldIssues(ctx.access, entity, input);
  if (locked.length > 0) return fail({ code: 'invalid', message: summarise(locked), issues: locked });
  const moment = momentOf(ctx);
  const prepared = prepare(entity, input, '', moment);
  if (!prepared.ok) return fail({ code: 'invalid', message: summarise(prepared.issues), issues: prepared.issues });
  try {
    const rows = await insertBatch(ctx, entity, [prepared.record], 'record', moment.now);
    const row = rows[0];
    if (!row) throw new Error('insert returned no row');
    return ok(visibleRecord(ctx.access, entity, rowToRecord(entity, row)));
  } catch (error) {
    const mapped = databaseError(entity, error, 'write');
    if (mapped) return fail(mapped);
    throw error;
  }
}

/** All or nothing: every record is checked first; one invalid record means none is written. */
export async function bulkCreate(ctx: RecordContext, entity: EntityModel, inputs: unknown): Promise<RecordResult<{ ids: string[] }>> {
  if (!Array.isArray(inputs)) return fail({ code: 'invalid', message: 'records must be a list' });
  if (inputs.length > WRITE_LIMITS.maxBatch) return fail({ code: 'limit', message: `at most ${WRITE_LIMITS.maxBatch} records per call` });
  if (!mayCreate(ctx.access, entity)) return fail({ code: 'forbidden', message: `your role does not let you create ${entity.name} records` });
  const prepared: PreparedRecord[] = [];
  const issues: FieldIssue[] = [];
  const moment = momentOf(ctx);
  inputs.forEach((input, i) => {
    const locked = lockedFieldIssues(ctx.access, entity, input, `/${i}`);
    if (locked.length > 0) {
      issues.push(...locked);
      return;
    }
    const p = prepare(entity, input, `/${i}`, moment);
    if (p.ok) prepared.push(p.record);
    else issues.push(...p.issues);
  });
  if (issues.length > 0) return fail({ code: 'invalid', message: `${new Set(issues.map((i) => i.path.split('/')[1])).size} of ${inputs.length} records are invalid; nothing was saved`, issues: issues.slice(0, 100) });
  if (prepared.length === 0) return ok({ ids: [] });
  try {
    const rows = await insertBatch(ctx, entity, prepared, 'id', moment.now);
    return ok({ ids: rows.map((r) => String(r.id)) });
  } catch (error) {
    const mapped = databaseError(entity, error, 'write');
    if (mapped) return fail(mapped);
    throw error;
  }
}

function summarise(issues: readonly FieldIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid record';
  return issues.length === 1 ? first.message : `${first.message} (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `and <scope>` for a statement that already has a where clause; empty when nothing is out of reach. */
function andScope(access: Access, entity: EntityModel, action: ScopedAction) {
  const scope = recordScope(access, entity, action);
  return scope ? sql` and ${scope}` : sql``;
}

/** A record the caller may read; one out of their reach is "not found", exactly like a missing one. */
export async function getRecord(ctx: RecordContext, entity: EntityModel, id: unknown): Promise<RecordResult<RecordOutput>> {
  if (typeof id !== 'string' || !UUID.test(id)) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  const result = await sql<Row>`select * from ${dataTable(entity)} where id = ${id}${andScope(ctx.access, entity, 'read')}`.execute(ctx.db);
  const row = result.rows[0];
  return row ? ok(visibleRecord(ctx.access, entity, rowToRecord(entity, row))) : fail({ code: 'not-found', message: `no ${entity.name} with this id` });
}

/** Whether the caller may change and delete a record they can read (for offering those actions). */
export async function recordRights(ctx: RecordContext, entity: EntityModel, id: string): Promise<{ readonly update: boolean; readonly delete: boolean }> {
  if (!UUID.test(id)) return { update: false, delete: false };
  const update = recordScope(ctx.access, entity, 'update') ?? sql`true`;
  const remove = recordScope(ctx.access, entity, 'delete') ?? sql`true`;
  const found = await sql<{ u: boolean; d: boolean }>`select ${update} as u, ${remove} as d from ${dataTable(entity)} where id = ${id}${andScope(ctx.access, entity, 'read')}`.execute(ctx.db);
  const row = found.rows[0];
  return { update: row?.u === true, delete: row?.d === true };
}

/**
 * Locks a record for a change: not found when the caller cannot read it, forbidden when they can
 * read but not `action` it.
 */
async function lockForChange(trx: Kysely<SystemTables>, ctx: RecordContext, entity: EntityModel, id: string, action: 'update' | 'delete'): Promise<RecordResult<Row>> {
  const scope = recordScope(ctx.access, entity, action);
  const allowed = scope ? sql`(${scope}) as _may_change` : sql`true as _may_change`;
  const found = await sql<Row & { _may_change: boolean }>`select *, ${allowed} from ${dataTable(entity)} where id = ${id}${andScope(ctx.access, entity, 'read')} for update`.execute(trx);
  const row = found.rows[0];
  if (!row) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  if (row._may_change !== true) return fail(forbidden(entity, action === 'update' ? 'change' : 'delete'));
  return ok(row);
}

export interface UpdateInput {
  readonly id: string;
  /**
   * The version the client read; a newer stored version is a conflict. `'current'` (workflow
   * actions, never the API) updates whatever version is stored, under the row lock.
   */
  readonly version: number | 'current';
  readonly values: unknown;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export async function updateRecord(ctx: RecordContext, entity: EntityModel, input: UpdateInput): Promise<RecordResult<RecordOutput>> {
  if (typeof input.id !== 'string' || !UUID.test(input.id)) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  const locked = lockedFieldIssues(ctx.access, entity, input.values);
  if (locked.length > 0) return fail({ code: 'invalid', message: summarise(locked), issues: locked });
  const checked = validateRecord(entity, input.values, 'update');
  if (!checked.ok) return fail({ code: 'invalid', message: summarise(checked.issues), issues: checked.issues });
  const moment = momentOf(ctx);
  const now = moment.now.toISOString();
  try {
    return await withTransaction(ctx.db, async (trx) => {
      const locked = await lockForChange(trx, ctx, entity, input.id, 'update');
      if (!locked.ok) return locked;
      const row = locked.value;
      const current = rowToRecord(entity, row);
      if (input.version !== 'current' && Number(row.version) !== input.version) {
        return fail({ code: 'conflict', message: `this ${entity.name} was changed by someone else (version ${String(row.version)}, you edited version ${input.version}); nothing was saved`, current: visibleRecord(ctx.access, entity, current) });
      }
      const values = settleValues(entity, checked.values, current, moment.now);
      const changes: Record<string, { old: JsonValue; new: JsonValue }> = {};
      for (const [name, value] of Object.entries(values)) {
        if (!sameValue(current[name], value)) changes[name] = { old: current[name] ?? null, new: value ?? null };
      }
      if (Object.keys(changes).length === 0) return ok(visibleRecord(ctx.access, entity, current));
      const merged: Record<string, JsonValue | null> = {};
      for (const f of entity.fields) merged[f.name] = f.name in values ? (values[f.name] ?? null) : (current[f.name] ?? null);
      const refused = recomputeForUpdate(entity, merged, changes, current, moment);
      if (refused) return fail({ code: 'invalid', message: summarise(refused), issues: refused });
      const rowValues = fieldRow(entity, Object.fromEntries(Object.keys(changes).map((k) => [k, merged[k] ?? null])));
      const sets: RawBuilder<unknown>[] = Object.entries(rowValues).map(([column, value]) => sql`${sql.id(column)} = ${toParam(value)}`);
      sets.push(sql`version = version + 1`, sql`updated_at = ${now}::timestamptz`, sql`${sql.id(SEARCH_COLUMN)} = peyvand.search_text(${searchSource(entity, merged)})`);
      const payload = { entity: entity.name, id: input.id, changes, record: merged, owner: current.owner ?? null, ...causeOf(ctx) };
      const updated = await sql<Row>`
        with u as (
          update ${dataTable(entity)} set ${sql.join(sets)} where id = ${input.id} and version = ${Number(row.version)} returning *
        ), a as (
          insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes)
          select ${now}::timestamptz, ${ctx.actorId}::uuid, ${entity.name}, u.id, 'update', ${JSON.stringify(changes)}::jsonb from u
        ), o as (
          insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload)
          select ${now}::timestamptz, 'record.updated', ${entity.name}, u.id, ${ctx.actorId}::uuid, ${JSON.stringify(payload)}::jsonb from u
        )
        select * from u`.execute(trx);
      const next = updated.rows[0];
      if (!next) throw new Error('row locked for update was not updated');
      if (feedsRollups(entity)) await refreshRollups(trx, entity, [current, merged]);
      return ok(visibleRecord(ctx.access, entity, rowToRecord(entity, next)));
    });
  } catch (error) {
    const mapped = databaseError(entity, error, 'write');
    if (mapped) return fail(mapped);
    throw error;
  }
}

/**
 * Formulas over the merged record (their changes join `changes`, so audit and outbox carry them
 * like any change) and rules over the result, with the stored record as `old`. Fills `merged` and
 * `changes` in place; returns the issues when the update must be refused.
 */
function recomputeForUpdate(
  entity: EntityModel,
  merged: Record<string, JsonValue | null>,
  changes: Record<string, { old: JsonValue; new: JsonValue }>,
  current: RecordOutput,
  moment: WriteMoment,
): readonly FieldIssue[] | null {
  const computes = hasFormulas(entity);
  if (!computes && rulesOf(entity).length === 0) return null;
  const system = {
    id: current.id ?? null,
    owner: current.owner ?? null,
    created_by: current.created_by ?? null,
    created_at: current.created_at ?? null,
    updated_at: moment.now.toISOString(),
    version: Number(current.version) + 1,
  };
  if (computes) {
    const formulas = computeFormulas(entity, { ...merged, ...system }, computeOptions(moment));
    if (!formulas.ok) return formulas.issues;
    for (const [name, value] of Object.entries(formulas.values)) {
      merged[name] = value;
      if (!sameValue(current[name], value)) changes[name] = { old: current[name] ?? null, new: value };
      else delete changes[name];
    }
  }
  const broken = checkRules(entity, { ...merged, ...system }, { ...computeOptions(moment), old: current });
  return broken.length > 0 ? broken : null;
}

/** Arrays go to PostgreSQL as arrays; everything else as it is. */
function toParam(value: unknown): unknown {
  return Array.isArray(value) ? sql.val(value) : value;
}

export async function deleteRecord(ctx: RecordContext, entity: EntityModel, input: { id: unknown; version?: number | undefined }): Promise<RecordResult<{ id: string }>> {
  if (typeof input.id !== 'string' || !UUID.test(input.id)) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  const id = input.id;
  const now = (ctx.now ?? (() => new Date()))().toISOString();
  try {
    return await withTransaction(ctx.db, async (trx) => {
      const locked = await lockForChange(trx, ctx, entity, id, 'delete');
      if (!locked.ok) return locked;
      const row = locked.value;
      const current = rowToRecord(entity, row);
      if (input.version !== undefined && Number(row.version) !== input.version) {
        return fail({ code: 'conflict', message: `this ${entity.name} was changed by someone else since you read it; it was not deleted`, current: visibleRecord(ctx.access, entity, current) });
      }
      const changes = Object.fromEntries(entity.fields.filter((f) => current[f.name] !== null).map((f) => [f.name, { old: current[f.name] ?? null, new: null }]));
      await sql`
        with d as (delete from ${dataTable(entity)} where id = ${id} returning id), a as (
          insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes)
          select ${now}::timestamptz, ${ctx.actorId}::uuid, ${entity.name}, d.id, 'delete', ${JSON.stringify(changes)}::jsonb from d
        ), o as (
          insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload)
          select ${now}::timestamptz, 'record.deleted', ${entity.name}, d.id, ${ctx.actorId}::uuid, ${JSON.stringify({ entity: entity.name, id, record: current, ...causeOf(ctx) })}::jsonb from d
        )
        select id from d`.execute(trx);
      if (feedsRollups(entity)) await refreshRollups(trx, entity, [current]);
      return ok({ id });
    });
  } catch (error) {
    const mapped = databaseError(entity, error, 'delete');
    if (mapped) return fail(mapped);
    throw error;
  }
}

export interface ListOutput {
  readonly items: readonly RecordOutput[];
  readonly nextCursor: string | null;
  readonly total?: number;
  /** The count stopped at `total`: there are at least that many. */
  readonly totalIsAtLeast?: boolean;
}

export async function listRecords(ctx: RecordContext, entity: EntityModel, input: ListInput): Promise<RecordResult<ListOutput>> {
  try {
    const limit = input.limit ?? LIST_LIMITS.defaultPageSize;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMITS.maxPageSize) {
      return fail({ code: 'invalid', message: `limit must be a whole number from 1 to ${LIST_LIMITS.maxPageSize}`, issues: [{ path: '/limit', field: null, message: `at most ${LIST_LIMITS.maxPageSize} records per page` }] });
    }
    const hidden = hiddenFields(ctx.access, entity);
    const sort = compileSort(entity, input.sort, hidden);
    const conditions = [];
    const scope = recordScope(ctx.access, entity, 'read');
    if (scope) conditions.push(scope);
    if (input.filter !== undefined) conditions.push(compileFilter(entity, input.filter, hidden));
    if (input.search) {
      const search = compileSearch(input.search, visibleSearchText(ctx.access, entity));
      if (search) conditions.push(search);
    }
    const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
    const pageConditions = [...conditions];
    if (input.cursor) pageConditions.push(afterCursor(sort, decodeCursor(input.cursor, sort)));
    const pageWhere = pageConditions.length > 0 ? sql`where ${sql.join(pageConditions, sql` and `)}` : sql``;
    const result = await sql<Row>`select * from ${dataTable(entity)} ${pageWhere} order by ${orderBy(sort)} limit ${limit + 1}`.execute(ctx.db);
    const rows = result.rows.slice(0, limit);
    const last = rows.at(-1);
    const nextCursor = result.rows.length > limit && last ? encodeCursor(sort.map((s) => cursorValue(last[s.column]))) : null;
    const items = rows.map((r) => visibleRecord(ctx.access, entity, rowToRecord(entity, r)));
    if (!input.includeTotal) return ok({ items, nextCursor });
    if (typeof input.includeTotal === 'object') {
      const cap = Math.min(Math.max(Math.trunc(input.includeTotal.upTo), 1), 1_000_000);
      const capped = await sql<{ n: string | number }>`select count(*) as n from (select 1 from ${dataTable(entity)} ${where} limit ${cap + 1}) x`.execute(ctx.db);
      const n = Number(capped.rows[0]?.n ?? 0);
      return ok(n > cap ? { items, nextCursor, total: cap, totalIsAtLeast: true } : { items, nextCursor, total: n });
    }
    const counted = await sql<{ n: string | number }>`select count(*) as n from ${dataTable(entity)} ${where}`.execute(ctx.db);
    return ok({ items, nextCursor, total: Number(counted.rows[0]?.n ?? 0) });
  } catch (error) {
    if (error instanceof ListQueryError) return fail({ code: 'invalid', message: error.message, issues: [{ path: error.path, field: null, message: error.message }] });
    // A filter value or cursor PostgreSQL cannot read (year 0000, a NUL, a cursor value of another query's type).
    if (isDataException(error)) {
      const message = `a filter, search or cursor value cannot be used: ${(error as Error).message}`;
      return fail({ code: 'invalid', message, issues: [{ path: input.cursor ? '/cursor' : '', field: null, message }] });
    }
    throw error;
  }
}

function cursorValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}


export interface HistoryEntry {
  readonly at: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly actor: { readonly id: string; readonly name: string } | null;
  readonly changes: Readonly<Record<string, { readonly old: JsonValue; readonly new: JsonValue }>>;
}

/**
 * A record's audit trail, newest first (who changed what, old → new): only for a record the caller
 * may read, and only the fields they may see (an entry that changed nothing visible is left out).
 */
export async function recordHistory(ctx: RecordContext, entity: EntityModel, id: unknown, limit = 100): Promise<RecordResult<HistoryEntry[]>> {
  if (typeof id !== 'string' || !UUID.test(id)) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  const readable = await getRecord(ctx, entity, id);
  if (!readable.ok) return readable;
  const rows = await ctx.db
    .selectFrom('peyvand.audit_log as a')
    .leftJoin('peyvand.users as u', 'u.id', 'a.actor_id')
    .select(['a.at', 'a.action', 'a.actor_id', 'u.name as actor_name', 'a.changes'])
    .where('a.entity', '=', entity.name)
    .where('a.record_id', '=', id)
    .orderBy('a.id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 500))
    .execute();
  const known = new Set([...entity.fields.map((f) => f.name), 'owner']);
  const entries = rows.map((r) => {
    const changes = (typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes) as Record<string, { old: JsonValue; new: JsonValue }>;
    // Only fields the entity still has (a dropped field's history stays in the archive) and the caller may see.
    const shown = visibleChanges(ctx.access, entity, Object.fromEntries(Object.entries(changes).filter(([name]) => known.has(name))));
    return {
      at: toIso(r.at) ?? '',
      action: r.action,
      actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? '' } : null,
      changes: shown,
    };
  });
  return ok(entries.filter((e) => e.action !== 'update' || Object.keys(e.changes).length > 0));
}
