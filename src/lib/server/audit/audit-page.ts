/**
 * The load of `/admin/audit` and its CSV download. Filters come from a GET form (so the page works
 * without JavaScript); days are typed in the user's calendar and read in the user's time zone.
 * Values are formatted here, in the user's language, through the field registry's display.
 */
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { parseCalendarDateText } from '../../forms/decode-form.ts';
import { formatValue, type FormatContext } from '../../i18n/format.ts';
import { localized, t, type MessageKey } from '../../i18n/index.ts';
import { findEntity, type EntityModel, type JsonValue, type LocalizedText, type Model } from '../../model/types.ts';
import type { AuthUser } from '../auth/permissions.ts';
import { recordTitles } from '../rules/automation-pages.ts';
import type { Runtime } from '../runtime.ts';
import { dayAfter, dayStart } from './audit-dates.ts';
import {
  AUDIT_ACTIONS,
  auditCsv,
  CONFIG_KINDS,
  isAuditAction,
  isConfigKind,
  listAudit,
  listConfigChanges,
  type AuditActor,
  type AuditEntry,
  type AuditFilter,
  type AuditResult,
  type ConfigEntry,
  type ConfigFilter,
} from './audit-service.ts';

type PageEvent = Pick<RequestEvent, 'locals' | 'url'>;

export const AUDIT_PAGE_SIZE = 50;

export type AuditTab = 'records' | 'config';

/** The filter boxes as typed (shown back in the form). */
export interface AuditForm {
  readonly entity: string;
  readonly record: string;
  readonly actor: string;
  readonly action: string;
  readonly kind: string;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
}

export type AuditFormKey = keyof AuditForm | 'cursor';

export interface ActorView {
  readonly name: string;
  readonly email: string | null;
  readonly isSystem: boolean;
}

export interface ChangeView {
  readonly field: string;
  readonly label: string;
  /** Display text ('' for an empty value). */
  readonly old: string;
  readonly new: string;
  /** Emails, links and codes read left to right. */
  readonly isLtr: boolean;
}

export interface RecordRow {
  readonly id: string;
  readonly at: string;
  readonly actor: ActorView;
  readonly entity: string;
  readonly entityLabel: string;
  /** False for an entity the model no longer has (no page to link to). */
  readonly hasPage: boolean;
  readonly recordId: string;
  readonly title: string;
  readonly action: 'create' | 'update' | 'delete' | 'owner';
  readonly changes: readonly ChangeView[];
}

export interface StepView {
  readonly reason: string;
  readonly destructive: boolean;
  readonly affectedRows: number | null;
}

export interface ConfigRow {
  readonly id: string;
  readonly at: string;
  readonly actor: ActorView;
  readonly kind: string;
  readonly kindLabel: string;
  readonly subject: string;
  readonly action: string;
  readonly summary: string;
  readonly steps: readonly StepView[];
  /** The stored detail as indented JSON ('' when empty). */
  readonly detail: string;
}

/** Administrators only (by the user flag or an administering role); others get a 403 page. */
export function requireAuditor(locals: App.Locals, url: URL): AuthUser {
  if (!locals.user) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  if (locals.user.mustChangePassword) redirect(303, '/account/password');
  if (!locals.user.isAdmin && locals.access?.isAdmin !== true) error(403, t(locals.locale, 'audit.forbidden'));
  return locals.user;
}

function formOf(params: URLSearchParams): AuditForm {
  const get = (key: string, max = 200) => (params.get(key) ?? '').trim().slice(0, max);
  return { entity: get('entity', 63), record: get('record', 100), actor: get('actor', 320), action: get('action', 20), kind: get('kind', 20), subject: get('subject'), from: get('from', 40), to: get('to', 40) };
}

interface ReadQuery {
  readonly tab: AuditTab;
  readonly form: AuditForm;
  readonly errors: Partial<Record<AuditFormKey, string>>;
  readonly since: Date | undefined;
  readonly until: Date | undefined;
  readonly cursor: string;
}

/** The GET form → filters; a box that cannot be read gets a message and filters nothing. */
function readQuery(locals: App.Locals, params: URLSearchParams): ReadQuery {
  const tab: AuditTab = params.get('tab') === 'config' ? 'config' : 'records';
  const form = formOf(params);
  const errors: Partial<Record<AuditFormKey, string>> = {};
  const calendarName = t(locals.locale, `calendar.${locals.calendar}`);
  const day = (key: 'from' | 'to'): Date | undefined => {
    if (form[key] === '') return undefined;
    const parsed = parseCalendarDateText(form[key], locals.calendar);
    const at = parsed.ok ? (key === 'from' ? dayStart(parsed.value, locals.timeZone) : dayAfter(parsed.value, locals.timeZone)) : null;
    if (!at) {
      errors[key] = t(locals.locale, 'audit.error.date', { calendar: calendarName });
      return undefined;
    }
    return at;
  };
  const since = day('from');
  const until = day('to');
  if (since && until && since >= until) errors.to = t(locals.locale, 'audit.error.range');
  if (form.action !== '' && !isAuditAction(form.action)) errors.action = t(locals.locale, 'audit.error.invalid');
  if (form.kind !== '' && !isConfigKind(form.kind)) errors.kind = t(locals.locale, 'audit.error.invalid');
  return { tab, form, errors, since, until, cursor: (params.get('cursor') ?? '').slice(0, 200) };
}

function auditFilter(query: ReadQuery): AuditFilter {
  const { form } = query;
  return { entity: form.entity || undefined, recordId: form.record || undefined, actor: form.actor || undefined, action: form.action || undefined, since: query.since, until: query.until };
}

function configFilter(query: ReadQuery): ConfigFilter {
  const { form } = query;
  return { kind: form.kind || undefined, subject: form.subject || undefined, actor: form.actor || undefined, since: query.since, until: query.until };
}

const FORM_KEY: Readonly<Record<string, AuditFormKey>> = { entity: 'entity', recordId: 'record', actor: 'actor', action: 'action', kind: 'kind', subject: 'subject', since: 'from', until: 'to', cursor: 'cursor' };

/** A refusal of the service as a message beside the box it is about. */
function refusalOf<T>(locale: App.Locals['locale'], result: AuditResult<T>): Partial<Record<AuditFormKey, string>> {
  if (result.ok) return {};
  const key = FORM_KEY[result.error.path] ?? 'cursor';
  const message: MessageKey = result.error.code === 'unknown-actor' ? 'audit.error.actor' : key === 'cursor' ? 'audit.error.cursor' : 'audit.error.invalid';
  return { [key]: t(locale, message) };
}

function actorView(locale: App.Locals['locale'], actor: AuditActor | null): ActorView {
  if (!actor) return { name: t(locale, 'audit.system'), email: null, isSystem: true };
  return { name: actor.name ?? t(locale, 'audit.deletedUser'), email: actor.email, isSystem: false };
}

const LTR_TYPES: ReadonlySet<string> = new Set(['email', 'url', 'phone', 'auto_number']);

/** Owners' names (an owner change names users, not values). */
async function userNames(runtime: Runtime, entries: readonly AuditEntry[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const e of entries) {
    const owner = e.changes.owner;
    for (const v of owner ? [owner.old, owner.new] : []) if (typeof v === 'string') ids.add(v);
  }
  if (ids.size === 0) return new Map();
  const rows = await runtime.database.db.selectFrom('peyvand.users').select(['id', 'name', 'email']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, `${r.name} <${r.email}>`]));
}

function valueText(field: EntityModel['fields'][number], value: JsonValue, ctx: FormatContext, titles: Readonly<Record<string, string>>): string {
  if (value === null) return '';
  if (field.relation && typeof value === 'string') return titles[value] ?? value;
  const text = formatValue(field, value, ctx);
  return text !== '' ? text : typeof value === 'string' ? value : JSON.stringify(value);
}

/** The record's title: as it is now (when it still exists), else as this entry carries it. */
function entryTitle(entity: EntityModel | undefined, entry: AuditEntry, titles: Readonly<Record<string, string>>): string {
  const now = titles[entry.recordId];
  if (now) return now;
  const change = entity?.titleField ? entry.changes[entity.titleField] : undefined;
  const carried = change ? (entry.action === 'delete' ? change.old : change.new) : null;
  return typeof carried === 'string' && carried !== '' ? carried : entry.recordId.slice(0, 8);
}

async function recordRows(locals: App.Locals, user: AuthUser, model: Model, entries: readonly AuditEntry[]): Promise<RecordRow[]> {
  const ctx: FormatContext = { locale: locals.locale, calendar: locals.calendar, timeZone: locals.timeZone };
  const related: { entity: string; recordId: string }[] = entries.map((e) => ({ entity: e.entity, recordId: e.recordId }));
  for (const e of entries) {
    const entity = findEntity(model, e.entity);
    for (const [name, change] of Object.entries(e.changes)) {
      const target = entity?.fields.find((f) => f.name === name)?.relation?.entity;
      if (!target) continue;
      for (const v of [change.old, change.new]) if (typeof v === 'string') related.push({ entity: target, recordId: v });
    }
  }
  const [titles, owners] = await Promise.all([recordTitles(locals.runtime, user, related), userNames(locals.runtime, entries)]);
  return entries.map((e) => {
    const entity = findEntity(model, e.entity);
    const isOwnerChange = e.action === 'update' && Object.keys(e.changes).length === 1 && 'owner' in e.changes;
    const changes: ChangeView[] = Object.entries(e.changes).map(([name, change]) => {
      if (name === 'owner') {
        const owner = (v: JsonValue) => (typeof v === 'string' ? (owners.get(v) ?? v) : '');
        return { field: name, label: t(locals.locale, 'audit.owner'), old: owner(change.old), new: owner(change.new), isLtr: false };
      }
      const field = entity?.fields.find((f) => f.name === name);
      if (!field) return { field: name, label: name, old: JSON.stringify(change.old), new: JSON.stringify(change.new), isLtr: true };
      return { field: name, label: localized(field.label, locals.locale, name), old: valueText(field, change.old, ctx, titles), new: valueText(field, change.new, ctx, titles), isLtr: LTR_TYPES.has(field.type) };
    });
    return {
      id: e.id,
      at: e.at,
      actor: actorView(locals.locale, e.actor),
      entity: e.entity,
      entityLabel: entity ? localized(entity.label, locals.locale, e.entity) : e.entity,
      hasPage: entity !== undefined,
      recordId: e.recordId,
      title: entryTitle(entity, e, titles),
      action: isOwnerChange ? 'owner' : e.action,
      changes,
    };
  });
}

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const PACK_CHANGES = ['install', 'upgrade', 'downgrade', 'reinstall'] as const;

function configRow(locale: App.Locals['locale'], entry: ConfigEntry): ConfigRow {
  const detail = objectOf(entry.detail);
  const kindLabel = isConfigKind(entry.kind) ? t(locale, `audit.kind.${entry.kind}`) : entry.kind;
  const steps: StepView[] = Array.isArray(detail.steps)
    ? detail.steps.map((s) => {
        const step = objectOf(s);
        return { reason: String(step.reason ?? step.kind ?? ''), destructive: step.destructive === true, affectedRows: typeof step.affectedRows === 'number' ? step.affectedRows : null };
      })
    : [];
  let summary: string;
  const packChange = PACK_CHANGES.find((c) => c === entry.action);
  if (entry.action === 'apply' && Array.isArray(detail.steps)) {
    summary = t(locale, 'audit.summary.apply', { version: String(detail.version ?? ''), source: String(detail.source ?? ''), steps: steps.length });
  } else if (entry.kind === 'pack' && packChange) {
    summary = t(locale, `audit.summary.${packChange}`, { name: String(detail.name ?? entry.subject), from: String(detail.from ?? ''), to: String(detail.to ?? '') });
  } else {
    summary = t(locale, 'audit.summary.other', { kind: kindLabel, subject: entry.subject, action: entry.action });
  }
  const { steps: _steps, ...rest } = detail;
  void _steps;
  return {
    id: entry.id,
    at: entry.at,
    actor: actorView(locale, entry.actor),
    kind: entry.kind,
    kindLabel,
    subject: entry.subject,
    action: entry.action,
    summary,
    steps,
    detail: Object.keys(rest).length > 0 ? JSON.stringify(rest, null, 2) : '',
  };
}

export async function loadAuditPage(event: PageEvent) {
  const { locals, url } = event;
  const user = requireAuditor(locals, url);
  const model = locals.runtime.current().model;
  const query = readQuery(locals, url.searchParams);
  const errors = { ...query.errors };
  const base = {
    locale: locals.locale,
    calendar: locals.calendar,
    timeZone: locals.timeZone,
    tab: query.tab,
    form: query.form,
    entities: model.entities.map((e): { name: string; label: LocalizedText } => ({ name: e.name, label: e.label })),
    actions: AUDIT_ACTIONS,
    kinds: CONFIG_KINDS,
    isFirstPage: query.cursor === '',
  };
  const empty = { ...base, errors, records: [] as RecordRow[], config: [] as ConfigRow[], next: null as string | null };
  if (Object.keys(errors).length > 0) return empty;

  const page = { cursor: query.cursor || undefined, limit: AUDIT_PAGE_SIZE };
  if (query.tab === 'config') {
    const result = await listConfigChanges(locals.runtime.database.db, { ...configFilter(query), ...page });
    if (!result.ok) return { ...empty, errors: refusalOf(locals.locale, result) };
    return { ...empty, config: result.value.items.map((e) => configRow(locals.locale, e)), next: result.value.nextCursor };
  }
  const result = await listAudit(locals.runtime.database.db, model, { ...auditFilter(query), ...page });
  if (!result.ok) return { ...empty, errors: refusalOf(locals.locale, result) };
  return { ...empty, records: await recordRows(locals, user, model, result.value.items), next: result.value.nextCursor };
}

/** `GET /admin/audit/export?…`: the record changes the page's filters select, as CSV. */
export async function auditCsvResponse(event: PageEvent): Promise<Response> {
  const { locals, url } = event;
  requireAuditor(locals, url);
  const query = readQuery(locals, url.searchParams);
  if (Object.keys(query.errors).length > 0) error(400, Object.values(query.errors).join(' '));
  const result = await auditCsv(locals.runtime.database.db, locals.runtime.current().model, auditFilter(query));
  if (!result.ok) error(400, result.error.message);
  const iterator = result.value[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="audit-${stamp}.csv"`, 'cache-control': 'no-store' } });
}
