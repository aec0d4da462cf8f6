/**
 * Privacy requests (GDPR / CCPA) about one person's record: give them their data, or erase it.
 *
 *   const doc = await exportPerson(db, model, { entity: 'contact', id, actorId });   // a JSON document
 *   const done = await erasePerson(db, model, { entity: 'contact', id, actorId });   // anonymised in place
 *
 * Both act for the platform (SYSTEM_ACCESS): the caller has checked that the actor is an
 * administrator (`can(user, { action: 'admin' }, access)`) — the tRPC procedures, the page and the
 * CLI do. Both are recorded in `config_log` (kind 'privacy', subject `<entity>/<id>`), which says who
 * and when and which fields, never the values.
 *
 * Erasure decisions:
 * - Personal fields (fields/personal-data.ts: by type, `x-personal` overrides) become null, or a
 *   neutral placeholder when required ("[erased]", erased+<id>@invalid.example …). The record id,
 *   its relations, selects, numbers, amounts and system columns stay, so totals, roll-ups and the
 *   records that refer to it are unchanged. The search text is rebuilt from what is left.
 * - Its audit history keeps who/when/what, with the personal values replaced by "[erased]" (the
 *   one update audit_log allows, under `set local peyvand.erasure = 'on'`); an 'update' entry
 *   records the erasure itself. Outbox events and workflow runs about the record, and their
 *   steps' inputs and outputs, lose the personal values too — by field name where the shape is
 *   known (record, old, values, changes) and by value everywhere else (a rendered email body).
 * - No outbox event is written: an erasure is not an edit that automations should react to.
 * - Records that refer to the person (a deal's contact) are kept as they are; only the person's
 *   own record is anonymised.
 * - Everything happens in one transaction; erasing again finds nothing left and changes nothing
 *   but the log.
 */
import { sql, type Kysely } from 'kysely';
import { SYSTEM_ACCESS } from '../../access/access.ts';
import { consentChannel, readConsent } from '../../fields/consent.ts';
import { ERASED_TEXT, erasedValue, isPersonalField } from '../../fields/personal-data.ts';
import { FIELD_TYPES } from '../../fields/registry.ts';
import { findEntity, type EntityModel, type FieldModel, type JsonObject, type JsonValue, type Model } from '../../model/types.ts';
import { logConfigChange } from '../audit/config-log.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { getRecord, rowToRecord, withTransaction, type RecordOutput } from '../records/record-service.ts';
import { DATA_SCHEMA, SEARCH_COLUMN } from '../schema/object-names.ts';

export type PrivacyErrorCode = 'not-found' | 'invalid';

export type PrivacyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: PrivacyErrorCode; readonly message: string };

export interface PersonRef {
  readonly entity: string;
  readonly id: string;
  /** Who asked (an administrator); null for the platform. */
  readonly actorId?: string | null;
}

export interface EraseSummary {
  readonly entity: string;
  readonly id: string;
  /** Personal fields that held something and were blanked now. */
  readonly erased: readonly string[];
  /** Every personal field of the entity (what an erasure blanks). */
  readonly personal: readonly string[];
  /** Fields kept as they are. */
  readonly kept: readonly string[];
  readonly counts: { readonly auditEntries: number; readonly outboxEvents: number; readonly workflowRuns: number; readonly workflowSteps: number };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = Readonly<Record<string, unknown>>;

function refused<T>(code: PrivacyErrorCode, message: string): PrivacyResult<T> {
  return { ok: false, code, message };
}

function locate(model: Model, ref: PersonRef): PrivacyResult<EntityModel> {
  const entity = findEntity(model, ref.entity);
  if (!entity) return refused('not-found', `there is no entity "${ref.entity}"`);
  if (typeof ref.id !== 'string' || !UUID.test(ref.id)) return refused('not-found', `no ${entity.name} with id "${String(ref.id)}"`);
  return { ok: true, value: entity };
}

/** Which fields an erasure blanks and which it keeps. */
export function personalFields(entity: EntityModel): { readonly personal: readonly FieldModel[]; readonly kept: readonly FieldModel[] } {
  return { personal: entity.fields.filter(isPersonalField), kept: entity.fields.filter((f) => !isPersonalField(f)) };
}

function table(entity: EntityModel) {
  return sql.id(DATA_SCHEMA, entity.name);
}

function parseJson(value: unknown): JsonValue {
  return (typeof value === 'string' ? JSON.parse(value) : (value ?? null)) as JsonValue;
}

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** Objects with their keys in code-point order, at every depth: the same data prints the same. */
export function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as JsonObject)[key] ?? null);
  return out;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// export

/** Records of every entity whose relation fields point at the person, by entity and field. */
async function referencingRecords(db: Kysely<SystemTables>, model: Model, target: EntityModel, id: string) {
  const out: { entity: string; field: string; records: RecordOutput[] }[] = [];
  for (const entity of [...model.entities].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const field of entity.fields) {
      if (field.relation?.entity !== target.name) continue;
      const column = FIELD_TYPES[field.type].columns(field)[0]?.name ?? field.name;
      const rows = await sql<Row>`select * from ${table(entity)} where ${sql.id(column)} = ${id} order by id`.execute(db);
      if (rows.rows.length > 0) out.push({ entity: entity.name, field: field.name, records: rows.rows.map((r) => rowToRecord(entity, r)) });
    }
  }
  return out;
}

async function auditHistory(db: Kysely<SystemTables>, entity: string, id: string) {
  const rows = await db
    .selectFrom('peyvand.audit_log as a')
    .leftJoin('peyvand.users as u', 'u.id', 'a.actor_id')
    .select(['a.id', 'a.at', 'a.action', 'a.actor_id', 'u.name as actor_name', 'a.changes'])
    .where('a.entity', '=', entity)
    .where('a.record_id', '=', id)
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({ at: toIso(r.at), action: r.action, actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? '' } : null, changes: parseJson(r.changes) }));
}

async function workflowRuns(db: Kysely<SystemTables>, entity: string, id: string) {
  const runs = await db.selectFrom('peyvand.workflow_runs').selectAll().where('entity', '=', entity).where('record_id', '=', id).orderBy('id').execute();
  const out = [];
  for (const run of runs) {
    const steps = await db.selectFrom('peyvand.workflow_steps').selectAll().where('run_id', '=', run.id).orderBy('id').execute();
    out.push({
      id: run.id,
      workflow: run.workflow,
      trigger: run.trigger,
      status: run.status,
      input: parseJson(run.input),
      steps: steps.map((s) => ({ stepId: s.step_id, action: s.action, attempt: s.attempt, status: s.status, input: parseJson(s.input), output: parseJson(s.output), error: s.error, startedAt: toIso(s.started_at), finishedAt: toIso(s.finished_at) })),
    });
  }
  return out;
}

function consentsOf(entity: EntityModel, record: RecordOutput) {
  return entity.fields.flatMap((f) => {
    const channel = consentChannel(f);
    if (channel === null) return [];
    const consent = readConsent(record[f.name]);
    return [{ field: f.name, channel, granted: consent?.granted ?? null, source: consent?.source ?? null, at: consent?.at ?? null }];
  });
}

/**
 * Everything the platform holds about one person: the record (all fields), every record that
 * refers to it through a relation field (named by entity and field), its audit history, its
 * consents and the workflow runs about it, with when and by whom the document was made. Keys are
 * sorted at every depth. Recorded in config_log as an 'export'.
 */
export async function exportPerson(db: Kysely<SystemTables>, model: Model, ref: PersonRef, now: Date = new Date()): Promise<PrivacyResult<JsonObject>> {
  const located = locate(model, ref);
  if (!located.ok) return located;
  const entity = located.value;
  const found = await getRecord({ db, actorId: ref.actorId ?? null, access: SYSTEM_ACCESS }, entity, ref.id);
  if (!found.ok) return refused('not-found', `no ${entity.name} with id "${ref.id}"`);
  const record = found.value;
  const actor = ref.actorId ? await db.selectFrom('peyvand.users').select(['id', 'name', 'email']).where('id', '=', ref.actorId).executeTakeFirst() : undefined;
  const related = await referencingRecords(db, model, entity, ref.id);
  const document = {
    format: 'peyvand.privacy-export/1',
    generatedAt: now.toISOString(),
    generatedBy: actor ? { id: actor.id, name: actor.name, email: actor.email } : null,
    subject: { entity: entity.name, id: ref.id },
    record,
    consents: consentsOf(entity, record),
    referencedBy: related,
    history: await auditHistory(db, entity.name, ref.id),
    workflowRuns: await workflowRuns(db, entity.name, ref.id),
  };
  await logConfigChange(db, {
    actorId: ref.actorId ?? null,
    kind: 'privacy',
    subject: `${entity.name}/${ref.id}`,
    action: 'export',
    detail: { referencedBy: related.map((r) => ({ entity: r.entity, field: r.field, count: r.records.length })) },
  });
  return { ok: true, value: sortKeys(JSON.parse(JSON.stringify(document)) as JsonValue) as JsonObject };
}

// ---------------------------------------------------------------------------------------------
// erasure

/** Personal text values worth looking for in free text (rendered emails, webhook bodies). */
function collectStrings(value: JsonValue | undefined, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.trim().length >= 3 && value !== ERASED_TEXT) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (isObject(value)) {
    // A consent's state and time are not personal; its source may be.
    const consent = readConsent(value);
    if (consent !== null) collectStrings(consent.source, into);
    else for (const item of Object.values(value)) collectStrings(item, into);
  }
}

/** Replaces every occurrence of a personal value inside strings, at any depth. */
function scrubValues(value: JsonValue, needles: readonly string[]): JsonValue {
  if (typeof value === 'string') {
    let text = value;
    for (const needle of needles) if (text.includes(needle)) text = text.split(needle).join(ERASED_TEXT);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValues(item, needles));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValues(v, needles)]));
  return value;
}

const blank = (v: JsonValue | undefined): JsonValue => (v === null || v === undefined ? null : ERASED_TEXT);

/** A `{ field: value }` object with the personal fields' values replaced. */
function blankValues(value: JsonValue | undefined, names: ReadonlySet<string>): JsonValue | undefined {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, names.has(k) ? blank(v) : v]));
}

/** A `{ field: { old, new } }` object with the personal fields' values replaced. */
function blankChanges(value: JsonValue | undefined, names: ReadonlySet<string>): JsonValue | undefined {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, names.has(k) && isObject(v) ? { ...v, old: blank(v.old), new: blank(v.new) } : v]));
}

/** An outbox payload or a run's event / input: record, old, values and changes by name. */
function blankPayload(value: JsonValue, names: ReadonlySet<string>): JsonValue {
  if (!isObject(value)) return value;
  const out: Record<string, JsonValue> = { ...value };
  for (const key of ['record', 'old', 'values'] as const) if (key in out) out[key] = blankValues(out[key], names) ?? null;
  if ('changes' in out) out.changes = blankChanges(out.changes, names) ?? null;
  if ('event' in out) out.event = blankPayload(out.event ?? null, names);
  return out;
}

function same(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Anonymises one person's record in place, in one transaction (see the module comment for what is
 * erased and what is kept). Refuses an unknown entity or id; a second erasure changes nothing.
 */
export async function erasePerson(db: Kysely<SystemTables>, model: Model, ref: PersonRef & { readonly actorId: string | null }, now: Date = new Date()): Promise<PrivacyResult<EraseSummary>> {
  const located = locate(model, ref);
  if (!located.ok) return located;
  const entity = located.value;
  const { personal, kept } = personalFields(entity);
  const names = new Set(personal.map((f) => f.name));
  const id = ref.id;
  const at = now.toISOString();

  return withTransaction(db, async (trx) => {
    const found = await sql<Row>`select * from ${table(entity)} where id = ${id} for update`.execute(trx);
    const row = found.rows[0];
    if (!row) return refused<EraseSummary>('not-found', `no ${entity.name} with id "${id}"`);
    const current = rowToRecord(entity, row);

    const audit = await trx.selectFrom('peyvand.audit_log').select(['id', 'changes']).where('entity', '=', entity.name).where('record_id', '=', id).orderBy('id').execute();

    // What to look for in free text: the personal values now, and those the history remembers.
    const needles = new Set<string>();
    for (const field of personal) collectStrings(current[field.name], needles);
    for (const entry of audit) {
      const changes = parseJson(entry.changes);
      if (!isObject(changes)) continue;
      for (const name of names) {
        const change = changes[name];
        if (isObject(change)) {
          collectStrings(change.old, needles);
          collectStrings(change.new, needles);
        }
      }
    }
    const search = [...needles].sort((a, b) => b.length - a.length);

    // 1. The record.
    const erased: string[] = [];
    const next: Record<string, JsonValue> = { ...current };
    const columns: Record<string, unknown> = {};
    for (const field of personal) {
      const before = current[field.name] ?? null;
      const after = erasedValue(field, before, id);
      if (same(before, after)) continue;
      erased.push(field.name);
      next[field.name] = after;
      Object.assign(columns, FIELD_TYPES[field.type].toRow(field, after));
    }
    if (erased.length > 0) {
      const parts: string[] = [];
      for (const field of entity.fields) {
        if (!FIELD_TYPES[field.type].searchable) continue;
        const v = next[field.name];
        if (v === null || v === undefined) continue;
        parts.push(Array.isArray(v) ? v.join(' ') : String(v));
      }
      const sets = Object.entries(columns).map(([column, value]) => sql`${sql.id(column)} = ${Array.isArray(value) ? sql.val(value) : value}`);
      sets.push(sql`version = version + 1`, sql`updated_at = ${at}::timestamptz`, sql`${sql.id(SEARCH_COLUMN)} = peyvand.search_text(${parts.length > 0 ? parts.join(' ') : null})`);
      await sql`update ${table(entity)} set ${sql.join(sets)} where id = ${id}`.execute(trx);
    }

    // 2. The history: values only, inside the erasure the audit trigger allows.
    await sql`set local peyvand.erasure = 'on'`.execute(trx);
    let auditEntries = 0;
    for (const entry of audit) {
      const changes = parseJson(entry.changes);
      const cleaned = blankChanges(changes, names) ?? null;
      if (same(changes, cleaned)) continue;
      await trx.updateTable('peyvand.audit_log').set({ changes: JSON.stringify(cleaned) }).where('id', '=', entry.id).execute();
      auditEntries += 1;
    }
    await sql`set local peyvand.erasure = 'off'`.execute(trx);

    // 3. Outbox events about the record.
    let outboxEvents = 0;
    const events = await trx.selectFrom('peyvand.outbox').select(['id', 'payload']).where('entity', '=', entity.name).where('record_id', '=', id).execute();
    for (const event of events) {
      const payload = parseJson(event.payload);
      const cleaned = scrubValues(blankPayload(payload, names), search);
      if (same(payload, cleaned)) continue;
      await trx.updateTable('peyvand.outbox').set({ payload: JSON.stringify(cleaned) }).where('id', '=', event.id).execute();
      outboxEvents += 1;
    }

    // 4. Workflow runs about the record, and their steps.
    let workflowRuns = 0;
    let workflowSteps = 0;
    const runs = await trx.selectFrom('peyvand.workflow_runs').select(['id', 'input']).where('entity', '=', entity.name).where('record_id', '=', id).execute();
    for (const run of runs) {
      const input = parseJson(run.input);
      const cleaned = scrubValues(blankPayload(input, names), search);
      if (!same(input, cleaned)) {
        await trx.updateTable('peyvand.workflow_runs').set({ input: JSON.stringify(cleaned) }).where('id', '=', run.id).execute();
        workflowRuns += 1;
      }
      const steps = await trx.selectFrom('peyvand.workflow_steps').select(['id', 'input', 'output', 'error']).where('run_id', '=', run.id).execute();
      for (const step of steps) {
        const stepInput = parseJson(step.input);
        const stepOutput = parseJson(step.output);
        const cleanInput = scrubValues(stepInput, search);
        const cleanOutput = scrubValues(stepOutput, search);
        const cleanError = step.error === null ? null : scrubValues(step.error, search);
        if (same(stepInput, cleanInput) && same(stepOutput, cleanOutput) && step.error === cleanError) continue;
        await trx
          .updateTable('peyvand.workflow_steps')
          .set({ input: JSON.stringify(cleanInput), output: JSON.stringify(cleanOutput), error: typeof cleanError === 'string' ? cleanError : null })
          .where('id', '=', step.id)
          .execute();
        workflowSteps += 1;
      }
    }

    // 5. The trails: an audit entry for the record (no values) and the privacy request.
    if (erased.length > 0) {
      const changes = Object.fromEntries(erased.map((name) => [name, { old: ERASED_TEXT, new: ERASED_TEXT }]));
      await trx.insertInto('peyvand.audit_log').values({ at, actor_id: ref.actorId, entity: entity.name, record_id: id, action: 'update', changes: JSON.stringify(changes) }).execute();
    }
    const counts = { auditEntries, outboxEvents, workflowRuns, workflowSteps };
    await logConfigChange(trx, {
      actorId: ref.actorId,
      kind: 'privacy',
      subject: `${entity.name}/${id}`,
      action: 'erase',
      detail: { fields: erased, personal: [...names], kept: kept.map((f) => f.name), counts },
    });
    return { ok: true, value: { entity: entity.name, id, erased, personal: [...names], kept: kept.map((f) => f.name), counts } };
  });
}

export interface PrivacyRequestEntry {
  readonly at: string;
  readonly action: string;
  readonly actor: { readonly id: string; readonly name: string } | null;
  readonly detail: JsonValue;
}

/** Past privacy requests about one record, newest first. */
export async function privacyRequests(db: Kysely<SystemTables>, entity: string, id: string): Promise<PrivacyRequestEntry[]> {
  const rows = await db
    .selectFrom('peyvand.config_log as c')
    .leftJoin('peyvand.users as u', 'u.id', 'c.actor_id')
    .select(['c.at', 'c.action', 'c.actor_id', 'u.name as actor_name', 'c.detail'])
    .where('c.kind', '=', 'privacy')
    .where('c.subject', '=', `${entity}/${id}`)
    .orderBy('c.id', 'desc')
    .limit(100)
    .execute();
  return rows.map((r) => ({ at: toIso(r.at) ?? '', action: r.action, actor: r.actor_id ? { id: r.actor_id, name: r.actor_name ?? '' } : null, detail: parseJson(r.detail) }));
}
