/**
 * The workflow, run and task pages' loads and form actions, posted the way a browser without
 * JavaScript posts them (the whole editor form each time), against the b2b-sales pack and a running
 * in-process job runner.
 */
import { grantRoles } from '../support/access.ts';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { fileURLToPath } from 'node:url';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { startTestJobs, waitFor } from '../support/jobs.ts';
import { must, openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { readSeedData } from '../../src/lib/server/packs/read-pack.ts';
import { seedData } from '../../src/lib/server/packs/seed.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { findEntity, findWorkflow, type EntityModel } from '../../src/lib/model/types.ts';
import { listRecords, updateRecord } from '../../src/lib/server/records/record-service.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { Locale } from '../../src/lib/i18n/locales.ts';
import { checkConditionRequest, loadWorkflowEditor, loadWorkflowList, workflowEditorActions, workflowListActions } from '../../src/lib/server/designer/workflow-page.ts';
import { completeTaskAction, loadRun, loadRunList, loadTasksPage, recordAutomation, retryRunAction, startManualAction } from '../../src/lib/server/rules/automation-pages.ts';
import { completeTask, listTasks } from '../../src/lib/server/rules/task-service.ts';
import { saveWorkflow } from '../../src/lib/server/rules/workflow-service.ts';
import type { WorkflowEditorResult } from '../../src/lib/designer/workflow-view.ts';
import { command, formEntries, inputName, type WorkflowDraft } from '../../src/lib/rules/workflow-form.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

describe.each(BACKENDS)('workflow pages on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let stopJobs: () => Promise<void>;
  let admin: AuthUser;
  let rep: AuthUser;
  let deal: EntityModel;

  beforeEach(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_wf_pages'));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok) throw new Error('b2b-sales did not apply');
    const state = await runtime.refresh();
    await seedData(runtime.database, state.model, await readSeedData(B2B_SALES), null);
    deal = findEntity(state.model, 'deal') as EntityModel;
    const user = async (email: string, isAdmin: boolean): Promise<AuthUser> => {
      const created = await createUser(runtime.database.db, { email, name: email.split('@')[0] ?? email, password: 'a long enough password', isAdmin, mustChangePassword: false });
      if (!created.ok) throw new Error(created.error.message);
      return { id: created.user.id, email, name: created.user.name, isAdmin, mustChangePassword: false };
    };
    admin = await user('admin@example.com', true);
    rep = await user('rep@example.com', false);
    await grantRoles(runtime.database, [rep.id]);
    await runtime.refresh();
    ({ stop: stopJobs } = await startTestJobs(runtime, 'in-process'));
  });

  afterEach(async () => {
    await stopJobs();
    await dispose();
  });

  function event(path: string, user: AuthUser | null, values: [string, string][] = [], locale: Locale = 'en') {
    const body = new FormData();
    for (const [k, v] of values) body.append(k, v);
    const url = new URL(`http://localhost${path}`);
    const locals = { runtime, user, locale, session: null, calendar: 'gregory', timeZone: 'UTC' } as App.Locals;
    const name = path.split('?')[0]?.split('/').at(-1) ?? '';
    return { locals, url, params: { name, entity: 'deal', id: name }, request: new Request(url, { method: 'POST', body }) };
  }

  async function outcome(run: Promise<unknown>): Promise<WorkflowEditorResult> {
    const value = await run;
    return (isActionFailure(value) ? value.data : value) as WorkflowEditorResult;
  }

  async function thrown(run: Promise<unknown>): Promise<unknown> {
    try {
      await run;
    } catch (e) {
      return e;
    }
    throw new Error('expected the action to throw');
  }

  async function firstDeal(title: string) {
    const page = must(await listRecords({ db: runtime.database.db, actorId: admin.id, access: SYSTEM_ACCESS }, deal, { search: title, limit: 1 }));
    const found = page.items[0];
    if (!found) throw new Error(`no deal ${title}`);
    return found;
  }

  const newActions = workflowEditorActions(() => null);

  /** The new-workflow page, filled in post by post as a person without JavaScript would. */
  async function buildThankYou(condition: string): Promise<WorkflowDraft> {
    const page = await loadWorkflowEditor(event('/admin/workflows/new', admin), null);
    let draft: WorkflowDraft = { ...page.draft, name: 'thank_won', title: { en: 'Thank won deals', fa: 'تشکر از فرصت‌های موفق' }, entity: 'deal' };
    draft = { ...draft, trigger: { ...draft.trigger, on: 'record.updated', fields: ['stage'] }, condition };
    const added = await outcome(newActions.edit(event('/admin/workflows/new', admin, [...formEntries(draft), [inputName.newType('a'), 'create_task'], [inputName.command, command.add('a')]])));
    expect(added.focus).toBe('a.0');
    const task = added.draft.actions[0];
    if (!task) throw new Error('no action was added');
    return { ...added.draft, actions: [{ ...task, settings: { ...task.settings, title: 'Thank {{record.title}}', dueInDays: '۲' } }] };
  }

  it('builds a workflow in posts, dry-runs it without effects, saves it, and the run and task follow a change', async () => {
    const wrong = await buildThankYou('stag == "won"');
    const refused = await outcome(newActions.save(event('/admin/workflows/new', admin, formEntries(wrong))));
    expect(refused.issues.map((i) => i.slot)).toEqual(['condition']);
    expect(refused.draft).toEqual(wrong);
    expect(findWorkflow(runtime.current().model, 'thank_won')).toBeUndefined();

    const draft = { ...wrong, condition: 'stage == "won" and old.stage != "won"' };
    const acme = await firstDeal('Acme ERP renewal');
    const dry = await outcome(newActions.dryRun(event('/admin/workflows/new', admin, [...formEntries(draft), [inputName.dryQuery, 'Acme ERP']])));
    expect(dry.error).toBeNull();
    expect(dry.dry?.record).toEqual({ entity: 'deal', id: String(acme.id), title: 'Acme ERP renewal' });
    expect(dry.dry?.condition.pass).toBe(false); // old values are the current ones in a dry run
    expect(dry.dry?.steps.map((s) => [s.stepId, s.status])).toEqual([['create_task', 'would-run']]);
    expect(dry.dry?.steps[0]?.items.find((i) => i.label === 'Title')?.value).toBe('Thank Acme ERP renewal');
    expect(await listTasks(runtime.database.db, {})).toEqual([]);

    const saved = await thrown(newActions.save(event('/admin/workflows/new', admin, formEntries(draft))));
    expect(isRedirect(saved) && saved.location).toMatch(/^\/admin\/workflows\/thank_won\?saved=\d+$/);
    expect(findWorkflow(runtime.current().model, 'thank_won')?.actions[0]?.settings).toEqual({ title: 'Thank {{record.title}}', assignee: 'owner', dueInDays: 2 });

    const list = await loadWorkflowList(event('/admin/workflows', admin, [], 'fa'));
    const row = list.workflows.find((w) => w.name === 'thank_won');
    expect(row).toMatchObject({ enabled: true, pack: null, entity: { name: 'deal' } });
    expect(row?.trigger).toBe('هنگام تغییر \u2068مرحله\u2069 در \u2068فرصت فروش\u2069');

    must(await updateRecord({ db: runtime.database.db, actorId: admin.id, access: SYSTEM_ACCESS }, deal, { id: String(acme.id), version: Number(acme.version), values: { stage: 'won' } }));
    const done = await waitFor(async () => {
      const automation = await recordAutomation(event('/e/deal/x', admin).locals, admin, deal, String(acme.id));
      return automation.runs.find((r) => r.workflow === 'thank_won' && r.status === 'done') ? automation : undefined;
    }, 'the run to finish');
    // Read again: the tasks of the poll that saw the run done may have been read just before it finished.
    const after = await recordAutomation(event('/e/deal/x', admin).locals, admin, deal, String(done.runs[0]?.recordId ?? acme.id));
    expect(after.tasks.map((t) => [t.title, t.assigneeId])).toEqual([['Thank Acme ERP renewal', null]]);
    const counts = await loadWorkflowList(event('/admin/workflows', admin));
    expect(counts.workflows.find((w) => w.name === 'thank_won')?.counts).toEqual({ done: 1 });

    // The seeded deal has no owner: the task is nobody's, and administrators see it on /tasks.
    const tasks = await loadTasksPage(event('/tasks', admin));
    expect(tasks.mine).toEqual([]);
    expect(tasks.unassigned?.map((t) => [t.title, t.recordTitle, t.hasRecordPage])).toEqual([['Thank Acme ERP renewal', 'Acme ERP renewal', true]]);
    expect((await loadTasksPage(event('/tasks', rep))).unassigned).toBeNull();
  });

  it('shows each problem at the input it is about, and keeps what was typed', async () => {
    const draft = await buildThankYou('stage == "won"');
    const broken = { ...draft, name: 'Thank Won!', trigger: { ...draft.trigger, fields: ['stage', 'nope'] } };
    const task = broken.actions[0];
    if (!task) throw new Error('no action');
    broken.actions = [{ ...task, settings: { ...task.settings, dueInDays: 'soon' } }];
    const firstTry = await outcome(newActions.save(event('/admin/workflows/new', admin, formEntries(broken))));
    expect(firstTry.issues.map((i) => i.slot)).toEqual(['a.0.dueInDays']);
    expect(firstTry.issues[0]?.message).toBe('Enter a whole number.');
    expect(firstTry.draft).toEqual(broken);

    const fixed = { ...broken, actions: draft.actions };
    const secondTry = await outcome(newActions.save(event('/admin/workflows/new', admin, formEntries(fixed))));
    expect(secondTry.issues.map((i) => i.slot)).toEqual(['name']);
    const thirdTry = await outcome(newActions.save(event('/admin/workflows/new', admin, formEntries({ ...fixed, name: 'thank_won' }))));
    expect(thirdTry.issues.map((i) => [i.slot, i.message])).toEqual([['trigger.fields', 'deal has no field "nope"']]);

    const taskless = { ...fixed, name: 'thank_won', trigger: draft.trigger, actions: [{ ...task, settings: { assignee: 'owner' } }] };
    const fourthTry = await outcome(newActions.save(event('/admin/workflows/new', admin, formEntries(taskless))));
    expect(fourthTry.issues.map((i) => [i.slot, i.message])).toEqual([['a.0.title', '"title" is required']]);
  });

  it('checks the condition while it is typed, however unfinished the rest is', async () => {
    const check = async (document: unknown, user: AuthUser | null = admin) => {
      const request = new Request('http://localhost/admin/workflows/check-condition', { method: 'POST', body: JSON.stringify({ document }), headers: { 'content-type': 'application/json' } });
      const response = await checkConditionRequest({ locals: event('/', user).locals, request });
      return { status: response.status, body: (await response.json()) as { issues?: { pointer: string; message: string }[] } };
    };
    const unfinished = { name: '', entity: 'deal', trigger: { on: 'record.updated', fields: [] }, actions: [] };
    expect(await check({ ...unfinished, condition: 'stag == "won"' })).toEqual({ status: 200, body: { issues: [{ pointer: '/condition', message: expect.stringContaining('stag') }] } });
    expect(await check({ ...unfinished, condition: 'stage == "won" and old.stage != "won"' })).toEqual({ status: 200, body: { issues: [] } });
    expect((await check({ ...unfinished, trigger: { on: 'record.created' }, condition: 'old.stage != "won"' })).body.issues).toHaveLength(1);
    expect((await check({ ...unfinished, condition: 'x' }, rep)).status).toBe(403);
    expect((await check({ ...unfinished, condition: 'x' }, null)).status).toBe(401);
  });

  it('switches a workflow off and on, renames it, and deletes it with confirmation', async () => {
    const draft = await buildThankYou('stage == "won"');
    await thrown(newActions.save(event('/admin/workflows/new', admin, formEntries(draft))));
    const off = await workflowListActions.toggle(event('/admin/workflows', admin, [['name', 'thank_won'], ['enabled', 'false']]));
    expect(off).toEqual({ toggled: 'thank_won', enabled: false });
    expect(findWorkflow(runtime.current().model, 'thank_won')?.enabled).toBe(false);

    const page = await loadWorkflowEditor(event('/admin/workflows/thank_won', admin), 'thank_won');
    expect(page.draft.enabled).toBe(false);
    const editActions = workflowEditorActions((e) => e.params.name ?? null);
    const renamed = await thrown(editActions.save(event('/admin/workflows/thank_won', admin, formEntries({ ...page.draft, name: 'thank_won_deals', enabled: true }))));
    expect(isRedirect(renamed) && renamed.location).toMatch(/^\/admin\/workflows\/thank_won_deals\?saved=/);
    expect(runtime.current().model.workflows.filter((w) => w.name.startsWith('thank_')).map((w) => [w.name, w.enabled])).toEqual([['thank_won_deals', true]]);

    const path = '/admin/workflows/thank_won_deals';
    const unconfirmed = await outcome(editActions.remove(event(path, admin, formEntries(page.draft))));
    expect(unconfirmed.error).toBe('Tick the box to confirm the deletion.');
    const removed = await thrown(editActions.remove(event(path, admin, [...formEntries(page.draft), ['confirmRemove', 'on']])));
    expect(isRedirect(removed) && removed.location).toBe('/admin/workflows?removed=thank_won_deals');
    expect(findWorkflow(runtime.current().model, 'thank_won_deals')).toBeUndefined();
  });

  it('gives a saved webhook workflow its endpoint and a secret that can be replaced', async () => {
    const document = { name: 'lead_in', trigger: { on: 'webhook' }, actions: [{ id: 'todo', type: 'create_task', title: 'New lead {{event.name}}', assignee: 'admin@example.com' }] };
    must2(await saveWorkflow(runtime.database, { document, actorId: admin.id }));
    await runtime.refresh();
    const page = await loadWorkflowEditor(event('/admin/workflows/lead_in', admin), 'lead_in');
    expect(page.webhook?.url).toBe('http://localhost/hooks/lead_in');
    const first = page.webhook?.secret;
    const rotated = await outcome(workflowEditorActions(() => 'lead_in').rotateSecret(event('/admin/workflows/lead_in', admin, formEntries(page.draft))));
    expect(rotated.secretRotated).toBe(true);
    const again = await loadWorkflowEditor(event('/admin/workflows/lead_in', admin), 'lead_in');
    expect(again.webhook?.secret).not.toBe(first);
  });

  it('keeps the pages and actions for administrators', async () => {
    const forbidden = async (run: () => Promise<unknown>) => {
      const e = await thrown(run());
      expect(isHttpError(e) && e.status).toBe(403);
    };
    await forbidden(() => loadWorkflowList(event('/admin/workflows', rep)));
    await forbidden(() => loadWorkflowEditor(event('/admin/workflows/new', rep), null));
    const draft = await buildThankYou('stage == "won"');
    await forbidden(() => newActions.save(event('/admin/workflows/new', rep, formEntries(draft))));
    await forbidden(() => workflowListActions.toggle(event('/admin/workflows', rep, [['name', 'x']])));
    await forbidden(() => loadRunList(event('/admin/runs', rep)));
    await forbidden(() => retryRunAction(event('/admin/runs', rep, [['id', '00000000-0000-7000-8000-000000000000']])));
    const anonymous = await thrown(loadWorkflowList(event('/admin/workflows', null)));
    expect(isRedirect(anonymous) && anonymous.location).toBe('/signin?next=%2Fadmin%2Fworkflows');
  });

  it('starts a manual workflow from a record page, lists the run, and retries a dead one', async () => {
    const document = {
      name: 'call_back',
      entity: 'deal',
      trigger: { on: 'manual', label: { en: 'Call back', fa: 'تماس مجدد' } },
      actions: [{ id: 'todo', type: 'create_task', title: 'Call about {{record.title}}', assignee: 'actor', dueInDays: 0 }],
    };
    must2(await saveWorkflow(runtime.database, { document, actorId: admin.id }));
    await runtime.refresh();
    const pars = await firstDeal('Pars POS rollout');
    const before = await recordAutomation(event('/e/deal/x', rep).locals, rep, deal, String(pars.id));
    expect(before.manual).toEqual([{ name: 'call_back', label: { en: 'Call back', fa: 'تماس مجدد' } }]);

    const started = await startManualAction(event(`/e/deal/${pars.id}`, rep, [['workflow', 'call_back']], 'fa'), deal, String(pars.id));
    expect(started).toMatchObject({ automationStarted: { label: 'تماس مجدد' } });
    const unknown = await startManualAction(event(`/e/deal/${pars.id}`, rep, [['workflow', 'nope']]), deal, String(pars.id));
    expect(isActionFailure(unknown) && unknown.status).toBe(404);

    const task = await waitFor(async () => (await listTasks(runtime.database.db, { assigneeId: rep.id, open: true }))[0], 'the task');
    expect(task.title).toBe('Call about Pars POS rollout');
    const mine = await loadTasksPage(event('/tasks', rep));
    expect(mine.mine.map((t) => [t.title, t.recordTitle])).toEqual([['Call about Pars POS rollout', 'Pars POS rollout']]);

    const runs = await loadRunList(event(`/admin/runs?workflow=call_back&record=${pars.id}`, admin));
    expect(runs.runs.map((r) => [r.workflow, r.trigger, r.recordTitle])).toEqual([['call_back', 'manual', 'Pars POS rollout']]);
    expect((await loadRunList(event('/admin/runs?status=dead', admin))).runs).toEqual([]);
    const runId = runs.runs[0]?.id ?? '';
    const detail = await loadRun(event(`/admin/runs/${runId}`, admin), runId);
    expect(detail.steps.map((s) => [s.stepId, s.status, s.actionLabel?.en])).toEqual([['todo', 'ok', 'Create a task']]);
    const refused = await retryRunAction(event('/admin/runs', admin, [['id', runId]]));
    expect(isActionFailure(refused) && refused.data).toEqual({ retryError: 'Only failed or dead runs can be retried.', retriedId: runId });

    await runtime.database.db.updateTable('peyvand.workflow_runs').set({ status: 'dead', error: 'simulated' }).where('id', '=', runId).execute();
    expect((await loadRunList(event('/admin/runs?status=dead', admin))).runs.map((r) => r.id)).toEqual([runId]);
    expect(await retryRunAction(event('/admin/runs', admin, [['id', runId]]))).toEqual({ retried: runId });
    await waitFor(async () => (await loadRun(event(`/admin/runs/${runId}`, admin), runId)).run.status === 'done', 'the retried run');
  });

  it('lets only the assignee or an administrator complete a task, once', async () => {
    const db = runtime.database.db;
    const at = (days: number | null) => (days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString());
    const insert = (id: string, title: string, assignee: string | null, due: number | null) =>
      db.insertInto('peyvand.tasks').values({ id, title, notes: null, assignee_id: assignee, due_at: at(due), entity: 'deal', record_id: null, workflow: null, run_id: null }).execute();
    await insert('01900000-0000-7000-8000-000000000001', 'later', rep.id, 5);
    await insert('01900000-0000-7000-8000-000000000002', 'undated', rep.id, null);
    await insert('01900000-0000-7000-8000-000000000003', 'late', rep.id, -1);
    await insert('01900000-0000-7000-8000-000000000004', 'admin only', admin.id, 1);
    expect((await listTasks(db, { assigneeId: rep.id, open: true })).map((t) => t.title)).toEqual(['late', 'later', 'undated']);
    const page = await loadTasksPage(event('/tasks', rep));
    expect(page.mine.map((t) => [t.title, t.isOverdue])).toEqual([
      ['late', true],
      ['later', false],
      ['undated', false],
    ]);

    expect(await completeTask(db, { id: '01900000-0000-7000-8000-000000000004', userId: rep.id })).toEqual({ ok: false, code: 'forbidden' });
    expect(await completeTask(db, { id: '01900000-0000-7000-8000-000000000009', userId: rep.id })).toEqual({ ok: false, code: 'not-found' });
    expect(await completeTask(db, { id: 'not-an-id', userId: rep.id })).toEqual({ ok: false, code: 'not-found' });
    expect(await completeTaskAction(event('/tasks', rep, [['task', '01900000-0000-7000-8000-000000000003']]))).toEqual({ taskDone: '01900000-0000-7000-8000-000000000003' });
    const twice = await completeTaskAction(event('/tasks', rep, [['task', '01900000-0000-7000-8000-000000000003']], 'fa'));
    expect(isActionFailure(twice) && twice.data).toEqual({ taskError: 'این وظیفه پیش‌تر انجام شده است.', taskId: '01900000-0000-7000-8000-000000000003' });
    expect(await completeTask(db, { id: '01900000-0000-7000-8000-000000000001', userId: admin.id })).toMatchObject({ ok: true });
    expect((await listTasks(db, { assigneeId: rep.id, open: true })).map((t) => t.title)).toEqual(['undated']);
    expect((await listTasks(db, { assigneeId: rep.id, open: false })).map((t) => t.title).sort()).toEqual(['late', 'later']);
    const done = await db.selectFrom('peyvand.tasks').select(['done_by']).where('id', '=', '01900000-0000-7000-8000-000000000001').executeTakeFirstOrThrow();
    expect(done.done_by).toBe(admin.id);
  });
});

function must2<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}
