/**
 * Loads and form actions of the workflow pages (`/admin/workflows`, `/admin/workflows/new`,
 * `/admin/workflows/[name]`) and the condition check the editor calls while the admin types.
 * Everything works without JavaScript: each post carries the whole form, which is decoded into a
 * draft (`workflow-form.ts`) and handed back with the answer, so nothing typed is lost.
 */
import { error, fail, json, redirect, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { formatDateTime, formatValue, type FormatContext } from '../../i18n/format.ts';
import { localized, t, type Locale, type MessageKey } from '../../i18n/index.ts';
import { findEntity, findField, findWorkflow, type EntityModel, type JsonObject, type JsonValue, type Model } from '../../model/types.ts';
import type { TriggerModel, WorkflowModel } from '../../rules/types.ts';
import {
  applyCommand,
  conditionProbe,
  decodeWorkflowForm,
  documentFromDraft,
  draftFromDocument,
  emptyWorkflowDraft,
  inputName,
  parseCommand,
  slotOf,
  type DraftIssue,
} from '../../rules/workflow-form.ts';
import type { DryRunItem, DryRunView, IssueView, WorkflowEditorData, WorkflowEditorResult, WorkflowListData } from '../../designer/workflow-view.ts';
import type { PackIssue } from '../../model/load-pack.ts';
import type { AuthUser } from '../auth/permissions.ts';
import { servicesFromEnv } from '../jobs/from-env.ts';
import { entityCaller, titleOf } from '../records/page-support.ts';
import { ACTION_TYPES, actionType } from '../rules/actions/registry.ts';
import { dryRun, loadWorkflowDocument, removeWorkflow, runCounts, saveWorkflow, webhookSecret, type DryRunResult } from '../rules/workflow-service.ts';
import { requireAdmin } from './entity-page.ts';

type PageEvent = Pick<RequestEvent, 'locals' | 'url'>;
type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request' | 'params'>;

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Zones offered in the time zone boxes (any IANA name can be typed). */
const ZONES = ['UTC', 'Asia/Tehran', 'Asia/Riyadh', 'Asia/Dubai', 'Asia/Kuwait', 'Asia/Baghdad', 'Asia/Qatar', 'Africa/Cairo', 'Europe/Istanbul', 'Europe/London', 'Europe/Berlin', 'America/New_York'];


function list(locale: Locale, values: readonly string[]): string {
  return values.join(locale === 'en' ? ', ' : '، ');
}

function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/** Cron expressions, zones, times and paths read left to right inside any sentence. */
function ltr(text: string): string {
  return `\u2066${text}\u2069`;
}

function entityLabel(model: Model, name: string | null, locale: Locale): string {
  if (!name) return '';
  const entity = findEntity(model, name);
  return entity ? localized(entity.label, locale, name) : name;
}

function fieldLabel(entity: EntityModel | undefined, name: string, locale: Locale): string {
  const field = entity ? findField(entity, name) : undefined;
  return field ? localized(field.label, locale, name) : name;
}

/** The trigger in words: "When a Deal is updated (Stage)". */
export function describeTrigger(model: Model, workflow: WorkflowModel, locale: Locale): string {
  const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
  const e = isolate(entityLabel(model, workflow.entity, locale));
  const trigger: TriggerModel = workflow.trigger;
  switch (trigger.on) {
    case 'record.created':
      return t(locale, 'wf.describe.created', { entity: e });
    case 'record.updated':
      return trigger.fields.length === 0
        ? t(locale, 'wf.describe.updated', { entity: e })
        : t(locale, 'wf.describe.updatedFields', { entity: e, fields: list(locale, trigger.fields.map((f) => isolate(fieldLabel(entity, f, locale)))) });
    case 'record.deleted':
      return t(locale, 'wf.describe.deleted', { entity: e });
    case 'schedule':
      return t(locale, 'wf.describe.schedule', { cron: ltr(trigger.cron), zone: ltr(trigger.timezone) });
    case 'date': {
      const field = isolate(fieldLabel(entity, trigger.field, locale));
      const days = new Intl.NumberFormat(locale === 'fa' ? 'fa-IR' : locale === 'ar' ? 'ar-EG' : 'en').format(Math.abs(trigger.offsetDays));
      const when =
        trigger.offsetDays === 0 ? t(locale, 'wf.describe.dateOn', { field }) : t(locale, trigger.offsetDays > 0 ? 'wf.describe.dateAfter' : 'wf.describe.dateBefore', { field, days });
      return `${when} · ${t(locale, trigger.repeat === 'yearly' ? 'wf.describe.yearly' : 'wf.describe.once')} · ${ltr(trigger.at)}`;
    }
    case 'manual':
      return t(locale, 'wf.describe.manual', { label: isolate(localized(trigger.label, locale, trigger.label.en ?? '')) });
    case 'webhook':
      return t(locale, 'wf.describe.webhook', { path: ltr(`/hooks/${workflow.name}`) });
  }
}

// ---------------------------------------------------------------------------------------------
// the list

export async function loadWorkflowList(event: PageEvent): Promise<WorkflowListData> {
  const { locals, url } = event;
  requireAdmin(locals, url);
  const model = locals.runtime.current().model;
  const counts = await runCounts(locals.runtime.database.db);
  const removed = url.searchParams.get('removed');
  return {
    locale: locals.locale,
    removed: removed !== null && NAME.test(removed) ? removed : null,
    workflows: [...model.workflows]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((w) => {
        const entity = w.entity ? findEntity(model, w.entity) : undefined;
        return {
          name: w.name,
          title: w.label,
          entity: w.entity ? { name: w.entity, label: entity?.label ?? { en: w.entity } } : null,
          trigger: describeTrigger(model, w, locals.locale),
          enabled: w.enabled,
          pack: w.pack,
          counts: counts[w.name] ?? {},
        };
      }),
  };
}

export const workflowListActions = {
  /** Switches a workflow on or off: its document saved again with `enabled` flipped. */
  toggle: async (event: ActionEvent) => {
    const user = requireAdmin(event.locals, event.url);
    const form = await event.request.formData();
    const name = String(form.get('name') ?? '');
    const workflow = findWorkflow(event.locals.runtime.current().model, name);
    if (!workflow) return fail(404, { toggleError: t(event.locals.locale, 'wf.error.notFound', { name: isolate(name) }) });
    const enabled = form.get('enabled') === 'true';
    const saved = await saveWorkflow(event.locals.runtime.database, { document: { ...workflow.document, enabled }, previousName: name, actorId: user.id });
    if (!saved.ok) return fail(400, { toggleError: `${t(event.locals.locale, 'wf.error.invalid')} ${saved.message}` });
    await event.locals.runtime.refresh();
    return { toggled: name, enabled };
  },
};

// ---------------------------------------------------------------------------------------------
// the editor

function entityChoices(model: Model) {
  return model.entities.map((e) => ({ name: e.name, label: e.label, fields: e.fields.map((f) => ({ name: f.name, label: f.label, type: f.type, readOnly: f.readOnly })) }));
}

function actionTypeChoices() {
  return Object.values(ACTION_TYPES).map((a) => ({ name: a.name, label: a.label }));
}

export async function loadWorkflowEditor(event: PageEvent, name: string | null): Promise<WorkflowEditorData> {
  const { locals, url } = event;
  requireAdmin(locals, url);
  const model = locals.runtime.current().model;
  const saved = url.searchParams.get('saved');
  const common = {
    locale: locals.locale,
    calendar: locals.calendar,
    timeZone: locals.timeZone,
    entities: entityChoices(model),
    actionTypes: actionTypeChoices(),
    zones: ZONES,
    saved: saved !== null && /^\d{1,12}$/.test(saved) ? saved : null,
  };
  if (name === null) {
    const draft = emptyWorkflowDraft();
    const entity = url.searchParams.get('entity');
    if (entity && findEntity(model, entity)) draft.entity = entity;
    return { ...common, isNew: true, previousName: null, pack: null, draft, webhook: null };
  }
  const workflow = findWorkflow(model, name);
  if (!workflow) error(404, t(locals.locale, 'wf.error.notFound', { name: isolate(name) }));
  const webhook = workflow.trigger.on === 'webhook' ? { url: `${url.origin}/hooks/${workflow.name}`, secret: await webhookSecret(locals.runtime.database.db, workflow.name) } : null;
  return { ...common, isNew: false, previousName: workflow.name, pack: workflow.pack, draft: draftFromDocument(workflow.document), webhook };
}

function issueViews(issues: readonly (PackIssue | { pointer: string; message: string })[]): IssueView[] {
  return issues.map((i) => ({ slot: slotOf(i.pointer, i.message), pointer: i.pointer, message: i.message }));
}

function draftIssueViews(issues: readonly DraftIssue[], locale: Locale): IssueView[] {
  return issues.map((i) => ({ slot: slotOf(i.pointer), pointer: i.pointer, message: t(locale, i.code === 'json' ? 'wf.issue.json' : 'wf.issue.integer') }));
}

type Outcome = WorkflowEditorResult | ActionFailure<WorkflowEditorResult>;

/**
 * The actions of an editor page. `previousName` is the saved workflow's name (null on the page of a
 * new one): saving under another name renames it.
 */
export function workflowEditorActions(previousName: (event: ActionEvent) => string | null) {
  async function read(event: ActionEvent) {
    const user = requireAdmin(event.locals, event.url);
    const form = await event.request.formData();
    const draft = decodeWorkflowForm(form);
    const name = previousName(event);
    const model = event.locals.runtime.current().model;
    const existing = name === null ? undefined : findWorkflow(model, name);
    if (name !== null && !existing) error(404, t(event.locals.locale, 'wf.error.notFound', { name: isolate(name) }));
    const dryQuery = typeof form.get(inputName.dryQuery) === 'string' ? String(form.get(inputName.dryQuery)).slice(0, 200) : '';
    const result = (values: Partial<WorkflowEditorResult>): WorkflowEditorResult => ({
      draft,
      issues: [],
      error: null,
      notice: null,
      focus: null,
      dry: null,
      dryQuery,
      json: null,
      secretRotated: false,
      ...values,
    });
    return { user, form, draft, name, model, existing, locale: event.locals.locale, result };
  }

  async function save(event: ActionEvent, document: unknown, name: string | null, user: AuthUser): Promise<{ ok: true; name: string; version: number | null } | { ok: false; status: number; issues: IssueView[]; error: string }> {
    const locale = event.locals.locale;
    const saved = await saveWorkflow(event.locals.runtime.database, { document, ...(name === null ? {} : { previousName: name }), actorId: user.id });
    if (!saved.ok) {
      const message = saved.code === 'conflict' ? t(locale, 'wf.error.exists') : saved.code === 'not-found' ? t(locale, 'wf.error.notFound', { name: isolate(name ?? '') }) : t(locale, 'wf.error.invalid');
      const issues = saved.issues.length > 0 ? issueViews(saved.issues) : [{ slot: 'document', pointer: '', message: saved.message }];
      return { ok: false, status: saved.code === 'not-found' ? 404 : saved.code === 'conflict' ? 409 : 400, issues, error: message };
    }
    if (saved.value.result.status !== 'applied' && saved.value.result.status !== 'unchanged') {
      return { ok: false, status: 409, issues: [], error: t(locale, 'wf.error.notApplied') };
    }
    await event.locals.runtime.refresh();
    return { ok: true, name: saved.value.workflow.name, version: saved.value.result.version };
  }

  return {
    /** Edits without saving: add, remove or move an action, or show the settings of a new choice. */
    edit: async (event: ActionEvent): Promise<Outcome> => {
      const { form, draft, result } = await read(event);
      const next = applyCommand(draft, parseCommand(form.get(inputName.command)), form);
      return result({ draft: next.draft, focus: next.focus });
    },

    save: async (event: ActionEvent): Promise<Outcome> => {
      const { draft, name, user, locale, result } = await read(event);
      const built = documentFromDraft(draft);
      if (built.issues.length > 0) return fail(400, result({ issues: draftIssueViews(built.issues, locale), error: t(locale, 'wf.error.invalid') }));
      // /admin/workflows/new is the page of a new workflow: one named "new" could not be opened.
      if (built.document.name === 'new') return fail(400, result({ issues: [{ slot: 'name', pointer: '/name', message: t(locale, 'wf.issue.reserved') }], error: t(locale, 'wf.error.invalid') }));
      const saved = await save(event, built.document, name, user);
      if (!saved.ok) return fail(saved.status, result({ issues: saved.issues, error: saved.error }));
      redirect(303, `/admin/workflows/${encodeURIComponent(saved.name)}?saved=${saved.version ?? ''}`);
    },

    /** Saves the "edit as JSON" box instead of the form. */
    saveJson: async (event: ActionEvent): Promise<Outcome> => {
      const { form, name, user, locale, result } = await read(event);
      const text = String(form.get('json') ?? '');
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (e) {
        return fail(400, result({ json: { text, issues: [{ slot: 'document', pointer: '', message: (e as Error).message }] }, error: t(locale, 'wf.issue.json') }));
      }
      const saved = await save(event, document, name, user);
      if (!saved.ok) return fail(saved.status, result({ json: { text, issues: saved.issues }, error: saved.error }));
      redirect(303, `/admin/workflows/${encodeURIComponent(saved.name)}?saved=${saved.version ?? ''}`);
    },

    /** Walks the form's workflow (saved or not) against one record; nothing is sent or saved. */
    dryRun: async (event: ActionEvent): Promise<Outcome> => {
      const { form, draft, user, model, existing, locale, result } = await read(event);
      const built = documentFromDraft(draft);
      if (built.issues.length > 0) return fail(400, result({ issues: draftIssueViews(built.issues, locale), error: t(locale, 'wf.dry.fixFirst') }));
      const loaded = loadWorkflowDocument(model, built.document, existing?.pack ?? null);
      if (!loaded.ok) return fail(400, result({ issues: issueViews(loaded.issues), error: t(locale, 'wf.dry.fixFirst') }));
      const workflow = loaded.value;
      const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
      let record: DryRunView['record'] = null;
      if (entity) {
        const found = await pickRecord(event, user, entity, String(form.get(inputName.dryRecord) ?? ''), String(form.get(inputName.dryQuery) ?? ''));
        if (!found.ok) return fail(400, result({ error: t(locale, found.error, { entity: isolate(localized(entity.label, locale, entity.name)) }) }));
        record = found.record;
      }
      const services = servicesFromEnv(process.env);
      let dry;
      try {
        dry = await dryRun(event.locals.runtime.database.db, model, { workflow, recordId: record?.id ?? null, user: { id: user.id, name: user.name, email: user.email }, services });
      } finally {
        await services.mailer?.close();
      }
      if (!dry.ok) return fail(400, result({ error: dry.message }));
      const ctx: FormatContext = { locale, calendar: event.locals.calendar, timeZone: event.locals.timeZone };
      return result({ dry: dryRunView(model, workflow, dry.value, record, ctx) });
    },

    /** Deletes the saved workflow (its run history stays). */
    remove: async (event: ActionEvent): Promise<Outcome> => {
      const { form, name, user, locale, result } = await read(event);
      if (name === null) error(404, t(locale, 'wf.error.notFound', { name: '' }));
      if (form.get('confirmRemove') === null) return fail(400, result({ error: t(locale, 'wf.remove.confirmRequired') }));
      const removed = await removeWorkflow(event.locals.runtime.database, name, user.id);
      if (!removed.ok) return fail(400, result({ error: removed.message }));
      await event.locals.runtime.refresh();
      redirect(303, `/admin/workflows?removed=${encodeURIComponent(name)}`);
    },

    /** A new webhook secret; the old one stops working at once. */
    rotateSecret: async (event: ActionEvent): Promise<Outcome> => {
      const { name, existing, locale, result } = await read(event);
      if (name === null || existing?.trigger.on !== 'webhook') return fail(400, result({ error: t(locale, 'wf.webhook.saveFirst') }));
      await webhookSecret(event.locals.runtime.database.db, name, true);
      return result({ secretRotated: true, notice: t(locale, 'wf.webhook.rotated') });
    },
  };
}

type Picked = { ok: true; record: { entity: string; id: string; title: string } } | { ok: false; error: MessageKey };

/** The record to try a workflow on, read through the API (the same checks as everywhere). */
async function pickRecord(event: ActionEvent, user: AuthUser, entity: EntityModel, id: string, query: string): Promise<Picked> {
  const caller = entityCaller(event.locals.runtime, user, entity.name);
  const wanted = id.trim() || query.trim();
  if (wanted === '') return { ok: false, error: 'wf.dry.chooseRecord' };
  if (UUID.test(wanted)) {
    try {
      const record = await caller.get({ id: wanted });
      return { ok: true, record: { entity: entity.name, id: String(record.id), title: titleOf(entity, record) } };
    } catch (e) {
      if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) return { ok: false, error: 'wf.dry.noRecord' };
      throw e;
    }
  }
  const page = await caller.list({ search: wanted.split(/\s+/).slice(0, 8).join(' '), limit: 1 });
  const first = page.items[0];
  return first ? { ok: true, record: { entity: entity.name, id: String(first.id), title: titleOf(entity, first) } } : { ok: false, error: 'wf.dry.noRecord' };
}

// ---------------------------------------------------------------------------------------------
// the dry run in words

const REQUEST_LABELS: Readonly<Record<string, MessageKey>> = {
  title: 'wf.setting.title',
  notes: 'wf.setting.notes',
  assignee: 'wf.setting.assignee',
  due_at: 'wf.req.due',
  to: 'wf.setting.to',
  cc: 'wf.setting.cc',
  subject: 'wf.setting.subject',
  text: 'wf.setting.text',
  html: 'wf.setting.html',
  url: 'wf.setting.url',
  method: 'wf.setting.method',
  headers: 'wf.setting.headers',
  body: 'wf.setting.body',
  entity: 'wf.setting.entity',
  strategy: 'wf.setting.strategy',
  users: 'wf.setting.users',
  user: 'wf.req.user',
  until: 'wf.req.until',
  if: 'wf.setting.if',
};

const LTR_KEYS = new Set(['to', 'cc', 'url', 'method', 'headers', 'body', 'html', 'users', 'user', 'if']);

function valueText(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value);
}

function item(label: string, value: string, ltr: boolean): DryRunItem {
  return { label, value, ltr, long: value.includes('\n') || value.length > 120 };
}

function requestItems(model: Model, workflow: WorkflowModel, request: JsonObject, ctx: FormatContext): DryRunItem[] {
  const { locale } = ctx;
  const target = typeof request.entity === 'string' ? findEntity(model, request.entity) : workflow.entity ? findEntity(model, workflow.entity) : undefined;
  const items: DryRunItem[] = [];
  for (const [key, value] of Object.entries(request)) {
    if (value === null || key === 'took' || key === 'id') continue;
    if (key === 'values' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, v] of Object.entries(value as JsonObject)) {
        const field = target ? findField(target, name) : undefined;
        const shown = field ? formatValue(field, v, ctx) || valueText(v) : valueText(v);
        items.push(item(t(locale, 'wf.req.set', { field: isolate(field ? localized(field.label, locale, name) : name) }), shown || t(locale, 'common.none'), false));
      }
      continue;
    }
    const label = REQUEST_LABELS[key] ? t(locale, REQUEST_LABELS[key]) : key;
    if ((key === 'due_at' || key === 'until') && typeof value === 'string') items.push(item(label, formatDateTime(locale, ctx.calendar, ctx.timeZone, value), false));
    else if (key === 'entity' && typeof value === 'string') items.push(item(label, entityLabel(model, value, locale), false));
    else if (key === 'assignee' && (value === 'owner' || value === 'actor')) items.push(item(label, t(locale, value === 'owner' ? 'wf.assignee.owner' : 'wf.assignee.actor'), false));
    else if (key === 'strategy' && (value === 'round_robin' || value === 'rules')) items.push(item(label, t(locale, value === 'rules' ? 'wf.strategy.rules' : 'wf.strategy.round_robin'), false));
    else items.push(item(label, valueText(value), LTR_KEYS.has(key)));
  }
  return items;
}

export function dryRunView(model: Model, workflow: WorkflowModel, dry: DryRunResult, record: DryRunView['record'], ctx: FormatContext): DryRunView {
  const { locale } = ctx;
  return {
    record,
    condition: dry.condition,
    steps: dry.steps.map((s) => ({
      stepId: s.stepId,
      action: localized(actionType(s.action)?.label, locale, s.action),
      status: s.status,
      detail: s.status === 'branch' ? t(locale, s.request?.took === 'then' ? 'wf.dry.tookThen' : 'wf.dry.tookElse') : s.detail,
      items: s.request ? requestItems(model, workflow, s.request, ctx) : [],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// the live condition check

const MAX_CHECK_BYTES = 256 * 1024;

/**
 * POST `{ document }` → `{ issues: [{ pointer, message }] }`: the problems of the document's
 * condition (and entity), however unfinished the rest of the document is.
 */
export async function checkConditionRequest(event: Pick<RequestEvent, 'locals' | 'request'>): Promise<Response> {
  const { locals, request } = event;
  if (!locals.user) return json({ message: 'sign in first' }, { status: 401 });
  if (!locals.user.isAdmin || locals.user.mustChangePassword) return json({ message: t(locals.locale, 'designer.forbidden') }, { status: 403 });
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > MAX_CHECK_BYTES) return json({ message: 'the request is too large' }, { status: 413 });
  const text = await request.text();
  if (text.length > MAX_CHECK_BYTES) return json({ message: 'the request is too large' }, { status: 413 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json({ message: 'the body must be JSON' }, { status: 400 });
  }
  const document = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { document?: unknown }).document : undefined;
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return json({ message: 'send { "document": { … } }' }, { status: 400 });
  const probe = conditionProbe(document as JsonObject);
  if (probe.condition === undefined) return json({ issues: [] });
  const loaded = loadWorkflowDocument(locals.runtime.current().model, probe);
  const issues = loaded.ok ? [] : loaded.issues.map((i) => ({ pointer: i.pointer, message: i.message }));
  return json({ issues });
}
