/**
 * The global audit trail for administrators: record changes (`peyvand.audit_log`) and configuration
 * changes (`peyvand.config_log`), newest first, each with the actor's name and email, paged by a
 * keyset cursor on (at, id) so that rows written while someone pages never shift a page.
 *
 *   const page = await listAudit(db, model, { entity: 'deal', actor: 'sara@example.com', since, limit: 50 });
 *   if (page.ok) next = await listAudit(db, model, { entity: 'deal', cursor: page.value.nextCursor });
 *   const changes = await listConfigChanges(db, { kind: 'pack', subject: 'b2b' });
 *
 * This is the administrators' view: values are passed through as stored (no field is hidden), but
 * only fields the model still has are shown (a dropped field's values live in its archive).
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { csvLine, UTF8_BOM } from '../../data/csv-write.ts';
import { findEntity, type JsonValue, type Model } from '../../model/types.ts';
import type { ConfigLogKind, SystemTables } from '../db/system-tables.ts';

export const AUDIT_ACTIONS = ['create', 'update', 'delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const CONFIG_KINDS = ['pack', 'model', 'workflow', 'role', 'team', 'user', 'share', 'privacy', 'auth'] as const satisfies readonly ConfigLogKind[];

export const AUDIT_LIMITS = { defaultPage: 50, maxPage: 500, maxExportRows: 100_000 } as const;

/** Record fields that are not in the entity's model but belong to every record. */
const SYSTEM_FIELDS: ReadonlySet<string> = new Set(['owner']);

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}

export function isConfigKind(value: unknown): value is ConfigLogKind {
  return typeof value === 'string' && (CONFIG_KINDS as readonly string[]).includes(value);
}

/** Who made a change; null for the platform itself (pack applies, seed data, workflows without an identity). */
export interface AuditActor {
  readonly id: string;
  /** Null when the user no longer exists. */
  readonly name: string | null;
  readonly email: string | null;
}

export interface FieldChange {
  readonly old: JsonValue;
  readonly new: JsonValue;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: AuditActor | null;
  readonly entity: string;
  readonly recordId: string;
  readonly action: AuditAction;
  readonly changes: Readonly<Record<string, FieldChange>>;
}

export interface ConfigEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: AuditActor | null;
  readonly kind: string;
  readonly subject: string;
  readonly action: string;
  readonly detail: unknown;
}

export interface AuditPage<T> {
  readonly items: readonly T[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

interface CommonFilter {
  /** A user's id or email, or `system` for changes the platform made. */
  readonly actor?: string | undefined;
  /** Changes at or after this instant. */
  readonly since?: Date | undefined;
  /** Changes before this instant. */
  readonly until?: Date | undefined;
  readonly cursor?: string | undefined;
  /** 1 to AUDIT_LIMITS.maxPage; default AUDIT_LIMITS.defaultPage. */
  readonly limit?: number | undefined;
}

export interface AuditFilter extends CommonFilter {
  readonly entity?: string | undefined;
  readonly recordId?: string | undefined;
  readonly action?: string | undefined;
}

export interface ConfigFilter extends CommonFilter {
  readonly kind?: string | undefined;
  /** Part of the subject (a pack, entity, role or team name, an email …), case-insensitive. */
  readonly subject?: string | undefined;
}

export type AuditErrorCode = 'invalid' | 'unknown-actor';

export interface AuditError {
  readonly code: AuditErrorCode;
  /** The filter key at fault (`entity`, `actor`, `cursor` …). */
  readonly path: string;
  readonly message: string;
}

export type AuditResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AuditError };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** What cursors carry: the instant in UTC to the microsecond (a JavaScript Date has milliseconds only). */
const AT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function refuse(path: string, message: string, code: AuditErrorCode = 'invalid'): { ok: false; error: AuditError } {
  return { ok: false, error: { code, path, message } };
}

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } | null {
  if (cursor.length > 200) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [at, id] = parsed as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || !AT_TEXT.test(at) || !/^\d{1,19}$/.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

interface Checked {
  readonly actorId: string | null | undefined;
  readonly cursor: { at: string; id: string } | null;
  readonly limit: number;
}

/** Validates what both lists share, and finds the actor by email. */
async function checkCommon(db: Kysely<SystemTables>, filter: CommonFilter): Promise<AuditResult<Checked>> {
  const limit = filter.limit ?? AUDIT_LIMITS.defaultPage;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMITS.maxPage) return refuse('limit', `limit must be a whole number from 1 to ${AUDIT_LIMITS.maxPage}`);
  for (const key of ['since', 'until'] as const) {
    const value = filter[key];
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) return refuse(key, `${key} must be a point in time`);
  }
  let cursor: Checked['cursor'] = null;
  if (filter.cursor !== undefined && filter.cursor !== '') {
    cursor = decodeCursor(filter.cursor);
    if (!cursor) return refuse('cursor', 'this page link is not valid; start from the first page');
  }
  let actorId: string | null | undefined;
  const actor = filter.actor?.trim();
  if (actor) {
    if (actor.toLowerCase() === 'system') actorId = null;
    else if (UUID.test(actor)) actorId = actor.toLowerCase();
    else if (actor.includes('@') && actor.length <= 320) {
      const user = await db.selectFrom('peyvand.users').select('id').where(sql<SqlBool>`lower(email) = lower(${actor})`).executeTakeFirst();
      if (!user) return refuse('actor', `there is no user with the email ${actor}`, 'unknown-actor');
      actorId = user.id;
    } else return refuse('actor', 'actor must be a user id, an email, or "system"');
  }
  return { ok: true, value: { actorId, cursor, limit } };
}

type Table = 'a' | 'c';

function commonWhere(table: Table, checked: Checked, filter: CommonFilter): Expression<SqlBool>[] {
  const t = sql.raw(table);
  const where: Expression<SqlBool>[] = [];
  if (checked.actorId === null) where.push(sql<SqlBool>`${t}.actor_id is null`);
  else if (checked.actorId !== undefined) where.push(sql<SqlBool>`${t}.actor_id = ${checked.actorId}::uuid`);
  if (filter.since) where.push(sql<SqlBool>`${t}.at >= ${filter.since.toISOString()}::timestamptz`);
  if (filter.until) where.push(sql<SqlBool>`${t}.at < ${filter.until.toISOString()}::timestamptz`);
  if (checked.cursor) where.push(sql<SqlBool>`(${t}.at, ${t}.id) < (${checked.cursor.at}::timestamptz, ${checked.cursor.id}::bigint)`);
  return where;
}

/** The cursor's instant, the same whatever the session's DateStyle and TimeZone. */
function atKey(table: Table) {
  return sql<string>`to_char(${sql.raw(table)}.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at_key');
}

function json(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

function actorOf(id: string | null, name: string | null, email: string | null): AuditActor | null {
  return id === null ? null : { id, name, email };
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** The changes of one entry, limited to fields the entity still has (and the record's owner). */
function shownChanges(model: Model, entity: string, stored: unknown): Record<string, FieldChange> {
  const known = findEntity(model, entity);
  if (!known || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return {};
  const names = new Set(known.fields.map((f) => f.name));
  const out: Record<string, FieldChange> = {};
  for (const [name, change] of Object.entries(stored as Record<string, unknown>)) {
    if (!names.has(name) && !SYSTEM_FIELDS.has(name)) continue;
    if (change === null || typeof change !== 'object') continue;
    const c = change as { old?: JsonValue; new?: JsonValue };
    out[name] = { old: c.old ?? null, new: c.new ?? null };
  }
  return out;
}

/** A page of rows fetched with `limit + 1`: the items, and a cursor when there is more. */
function pageOf<R extends { readonly id: string | number | bigint; readonly at_key: string }, T>(rows: readonly R[], limit: number, item: (row: R) => T): AuditResult<AuditPage<T>> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { ok: true, value: { items: shown.map(item), nextCursor: rows.length > limit && last ? encodeCursor(last.at_key, String(last.id)) : null } };
}

/** Record changes, newest first. */
export async function listAudit(db: Kysely<SystemTables>, model: Model, filter: AuditFilter = {}): Promise<AuditResult<AuditPage<AuditEntry>>> {
  if (filter.entity !== undefined && filter.entity !== '' && !NAME.test(filter.entity)) return refuse('entity', 'entity must be an entity name');
  if (filter.recordId !== undefined && filter.recordId !== '' && !UUID.test(filter.recordId)) return refuse('recordId', 'record must be a record id (a UUID)');
  if (filter.action !== undefined && filter.action !== '' && !isAuditAction(filter.action)) return refuse('action', `action must be one of ${AUDIT_ACTIONS.join(', ')}`);
  const checked = await checkCommon(db, filter);
  if (!checked.ok) return checked;
  const where = commonWhere('a', checked.value, filter);
  if (filter.entity) where.push(sql<SqlBool>`a.entity = ${filter.entity}`);
  if (filter.recordId) where.push(sql<SqlBool>`a.record_id = ${filter.recordId.toLowerCase()}::uuid`);
  if (filter.action) where.push(sql<SqlBool>`a.action = ${filter.action}`);
  const limit = checked.value.limit;
  const rows = await db
    .selectFrom('peyvand.audit_log as a')
    .leftJoin('peyvand.users as u', 'u.id', 'a.actor_id')
    .select(['a.id', 'a.at', atKey('a'), 'a.actor_id', 'u.name as actor_name', 'u.email as actor_email', 'a.entity', 'a.record_id', 'a.action', 'a.changes'])
    .where((eb) => eb.and(where))
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, (r) => ({
    id: String(r.id),
    at: iso(r.at),
    actor: actorOf(r.actor_id, r.actor_name, r.actor_email),
    entity: r.entity,
    recordId: r.record_id,
    action: r.action,
    changes: shownChanges(model, r.entity, json(r.changes)),
  }));
}

/** Configuration changes, newest first. */
export async function listConfigChanges(db: Kysely<SystemTables>, filter: ConfigFilter = {}): Promise<AuditResult<AuditPage<ConfigEntry>>> {
  if (filter.kind !== undefined && filter.kind !== '' && !isConfigKind(filter.kind)) return refuse('kind', `kind must be one of ${CONFIG_KINDS.join(', ')}`);
  const subject = filter.subject?.trim() ?? '';
  if (subject.length > 200) return refuse('subject', 'subject must be at most 200 characters');
  const checked = await checkCommon(db, filter);
  if (!checked.ok) return checked;
  const where = commonWhere('c', checked.value, filter);
  if (filter.kind) where.push(sql<SqlBool>`c.kind = ${filter.kind}`);
  if (subject) where.push(sql<SqlBool>`c.subject ilike ${`%${subject.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`} escape '\\'`);
  const limit = checked.value.limit;
  const rows = await db
    .selectFrom('peyvand.config_log as c')
    .leftJoin('peyvand.users as u', 'u.id', 'c.actor_id')
    .select(['c.id', 'c.at', atKey('c'), 'c.actor_id', 'u.name as actor_name', 'u.email as actor_email', 'c.kind', 'c.subject', 'c.action', 'c.detail'])
    .where((eb) => eb.and(where))
    .orderBy('c.at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, (r) => ({
    id: String(r.id),
    at: iso(r.at),
    actor: actorOf(r.actor_id, r.actor_name, r.actor_email),
    kind: r.kind,
    subject: r.subject,
    action: r.action,
    detail: json(r.detail),
  }));
}

/** A stored value as one CSV cell: text as it is, everything else as JSON. */
function cellText(value: JsonValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const AUDIT_CSV_HEADER = ['at', 'actor_email', 'actor_name', 'entity', 'record_id', 'action', 'field', 'old', 'new'] as const;

/**
 * The filtered record changes as CSV for auditors, one line per changed field (a change without
 * fields gets one line), up to AUDIT_LIMITS.maxExportRows entries. Every cell is neutralised
 * against formula injection. The filter is checked before the first line: a refusal yields nothing.
 *
 *   const csv = await auditCsv(db, model, { entity: 'deal' });
 *   if (csv.ok) for await (const chunk of csv.value) response.write(chunk);
 */
export async function auditCsv(db: Kysely<SystemTables>, model: Model, filter: Omit<AuditFilter, 'cursor' | 'limit'>): Promise<AuditResult<AsyncIterable<string>>> {
  const first = await listAudit(db, model, { ...filter, limit: AUDIT_LIMITS.maxPage });
  if (!first.ok) return first;
  async function* lines(): AsyncGenerator<string> {
    yield UTF8_BOM + csvLine(AUDIT_CSV_HEADER);
    let page = first.ok ? first.value : null;
    let written = 0;
    while (page) {
      for (const entry of page.items) {
        const head = [entry.at, entry.actor?.email ?? '', entry.actor?.name ?? '', entry.entity, entry.recordId, entry.action];
        const fields = Object.entries(entry.changes);
        if (fields.length === 0) yield csvLine([...head, '', '', '']);
        for (const [name, change] of fields) yield csvLine([...head, name, cellText(change.old), cellText(change.new)]);
        if (++written >= AUDIT_LIMITS.maxExportRows) return;
      }
      if (!page.nextCursor) return;
      const next = await listAudit(db, model, { ...filter, cursor: page.nextCursor, limit: AUDIT_LIMITS.maxPage });
      page = next.ok ? next.value : null;
    }
  }
  return { ok: true, value: lines() };
}
