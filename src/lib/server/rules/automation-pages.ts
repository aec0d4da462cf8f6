/**
 * Loads and form actions of the pages that show automation at work: the run history
 * (`/admin/runs`, `/admin/runs/[id]`), the Automation section of a record page, and the task list
 * (`/tasks`). Record titles are read through the API, so a page never names a record its reader
 * could not open.
 */
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { CalendarName, Locale } from '../../i18n/index.ts';
import { localized, t } from '../../i18n/index.ts';
import { findEntity, findWorkflow, type EntityModel, type LocalizedText } from '../../model/types.ts';
import type { AuthUser } from '../auth/permissions.ts';
import type { RunStatus } from '../db/system-tables.ts';
import { requireAdmin } from '../designer/entity-page.ts';
import { entityCaller, titleOf } from '../records/page-support.ts';
import type { Runtime } from '../runtime.ts';
import { actionType } from './actions/registry.ts';
import { completeTask, listTasks, type TaskView } from './task-service.ts';
import { getRun, isRunStatus, listRuns, retryRun, type RunSummary } from './workflow-service.ts';

type PageEvent = Pick<RequestEvent, 'locals' | 'url'>;
type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request'>;

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RunRow extends RunSummary {
  readonly workflowTitle: LocalizedText | null;
  /** The record's title, when the reader may see it. */
  readonly recordTitle: string | null;
}

export interface FormatData {
  readonly locale: Locale;
  readonly calendar: CalendarName;
  readonly timeZone: string;
}

function formatData(locals: App.Locals): FormatData {
  return { locale: locals.locale, calendar: locals.calendar, timeZone: locals.timeZone };
}

/** Titles of records by id, read through the API as `user`; records it cannot read stay untitled. */
export async function recordTitles(runtime: Runtime, user: AuthUser, refs: readonly { entity: string | null; recordId: string | null }[]): Promise<Record<string, string>> {
  const model = runtime.current().model;
  const byEntity = new Map<string, Set<string>>();
  for (const ref of refs) {
    if (!ref.entity || !ref.recordId || !UUID.test(ref.recordId)) continue;
    if (!findEntity(model, ref.entity)) continue;
    let ids = byEntity.get(ref.entity);
    if (!ids) byEntity.set(ref.entity, (ids = new Set()));
    ids.add(ref.recordId);
  }
  const titles: Record<string, string> = {};
  await Promise.all(
    [...byEntity].map(async ([name, ids]) => {
      const entity = findEntity(model, name) as EntityModel;
      try {
        const page = await entityCaller(runtime, user, name).list({ filter: { field: 'id', op: 'in', value: [...ids].slice(0, 200) }, limit: 200 });
        for (const item of page.items) titles[String(item.id)] = titleOf(entity, item);
      } catch (e) {
        if (!(e instanceof TRPCError) || e.code === 'INTERNAL_SERVER_ERROR') throw e;
      }
    }),
  );
  return titles;
}

function runRows(runtime: Runtime, runs: readonly RunSummary[], titles: Record<string, string>): RunRow[] {
  const model = runtime.current().model;
  return runs.map((r) => ({ ...r, workflowTitle: findWorkflow(model, r.workflow)?.label ?? null, recordTitle: r.recordId ? (titles[r.recordId] ?? null) : null }));
}

// ---------------------------------------------------------------------------------------------
// run history

export interface RunListFilter {
  readonly workflow: string;
  readonly status: RunStatus | '';
  readonly entity: string;
  readonly record: string;
}

export async function loadRunList(event: PageEvent) {
  const { locals, url } = event;
  const user = requireAdmin(locals, url);
  const params = url.searchParams;
  const take = (key: string, pattern: RegExp) => {
    const v = (params.get(key) ?? '').trim();
    return pattern.test(v) ? v : '';
  };
  const status = params.get('status') ?? '';
  const filter: RunListFilter = { workflow: take('workflow', NAME), status: isRunStatus(status) ? status : '', entity: take('entity', NAME), record: take('record', UUID) };
  const before = take('before', UUID);
  const db = locals.runtime.database.db;
  const page = await listRuns(db, {
    workflow: filter.workflow || undefined,
    status: filter.status || undefined,
    entity: filter.entity || undefined,
    recordId: filter.record || undefined,
    before: before || undefined,
    limit: 50,
  });
  const titles = await recordTitles(locals.runtime, user, page.runs);
  const model = locals.runtime.current().model;
  return {
    ...formatData(locals),
    filter,
    /** The record id box as typed, even when it is not an id (it then filters nothing). */
    recordTyped: (params.get('record') ?? '').slice(0, 100),
    isFirstPage: before === '',
    runs: runRows(locals.runtime, page.runs, titles),
    next: page.next,
    workflows: model.workflows.map((w) => ({ name: w.name, title: w.label })),
    entities: model.entities.map((e) => ({ name: e.name, label: e.label })),
  };
}

export async function loadRun(event: PageEvent, id: string) {
  const { locals, url } = event;
  const user = requireAdmin(locals, url);
  const found = await getRun(locals.runtime.database.db, id);
  if (!found.ok) error(404, t(locals.locale, 'runs.notFound'));
  const { run, steps } = found.value;
  const titles = await recordTitles(locals.runtime, user, [run]);
  const [row] = runRows(locals.runtime, [run], titles);
  return {
    ...formatData(locals),
    run: { ...(row as RunRow), depth: run.depth, input: run.input },
    steps: steps.map((s) => ({ ...s, actionLabel: actionType(s.action)?.label ?? null })),
  };
}

/** Retry of a failed or dead run (from the list or the run page). */
export async function retryRunAction(event: ActionEvent) {
  requireAdmin(event.locals, event.url);
  const form = await event.request.formData();
  const id = String(form.get('id') ?? '');
  const retried = await retryRun(event.locals.runtime.database.db, id);
  if (!retried.ok) return fail(retried.code === 'not-found' ? 404 : 409, { retryError: retried.code === 'not-found' ? t(event.locals.locale, 'runs.notFound') : t(event.locals.locale, 'runs.retryRefused'), retriedId: id });
  event.locals.runtime.wakeJobs();
  return { retried: id };
}

// ---------------------------------------------------------------------------------------------
// a record's automation

export interface TaskRow extends TaskView {
  readonly recordTitle: string | null;
  readonly isOverdue: boolean;
  /** The record's page exists (its entity is still in the model). */
  readonly hasRecordPage: boolean;
}

function taskRows(runtime: Runtime, tasks: readonly TaskView[], titles: Record<string, string>, now: Date): TaskRow[] {
  const model = runtime.current().model;
  return tasks.map((task) => ({
    ...task,
    recordTitle: task.recordId ? (titles[task.recordId] ?? null) : null,
    isOverdue: task.dueAt !== null && task.doneAt === null && Date.parse(task.dueAt) < now.getTime(),
    hasRecordPage: task.entity !== null && task.recordId !== null && findEntity(model, task.entity) !== undefined,
  }));
}

/** The record procedures of the API this file uses (`entities.<name>.runs` and `.runWorkflow`). */
interface AutomationCaller {
  runs(input: { id: string }): Promise<RunSummary[]>;
  runWorkflow(input: { workflow: string; id: string }): Promise<{ runId: string }>;
}

function automationCaller(runtime: Runtime, user: AuthUser, entity: string): AutomationCaller {
  const entities = runtime.caller(user).entities as unknown as Record<string, AutomationCaller>;
  const caller = entities[entity];
  if (!caller) error(404, 'not found');
  return caller;
}

/**
 * The Automation section of a record page: recent runs and open tasks of the record, and the
 * manual workflows of its entity. Runs come through the API (the record must be readable).
 */
export async function recordAutomation(locals: App.Locals, user: AuthUser, entity: EntityModel, recordId: string) {
  const db = locals.runtime.database.db;
  const model = locals.runtime.current().model;
  const [runs, tasks] = await Promise.all([automationCaller(locals.runtime, user, entity.name).runs({ id: recordId }), listTasks(db, { entity: entity.name, recordId, open: true, limit: 20 })]);
  return {
    runs: runRows(locals.runtime, runs.slice(0, 10), {}),
    manual: model.workflows.flatMap((w) => (w.enabled && w.entity === entity.name && w.trigger.on === 'manual' ? [{ name: w.name, label: w.trigger.label }] : [])),
    tasks: taskRows(locals.runtime, tasks, {}, new Date()),
    isAdmin: user.isAdmin,
    userId: user.id,
  };
}

/** Starts a manual workflow for the record as the signed-in user (who must be allowed to change it). */
export async function startManualAction(event: ActionEvent, entity: EntityModel, recordId: string) {
  const user = event.locals.user;
  if (!user) redirect(303, '/signin');
  const locale = event.locals.locale;
  const form = await event.request.formData();
  const name = String(form.get('workflow') ?? '').slice(0, 63);
  let runId: string;
  try {
    ({ runId } = await automationCaller(event.locals.runtime, user, entity.name).runWorkflow({ workflow: name, id: recordId }));
  } catch (e) {
    if (!(e instanceof TRPCError) || e.code === 'INTERNAL_SERVER_ERROR') throw e;
    return fail(e.code === 'NOT_FOUND' ? 404 : e.code === 'FORBIDDEN' ? 403 : 409, { automationError: t(locale, 'record.automation.notStarted'), automationDetail: e.message });
  }
  const workflow = findWorkflow(event.locals.runtime.current().model, name);
  return { automationStarted: { runId, label: workflow?.trigger.on === 'manual' ? localized(workflow.trigger.label, locale, name) : name } };
}

/** Marks a task done (the assignee or an administrator). */
export async function completeTaskAction(event: ActionEvent) {
  const user = event.locals.user;
  if (!user) redirect(303, '/signin');
  const form = await event.request.formData();
  const id = String(form.get('task') ?? '');
  const done = await completeTask(event.locals.runtime.database.db, { id, userId: user.id });
  if (done.ok) return { taskDone: id };
  const key = done.code === 'forbidden' ? 'tasks.error.forbidden' : done.code === 'already-done' ? 'tasks.error.alreadyDone' : 'tasks.error.notFound';
  return fail(done.code === 'forbidden' ? 403 : done.code === 'already-done' ? 409 : 404, { taskError: t(event.locals.locale, key), taskId: id });
}

// ---------------------------------------------------------------------------------------------
// my tasks

export async function loadTasksPage(event: PageEvent) {
  const { locals } = event;
  const user = locals.user;
  if (!user) redirect(303, `/signin?next=${encodeURIComponent(event.url.pathname)}`);
  const db = locals.runtime.database.db;
  const [mine, unassigned] = await Promise.all([listTasks(db, { assigneeId: user.id, open: true, limit: 200 }), user.isAdmin ? listTasks(db, { assigneeId: null, open: true, limit: 100 }) : Promise.resolve(null)]);
  const titles = await recordTitles(locals.runtime, user, [...mine, ...(unassigned ?? [])]);
  const now = new Date();
  return {
    ...formatData(locals),
    mine: taskRows(locals.runtime, mine, titles, now),
    unassigned: unassigned === null ? null : taskRows(locals.runtime, unassigned, titles, now),
  };
}
