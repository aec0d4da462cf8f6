/**
 * Workflows end to end: a record write → outbox → dispatcher → queue → executor → actions, in the
 * embedded mode (PGlite, in-process queue) and the scale-out mode (PostgreSQL, BullMQ on Redis).
 * Every trigger kind and every action runs at least once here.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entity, packOf, type WorkflowDoc } from '../support/packs.ts';
import { BACKENDS } from '../support/databases.ts';
import { must, openTestRuntime } from '../support/runtime.ts';
import { startTestJobs, testServices, waitFor, type QueueKind } from '../support/jobs.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { createRecord, deleteRecord, getRecord, updateRecord } from '../../src/lib/server/records/record-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { findEntity, type EntityModel } from '../../src/lib/model/types.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { DatabaseKind } from '../../src/lib/server/db/database.ts';
import { fireDateTriggers, fireSchedules } from '../../src/lib/server/jobs/scheduler.ts';
import { dryRun, getRun, listRuns, receiveWebhook, retryRun, saveWorkflow, signWebhook, startManualRun, webhookSecret } from '../../src/lib/server/rules/workflow-service.ts';
import { messageIdFor, type Mailer, type OutgoingEmail } from '../../src/lib/server/rules/outbound/mailer.ts';
import { MAX_DEPTH } from '../../src/lib/server/jobs/dispatcher.ts';
import type { Jobs } from '../../src/lib/server/jobs/jobs.ts';

/** The embedded mode and the scale-out mode (each where its database is under test). */
const MODES: readonly { db: DatabaseKind; queue: QueueKind }[] = (
  [
    { db: 'pglite', queue: 'in-process' },
    { db: 'postgres', queue: 'bullmq' },
  ] as const
).filter((m) => BACKENDS.includes(m.db));

const ENTITIES = [
  entity(
    'deal',
    {
      title: { type: 'string', maxLength: 200 },
      stage: { type: 'string', enum: ['new', 'won', 'lost'], default: 'new' },
      amount: { type: 'string', format: 'decimal' },
      note: { type: 'string', maxLength: 2000 },
    },
    { required: ['title'] },
  ),
  entity('followup', { title: { type: 'string', maxLength: 300 }, deal_id: { type: 'string', format: 'uuid', 'x-ref': 'deal', 'x-on-delete': 'set-null' } }),
  entity('note_log', { text: { type: 'string', maxLength: 500 } }),
  entity('counter', { label: { type: 'string', maxLength: 50 }, n: { type: 'integer' } }),
  entity('contact', { full_name: { type: 'string', maxLength: 200 }, birthday: { type: 'string', format: 'date' }, tz: { type: 'string', maxLength: 64 } }),
  entity('numbered', { code: { type: 'string', 'x-type': 'auto_number', 'x-format': 'N-{0000}' }, label: { type: 'string', maxLength: 50 } }),
];

function workflows(webhookUrl: string): WorkflowDoc[] {
  return [
    {
      name: 'won_deal',
      title: { en: 'Won deal', fa: 'معامله موفق' },
      entity: 'deal',
      trigger: { on: 'record.updated', fields: ['stage'] },
      condition: 'stage == "won" and old.stage != "won"',
      actions: [
        { id: 'mark', type: 'update_record', set: { note: 'concat("won: ", amount * 2)' } },
        { id: 'thank', type: 'create_task', title: 'Thank the customer for {{record.title}}', assignee: 'actor', dueInDays: 2 },
        { id: 'tell', type: 'send_email', to: 'boss@example.com', subject: 'Won: {{record.title}}', text: 'Amount {{record.amount}} (was {{old.stage}})' },
        {
          id: 'big',
          type: 'branch',
          if: 'amount > 1000',
          then: [{ id: 'follow', type: 'create_record', entity: 'followup', set: { title: 'concat("Upsell ", title)', deal_id: 'id' } }],
          else: [{ id: 'small', type: 'create_record', entity: 'followup', set: { title: '"small deal"' } }],
        },
        { id: 'notify', type: 'call_webhook', url: webhookUrl, method: 'POST', body: '{"deal": "{{record.title}}"}' },
      ],
    },
    {
      name: 'route_new_deal',
      entity: 'deal',
      trigger: { on: 'record.created' },
      actions: [{ id: 'assign', type: 'assign_owner', strategy: 'round_robin', users: ['rep1@example.com', 'rep2@example.com'] }],
    },
    {
      name: 'log_delete',
      entity: 'deal',
      trigger: { on: 'record.deleted' },
      actions: [{ id: 'log', type: 'create_record', entity: 'note_log', set: { text: 'concat("deleted ", title)' } }],
    },
    { name: 'count_up', entity: 'counter', trigger: { on: 'record.updated' }, actions: [{ id: 'inc', type: 'update_record', set: { n: 'n + 1' } }] },
    {
      name: 'birthday',
      entity: 'contact',
      trigger: { on: 'date', field: 'birthday', repeat: 'yearly', at: '09:00', timezone: { field: 'tz' } },
      actions: [{ id: 'greet', type: 'create_task', title: 'Birthday: {{record.full_name}}', assignee: 'rep1@example.com' }],
    },
    {
      name: 'stale_deals',
      entity: 'deal',
      trigger: { on: 'schedule', cron: '0 8 * * *', timezone: 'Asia/Tehran', filter: { field: 'stage', op: 'eq', value: 'new' } },
      condition: 'title != "skip me"',
      actions: [{ id: 'nudge', type: 'create_task', title: 'Follow up {{record.title}}', assignee: 'rep2@example.com' }],
    },
    {
      name: 'call_back',
      entity: 'contact',
      trigger: { on: 'manual', label: { en: 'Call back', fa: 'تماس مجدد' } },
      actions: [
        { id: 'pause', type: 'wait', minutes: 30 },
        { id: 'todo', type: 'create_task', title: 'Call {{record.full_name}} back', assignee: 'actor' },
      ],
    },
    {
      name: 'number_task',
      entity: 'numbered',
      trigger: { on: 'record.created' },
      condition: 'starts_with(code, "N-")',
      actions: [{ id: 'todo', type: 'create_task', title: 'Numbered {{record.code}} at {{record.created_at}}', assignee: 'actor' }],
    },
    {
      name: 'lead_hook',
      trigger: { on: 'webhook' },
      condition: 'not is_empty(event.name)',
      actions: [
        { id: 'todo', type: 'create_task', title: 'New lead: {{event.name}}', assignee: 'rep1@example.com' },
        { id: 'person', type: 'create_record', entity: 'contact', set: { full_name: 'concat(upper(event.name), " (web)")', birthday: 'event.born' } },
      ],
    },
  ];
}

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe.each(MODES)('workflows on $db with the $queue queue', ({ db, queue }) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let stopJobs: () => Promise<void>;
  let jobs: Jobs;
  let services: ReturnType<typeof testServices>;
  let deal: EntityModel;
  let counter: EntityModel;
  let contact: EntityModel;
  let admin: { id: string; name: string; email: string };
  const received: Received[] = [];
  let server: ReturnType<typeof createServer>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
    ({ runtime, dispose } = await openTestRuntime(db, 'peyvand_wf'));
    const database = runtime.database;
    const created = await createUser(database.db, { email: 'admin@example.com', name: 'Admin', password: 'correct horse battery', isAdmin: true });
    if (!created.ok) throw new Error('could not create the admin');
    admin = { id: created.user.id, name: 'Admin', email: 'admin@example.com' };
    for (const email of ['rep1@example.com', 'rep2@example.com']) await createUser(database.db, { email, name: email.split('@')[0] ?? email, password: 'correct horse battery' });
    const applied = await applyPack(database, packOf(ENTITIES, {}, workflows(url)), { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => `${i.file}${i.pointer}: ${i.message}`).join('\n'));
    const state = await runtime.refresh();
    deal = findEntity(state.model, 'deal') as EntityModel;
    counter = findEntity(state.model, 'counter') as EntityModel;
    contact = findEntity(state.model, 'contact') as EntityModel;
    const started = await startTestJobs(runtime, queue);
    stopJobs = started.stop;
    jobs = started.jobs;
    services = started.services;
  }, 60_000);

  afterAll(async () => {
    await stopJobs?.();
    await dispose?.();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  const ctx = () => ({ db: runtime.database.db, actorId: admin.id, access: SYSTEM_ACCESS });
  /** A new deal, after its routing workflow gave it an owner (which bumps its version). */
  const newDeal = async (values: Record<string, unknown>) => {
    const created = must(await createRecord(ctx(), deal, values));
    await settled('route_new_deal', String(created.id));
    return must(await getRecord(ctx(), deal, created.id));
  };
  const runsOf = async (workflow: string, recordId?: string) => (await listRuns(runtime.database.db, { workflow, ...(recordId ? { recordId } : {}) })).runs;
  const settled = (workflow: string, recordId?: string, count = 1) =>
    waitFor(async () => {
      const runs = await runsOf(workflow, recordId);
      return runs.length >= count && runs.every((r) => ['done', 'failed', 'dead'].includes(r.status)) ? runs : undefined;
    }, `${workflow} runs to finish`);

  it('runs every action of a record.updated workflow once, with old and new values', async () => {
    const created = await newDeal({ title: 'Kish Air', amount: '1500.25' });
    const updated = must(await updateRecord(ctx(), deal, { id: String(created.id), version: Number(created.version), values: { stage: 'won' } }));
    const [run] = await settled('won_deal', String(created.id));
    expect(run?.status).toBe('done');

    const after = must(await getRecord(ctx(), deal, created.id));
    expect(after.note).toBe('won: 3000.5'); // exact decimal arithmetic
    expect(Number(after.version)).toBeGreaterThan(Number(updated.version));

    const tasks = await runtime.database.db.selectFrom('peyvand.tasks').selectAll().where('record_id', '=', String(created.id)).execute();
    expect(tasks.map((t) => t.title)).toEqual(['Thank the customer for Kish Air']);
    expect(tasks[0]?.assignee_id).toBe(admin.id);

    const mail = services.mailer.sent.filter((m) => m.subject === 'Won: Kish Air');
    expect(mail).toHaveLength(1);
    expect(mail[0]?.text).toBe('Amount 1500.25 (was new)');
    expect(mail[0]?.messageId).toBe(messageIdFor(`${run?.id}:tell`, 'peyvand.test'));

    const followups = await sql<{ title: string; deal_id: string }>`select title, deal_id from data.followup where deal_id = ${String(created.id)}`.execute(runtime.database.db);
    expect(followups.rows).toEqual([{ title: 'Upsell Kish Air', deal_id: String(created.id) }]);

    const hook = received.find((r) => r.body.includes('Kish Air'));
    expect(hook?.headers['idempotency-key']).toBe(`${run?.id}:notify`);
    expect(JSON.parse(hook?.body ?? '{}')).toEqual({ deal: 'Kish Air' });

    const detail = await getRun(runtime.database.db, run?.id ?? '');
    if (!detail.ok) throw new Error(detail.message);
    expect(detail.value.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['mark:ok', 'thank:ok', 'tell:ok', 'big:ok', 'follow:ok', 'notify:ok']);
    expect(detail.value.steps.find((s) => s.stepId === 'big')?.output).toEqual({ took: 'then' });
  });

  it('shows a created record as stored (auto-number, created_at) to the condition and the templates', async () => {
    const numbered = findEntity(runtime.current().model, 'numbered') as EntityModel;
    const created = must(await createRecord(ctx(), numbered, { label: 'first' }));
    const [run] = await settled('number_task', String(created.id));
    expect(run?.status).toBe('done');
    const task = await runtime.database.db.selectFrom('peyvand.tasks').select('title').where('record_id', '=', String(created.id)).executeTakeFirstOrThrow();
    expect(task.title).toBe(`Numbered ${String(created.code)} at ${String(created.created_at)}`);
    expect(task.title).toMatch(/^Numbered N-\d{4} at 20\d\d-/);
  });

  it('starts nothing when the condition is false or an unwatched field changes', async () => {
    const created = await newDeal({ title: 'Quiet', amount: '10' });
    must(await updateRecord(ctx(), deal, { id: String(created.id), version: Number(created.version), values: { note: 'just a note' } }));
    const again = must(await getRecord(ctx(), deal, created.id));
    must(await updateRecord(ctx(), deal, { id: String(created.id), version: Number(again.version), values: { stage: 'lost' } }));
    expect(await runsOf('won_deal', String(created.id))).toEqual([]);
  });

  it('takes the else branch for a small deal', async () => {
    const created = await newDeal({ title: 'Tiny', amount: '5' });
    must(await updateRecord(ctx(), deal, { id: String(created.id), version: Number(created.version), values: { stage: 'won' } }));
    await settled('won_deal', String(created.id));
    const rows = await sql<{ title: string }>`select title from data.followup where title = 'small deal'`.execute(runtime.database.db);
    expect(rows.rows.length).toBeGreaterThanOrEqual(1);
  });

  it('assigns new deals in turn (round robin) and audits the owner change', async () => {
    const ids: string[] = [];
    for (const title of ['RR 1', 'RR 2', 'RR 3']) ids.push(String(must(await createRecord(ctx(), deal, { title })).id));
    for (const id of ids) await settled('route_new_deal', id);
    const owners = await sql<{ id: string; email: string }>`select d.id, u.email from data.deal d join peyvand.users u on u.id = d.owner where d.id = any(${ids}::uuid[]) order by d.id`.execute(runtime.database.db);
    const emails = owners.rows.map((r) => r.email);
    expect(emails).toHaveLength(3);
    // Three turns in a row of a two-person rotation: one gets two, the other one.
    const counts = ['rep1@example.com', 'rep2@example.com'].map((e) => emails.filter((x) => x === e).length).sort();
    expect(counts).toEqual([1, 2]);
    const audit = await runtime.database.db.selectFrom('peyvand.audit_log').select('changes').where('record_id', '=', ids[0] ?? '').where('action', '=', 'update').execute();
    expect(JSON.stringify(audit.map((a) => a.changes))).toContain('owner');
  });

  it('runs a record.deleted workflow with the deleted values', async () => {
    const created = must(await createRecord(ctx(), deal, { title: 'Gone soon' }));
    must(await deleteRecord(ctx(), deal, { id: created.id }));
    await settled('log_delete', String(created.id));
    const rows = await sql<{ text: string }>`select text from data.note_log where text = 'deleted Gone soon'`.execute(runtime.database.db);
    expect(rows.rows).toHaveLength(1);
  });

  it(`stops a workflow that triggers itself after ${MAX_DEPTH} rounds`, async () => {
    const created = must(await createRecord(ctx(), counter, { label: 'loop', n: 0 }));
    must(await updateRecord(ctx(), counter, { id: String(created.id), version: Number(created.version), values: { n: 1 } }));
    const runs = await settled('count_up', String(created.id), MAX_DEPTH + 1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing further arrives
    const all = await runsOf('count_up', String(created.id));
    expect(all).toHaveLength(MAX_DEPTH + 1);
    expect(all.filter((r) => r.status === 'done')).toHaveLength(MAX_DEPTH);
    expect(runs.find((r) => r.status === 'failed')?.error).toContain('not started');
    expect(must(await getRecord(ctx(), counter, created.id)).n).toBe(1 + MAX_DEPTH);
  });

  it('fires a birthday once per year in the record\'s time zone, 29 February included', async () => {
    const leap = must(await createRecord(ctx(), contact, { full_name: 'Leap Day', birthday: '2000-02-29', tz: 'Asia/Tehran' }));
    const la = must(await createRecord(ctx(), contact, { full_name: 'Los Angeles', birthday: '1990-03-01', tz: 'America/Los_Angeles' }));
    const options = { db: runtime.database.db, model: () => runtime.current().model };
    const at = (iso: string) => ({ ...options, now: () => new Date(iso) });
    // 28 Feb 2026 (not a leap year), 06:00 UTC = 09:30 in Tehran: Leap Day's birthday is today there.
    await jobs.queue.enqueue(await fireDateTriggers(at('2026-02-28T06:00:00Z')));
    await jobs.queue.enqueue(await fireDateTriggers(at('2026-02-28T07:00:00Z')));
    // Before 09:00 in Los Angeles on 1 March (16:00 UTC = 08:00 PST): not yet; 18:00 UTC = 10:00: yes.
    await jobs.queue.enqueue(await fireDateTriggers(at('2026-03-01T16:00:00Z')));
    expect((await runsOf('birthday', String(la.id))).length).toBe(0);
    await jobs.queue.enqueue(await fireDateTriggers(at('2026-03-01T18:00:00Z')));
    await jobs.queue.enqueue(await fireDateTriggers(at('2026-03-01T20:00:00Z')));
    // A year later, once again.
    await jobs.queue.enqueue(await fireDateTriggers(at('2027-02-28T06:00:00Z')));
    const leapRuns = await settled('birthday', String(leap.id), 2);
    expect(leapRuns).toHaveLength(2);
    expect(await settled('birthday', String(la.id))).toHaveLength(1);
    const titles = await runtime.database.db.selectFrom('peyvand.tasks').select('title').where('workflow', '=', 'birthday').execute();
    expect(titles.map((t) => t.title).sort()).toEqual(['Birthday: Leap Day', 'Birthday: Leap Day', 'Birthday: Los Angeles']);
  });

  it('fires a cron schedule once per occurrence for each record its filter and condition select', async () => {
    must(await createRecord(ctx(), deal, { title: 'skip me' }));
    const options = { db: runtime.database.db, model: () => runtime.current().model };
    // 08:00 in Tehran is 04:30 UTC.
    await jobs.queue.enqueue(await fireSchedules({ ...options, now: () => new Date('2026-11-22T04:31:00Z') }));
    await jobs.queue.enqueue(await fireSchedules({ ...options, now: () => new Date('2026-11-22T04:35:00Z') })); // same occurrence
    await jobs.queue.enqueue(await fireSchedules({ ...options, now: () => new Date('2026-11-22T05:00:00Z') })); // too late to catch up: nothing
    runtime.wakeJobs();
    const newDeals = await sql<{ id: string; title: string }>`select id, title from data.deal where stage = 'new'`.execute(runtime.database.db);
    const expected = newDeals.rows.filter((d) => d.title !== 'skip me').length;
    const runs = await settled('stale_deals', undefined, expected);
    expect(runs).toHaveLength(expected);
    const tasks = await runtime.database.db.selectFrom('peyvand.tasks').select('title').where('workflow', '=', 'stale_deals').execute();
    expect(tasks.map((t) => t.title)).not.toContain('Follow up skip me');
  });

  it('runs a manual workflow with a wait, resuming at the next step', async () => {
    const person = must(await createRecord(ctx(), contact, { full_name: 'Sara' }));
    const started = await startManualRun(runtime.database.db, runtime.current().model, { workflow: 'call_back', recordId: String(person.id), user: admin, access: SYSTEM_ACCESS });
    if (!started.ok) throw new Error(started.message);
    runtime.wakeJobs();
    const waiting = await waitFor(async () => {
      const [run] = await runsOf('call_back', String(person.id));
      return run?.status === 'waiting' ? run : undefined;
    }, 'the run to wait');
    expect(new Date(waiting.resumeAt ?? 0).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    // Time passes.
    await runtime.database.db.updateTable('peyvand.workflow_runs').set({ resume_at: new Date(Date.now() - 1000).toISOString(), enqueued_at: null }).where('id', '=', started.value.runId).execute();
    runtime.wakeJobs();
    const [done] = await settled('call_back', String(person.id));
    expect(done?.status).toBe('done');
    const task = await runtime.database.db.selectFrom('peyvand.tasks').selectAll().where('run_id', '=', started.value.runId).executeTakeFirstOrThrow();
    expect(task.title).toBe('Call Sara back');
    expect(task.assignee_id).toBe(admin.id);
  });

  it('resumes a waiting run after the step it finished when the workflow was edited meanwhile, and fails it when that step is gone', async () => {
    const model = () => runtime.current().model;
    const base = model().workflows.find((w) => w.name === 'call_back')?.document;
    if (!base) throw new Error('no call_back');
    const person = must(await createRecord(ctx(), contact, { full_name: 'Edited Meanwhile' }));
    const waitingRun = async () => {
      const started = await startManualRun(runtime.database.db, model(), { workflow: 'call_back', recordId: String(person.id), user: admin, access: SYSTEM_ACCESS });
      if (!started.ok) throw new Error(started.message);
      runtime.wakeJobs();
      await waitFor(async () => {
        const r = await getRun(runtime.database.db, started.value.runId);
        return r.ok && r.value.run.status === 'waiting';
      }, 'the run to wait');
      return started.value.runId;
    };
    const wakeUp = async (id: string) => {
      await runtime.database.db.updateTable('peyvand.workflow_runs').set({ resume_at: new Date(Date.now() - 1000).toISOString(), enqueued_at: null }).where('id', '=', id).execute();
      runtime.wakeJobs();
      return waitFor(async () => {
        const r = await getRun(runtime.database.db, id);
        return r.ok && ['done', 'failed'].includes(r.value.run.status) ? r.value : undefined;
      }, 'the run to end');
    };

    // A step added before the wait: the run goes on after "pause", not at its old position.
    const first = await waitingRun();
    const edited = { ...base, actions: [{ id: 'intro', type: 'create_task', title: 'Intro {{record.full_name}}', assignee: 'actor' }, ...(base.actions as unknown[])] };
    expect((await saveWorkflow(runtime.database, { document: edited, previousName: 'call_back', actorId: admin.id })).ok).toBe(true);
    await runtime.refresh();
    const resumed = await wakeUp(first);
    expect(resumed.run.status).toBe('done');
    expect(resumed.steps.map((st) => st.stepId)).toEqual(['pause', 'todo']);

    // The step it finished is removed: the run fails and says why.
    const second = await waitingRun();
    const without = { ...base, actions: (base.actions as { id: string }[]).filter((a) => a.id !== 'pause') };
    expect((await saveWorkflow(runtime.database, { document: without, previousName: 'call_back', actorId: admin.id })).ok).toBe(true);
    await runtime.refresh();
    const failed = await wakeUp(second);
    expect(failed.run.status).toBe('failed');
    expect(failed.run.error).toContain('"pause" is gone');
    expect((await saveWorkflow(runtime.database, { document: base, previousName: 'call_back', actorId: admin.id })).ok).toBe(true);
    await runtime.refresh();
  });

  it('accepts a signed inbound webhook once and refuses bad signatures, stale timestamps and replays', async () => {
    const model = runtime.current().model;
    const secret = await webhookSecret(runtime.database.db, 'lead_hook');
    const body = JSON.stringify({ name: 'Reza', born: '1991-05-04' });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = signWebhook(secret, ts, body);
    const first = await receiveWebhook(runtime.database.db, model, { workflow: 'lead_hook', timestamp: ts, signature, body });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    const replay = await receiveWebhook(runtime.database.db, model, { workflow: 'lead_hook', timestamp: ts, signature, body });
    expect(replay).toMatchObject({ ok: true, duplicate: true });
    expect(await receiveWebhook(runtime.database.db, model, { workflow: 'lead_hook', timestamp: ts, signature: signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'), body })).toMatchObject({ ok: false, status: 401 });
    const old = String(Math.floor(Date.now() / 1000) - 600);
    expect(await receiveWebhook(runtime.database.db, model, { workflow: 'lead_hook', timestamp: old, signature: signWebhook(secret, old, body), body })).toMatchObject({ ok: false, status: 401 });
    // A workflow that is no webhook answers like a wrong signature: probing tells nothing.
    const probe = await receiveWebhook(runtime.database.db, model, { workflow: 'won_deal', timestamp: ts, signature, body });
    const wrong = await receiveWebhook(runtime.database.db, model, { workflow: 'lead_hook', timestamp: ts, signature: 'sha256=00', body });
    expect(probe).toEqual(wrong);
    expect(await receiveWebhook(runtime.database.db, model, { workflow: 'no_such_flow', timestamp: ts, signature, body })).toEqual(wrong);
    runtime.wakeJobs();
    await settled('lead_hook');
    const tasks = await runtime.database.db.selectFrom('peyvand.tasks').select('title').where('workflow', '=', 'lead_hook').execute();
    expect(tasks.map((t) => t.title)).toEqual(['New lead: Reza']);
    const people = await sql<{ full_name: string; birthday: string }>`select full_name, birthday::text as birthday from data.contact where full_name like '%(web)'`.execute(runtime.database.db);
    expect(people.rows).toEqual([{ full_name: 'REZA (web)', birthday: '1991-05-04' }]);
  });

  it('retries a failing email with backoff, dead-letters it, and a manual retry finishes it without repeating done steps', async () => {
    let failures = Number.POSITIVE_INFINITY;
    const flaky: Mailer = {
      send: (email: OutgoingEmail) => (failures-- > 0 ? Promise.reject(new Error('421 try again later')) : services.mailer.send(email)),
      close: () => Promise.resolve(),
    };
    await stopJobs();
    const restarted = await startTestJobs(runtime, queue, { services: { ...services, mailer: flaky }, executor: { maxAttempts: 3, backoffMs: () => 20 } });
    stopJobs = restarted.stop;
    jobs = restarted.jobs;
    const created = await newDeal({ title: 'Flaky', amount: '1' });
    must(await updateRecord(ctx(), deal, { id: String(created.id), version: Number(created.version), values: { stage: 'won' } }));
    const [dead] = await settled('won_deal', String(created.id));
    expect(dead?.status).toBe('dead');
    expect(dead?.error).toContain('421 try again later');
    const detail = await getRun(runtime.database.db, dead?.id ?? '');
    if (!detail.ok) throw new Error(detail.message);
    expect(detail.value.steps.filter((s) => s.stepId === 'tell').map((s) => s.status)).toEqual(['error', 'error', 'error']);
    expect(detail.value.steps.filter((s) => s.stepId === 'mark')).toHaveLength(1);

    failures = 0;
    expect((await retryRun(runtime.database.db, dead?.id ?? '')).ok).toBe(true);
    runtime.wakeJobs();
    const [done] = await settled('won_deal', String(created.id));
    expect(done?.status).toBe('done');
    const again = await getRun(runtime.database.db, done?.id ?? '');
    if (!again.ok) throw new Error(again.message);
    expect(again.value.steps.filter((s) => s.stepId === 'mark')).toHaveLength(1); // not repeated
    expect(services.mailer.sent.filter((m) => m.subject === 'Won: Flaky')).toHaveLength(1);
    expect((await retryRun(runtime.database.db, done?.id ?? '')).ok).toBe(false);
  });

  it('dry-runs a workflow against a record without writing or sending anything', async () => {
    const created = must(await createRecord(ctx(), deal, { title: 'Dry', amount: '2000', stage: 'won' }));
    const before = services.mailer.sent.length;
    const model = runtime.current().model;
    const workflow = model.workflows.find((w) => w.name === 'won_deal');
    if (!workflow) throw new Error('no won_deal');
    const result = await dryRun(runtime.database.db, model, { workflow, recordId: String(created.id), user: admin, services });
    if (!result.ok) throw new Error(result.message);
    expect(result.value.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['mark:would-run', 'thank:would-run', 'tell:would-run', 'big:branch', 'follow:would-run', 'notify:would-run']);
    expect(result.value.steps.find((s) => s.stepId === 'tell')?.request).toMatchObject({ subject: 'Won: Dry' });
    expect(services.mailer.sent.length).toBe(before);
    expect(must(await getRecord(ctx(), deal, created.id)).note).toBeNull();
  });

  it('saves a workflow from the designer, checked against the model, and runs it', async () => {
    const bad = await saveWorkflow(runtime.database, { document: { name: 'designer_made', entity: 'deal', trigger: { on: 'record.created' }, condition: 'stagee == "new"', actions: [{ id: 'x', type: 'update_record', set: { note: '"hi"' } }] }, actorId: admin.id });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.pointer} ${i.message}`).join('\n')).toMatch(/\/condition .*stagee/);
    const saved = await saveWorkflow(runtime.database, {
      document: { name: 'designer_made', entity: 'deal', trigger: { on: 'record.created' }, condition: 'title == "from designer"', actions: [{ id: 'x', type: 'update_record', set: { note: '"made by the designer"' } }] },
      actorId: admin.id,
    });
    expect(saved.ok).toBe(true);
    await runtime.refresh();
    const created = must(await createRecord(ctx(), deal, { title: 'from designer' }));
    await settled('designer_made', String(created.id));
    expect(must(await getRecord(ctx(), deal, created.id)).note).toBe('made by the designer');
  });
});
