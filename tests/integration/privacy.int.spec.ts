/**
 * Privacy requests and consent on both backends: export, erasure (row, search, history, outbox,
 * workflow runs; amounts and relations kept), the logs, idempotence, administrators only; and
 * send_email / send_sms skipping a contact without consent.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import type { JsonObject } from '../../src/lib/model/types.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { erasePerson, exportPerson, privacyRequests } from '../../src/lib/server/privacy/privacy-service.ts';
import { createRecord, listRecords, updateRecord, type RecordContext } from '../../src/lib/server/records/record-service.ts';
import { dryRun, listRuns } from '../../src/lib/server/rules/workflow-service.ts';
import { smsConfigFromEnv } from '../../src/lib/server/rules/outbound/sms.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { BACKENDS } from '../support/databases.ts';
import { startTestJobs, testServices, waitFor } from '../support/jobs.ts';
import { entity, packOf } from '../support/packs.ts';
import { must, openTestRuntime } from '../support/runtime.ts';

const contact = entity(
  'contact',
  {
    full_name: { type: 'string', maxLength: 200 },
    email: { type: 'string', format: 'email', 'x-unique': true },
    mobile: { type: 'string', format: 'phone' },
    notes: { type: 'string', 'x-type': 'long_text' },
    stage: { type: 'string', enum: ['lead', 'customer'] },
    score: { type: 'integer' },
    email_consent: { type: 'object', 'x-consent': 'email' },
    sms_consent: { type: 'object', 'x-consent': 'sms' },
  },
  { required: ['full_name', 'email'], 'x-title-field': 'full_name' },
);
const deal = entity('deal', {
  title: { type: 'string', 'x-personal': false },
  amount: { type: 'object', 'x-type': 'money', 'x-default-currency': 'USD' },
  contact_id: { type: 'string', format: 'uuid', 'x-ref': 'contact', 'x-on-delete': 'set-null' },
});
const workflows = [
  { name: 'welcome_email', entity: 'contact', trigger: { on: 'record.created' }, actions: [{ id: 'mail', type: 'send_email', to: '{{record.email}}', subject: 'Welcome {{record.full_name}}', text: 'Hello {{record.full_name}}' }] },
  { name: 'welcome_sms', entity: 'contact', trigger: { on: 'record.created' }, condition: 'not is_empty(mobile)', actions: [{ id: 'sms', type: 'send_sms', to: '{{record.mobile}}', text: 'Hi {{record.full_name}}' }] },
];

describe.each(BACKENDS)('privacy and consent (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let stop: () => Promise<void>;
  let admin: AuthUser;
  let clerk: AuthUser;
  let smsServer: Server;
  const texts: string[] = [];
  let mailer: ReturnType<typeof testServices>['mailer'];

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_privacy'));
    const a = await createUser(runtime.database.db, { email: 'admin@example.com', name: 'Admin', password: 'correct horse battery', isAdmin: true });
    const c = await createUser(runtime.database.db, { email: 'clerk@example.com', name: 'Clerk', password: 'correct horse battery', isAdmin: false });
    if (!a.ok || !c.ok) throw new Error('users');
    admin = { ...a.user, mustChangePassword: false };
    clerk = { ...c.user, mustChangePassword: false };
    const applied = await applyPack(runtime.database, packOf([contact, deal], {}, workflows), { actorId: null });
    if (!applied.ok) throw new Error(JSON.stringify(applied));
    await runtime.refresh();
    smsServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        texts.push(body);
        response.end('ok');
      });
    });
    smsServer.listen(0, '127.0.0.1');
    await once(smsServer, 'listening');
    const port = (smsServer.address() as AddressInfo).port;
    const services = testServices({ sms: smsConfigFromEnv({ PEYVAND_SMS_URL: `http://127.0.0.1:${port}/sms` }) });
    mailer = services.mailer;
    ({ stop } = await startTestJobs(runtime, 'in-process', { services }));
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    smsServer?.close();
    await dispose?.();
  });

  const ctx = (): RecordContext => ({ db: runtime.database.db, actorId: admin.id, access: SYSTEM_ACCESS });
  const model = () => runtime.current().model;
  const entityOf = (name: string) => {
    const found = model().entities.find((e) => e.name === name);
    if (!found) throw new Error(name);
    return found;
  };
  const runsSettled = async (recordId: string, count: number) =>
    waitFor(async () => {
      const { runs } = await listRuns(runtime.database.db, { recordId });
      return runs.length >= count && runs.every((r) => ['done', 'failed', 'dead'].includes(r.status)) ? runs : undefined;
    }, `${count} runs of ${recordId}`);
  const stepsOf = async (recordId: string) =>
    (await sql<{ action: string; status: string; output: unknown }>`select s.action, s.status, s.output from peyvand.workflow_steps s join peyvand.workflow_runs r on r.id = s.run_id where r.record_id = ${recordId} order by s.action`.execute(runtime.database.db)).rows;

  it('skips email and SMS without consent and sends them with it', async () => {
    const without = must(await createRecord(ctx(), entityOf('contact'), { full_name: 'Nima No', email: 'nima@example.com', mobile: '+989121111111', email_consent: { granted: false, source: 'web form' } }));
    const withConsent = must(
      await createRecord(ctx(), entityOf('contact'), {
        full_name: 'Yara Yes',
        email: 'yara@example.com',
        mobile: '+989122222222',
        email_consent: { granted: true, source: 'web form' },
        sms_consent: { granted: true, source: 'phone call' },
      }),
    );
    await runsSettled(String(without.id), 2);
    await runsSettled(String(withConsent.id), 2);
    const skipped = await stepsOf(String(without.id));
    expect(skipped.map((s) => [s.action, s.status])).toEqual([
      ['send_email', 'skipped'],
      ['send_sms', 'skipped'],
    ]);
    expect(JSON.stringify(skipped)).toContain('no email consent');
    expect(JSON.stringify(skipped)).toContain('no sms consent');
    // The dry run on the same contact says the step would be skipped, and why.
    const welcome = model().workflows.find((w) => w.name === 'welcome_email');
    if (!welcome) throw new Error('welcome_email');
    const dry = await dryRun(runtime.database.db, model(), { workflow: welcome, recordId: String(without.id), user: null, services: testServices() });
    if (!dry.ok) throw new Error(dry.message);
    expect(dry.value.steps.map((st) => [st.stepId, st.status])).toEqual([['mail', 'would-skip']]);
    expect(dry.value.steps[0]?.detail).toContain('no email consent');
    expect((await stepsOf(String(withConsent.id))).map((s) => [s.action, s.status])).toEqual([
      ['send_email', 'ok'],
      ['send_sms', 'ok'],
    ]);
    expect(mailer.sent.map((m) => m.to)).toEqual([['yara@example.com']]);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('+989122222222');
  });

  it('stamps the consent time on the server and filters on granted', async () => {
    const before = new Date().toISOString();
    const created = must(await createRecord(ctx(), entityOf('contact'), { full_name: 'Tara Time', email: 'tara@example.com', email_consent: { granted: true, source: 'import' } }));
    const consent = created.email_consent as JsonObject;
    expect(consent.granted).toBe(true);
    expect(typeof consent.at === 'string' && consent.at >= before).toBe(true);
    const granted = must(await listRecords(ctx(), entityOf('contact'), { filter: { field: 'email_consent', op: 'eq', value: true } }));
    expect(granted.items.map((r) => r.full_name)).toContain('Tara Time');
    expect(granted.items.map((r) => r.full_name)).not.toContain('Nima No');
    const never = must(await listRecords(ctx(), entityOf('contact'), { filter: { field: 'sms_consent', op: 'is_null', value: true } }));
    expect(never.items.map((r) => r.full_name)).toContain('Tara Time');
  });

  it('exports the person with every referencing record, history, consents and runs', async () => {
    const person = must(await createRecord(ctx(), entityOf('contact'), { full_name: 'Sara Secret', email: 'sara.secret@example.com', mobile: '+989123456789', notes: 'met at the fair', stage: 'customer', score: 7, email_consent: { granted: true, source: 'web form' } }));
    const id = String(person.id);
    await runsSettled(id, 2);
    must(await updateRecord(ctx(), entityOf('contact'), { id, version: 1, values: { full_name: 'Sara Secretary' } }));
    const d1 = must(await createRecord(ctx(), entityOf('deal'), { title: 'Big deal', amount: { amount: '1000.50', currency: 'USD' }, contact_id: id }));
    must(await createRecord(ctx(), entityOf('deal'), { title: 'Small deal', amount: { amount: '20', currency: 'USD' }, contact_id: id }));

    const exported = await exportPerson(runtime.database.db, model(), { entity: 'contact', id, actorId: admin.id });
    if (!exported.ok) throw new Error(exported.message);
    const doc = exported.value;
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
    expect((doc.record as JsonObject).full_name).toBe('Sara Secretary');
    expect(doc.generatedBy).toMatchObject({ id: admin.id, email: 'admin@example.com' });
    const related = doc.referencedBy as JsonObject[];
    expect(related).toHaveLength(1);
    expect(related[0]).toMatchObject({ entity: 'deal', field: 'contact_id' });
    expect((related[0]?.records as JsonObject[]).map((r) => r.id)).toContain(d1.id);
    expect((doc.history as JsonObject[]).map((h) => h.action)).toEqual(['create', 'update']);
    expect(doc.consents).toEqual([
      { at: expect.any(String) as string, channel: 'email', field: 'email_consent', granted: true, source: 'web form' },
      { at: null, channel: 'sms', field: 'sms_consent', granted: null, source: null },
    ]);
    expect((doc.workflowRuns as JsonObject[]).length).toBe(2);

    // Erasure, by an administrator through the API; a clerk is refused.
    await expect(runtime.caller(clerk).privacy.erasePerson({ entity: 'contact', id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(runtime.caller(clerk).privacy.exportPerson({ entity: 'contact', id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const sumBefore = await sql<{ s: string }>`select sum(amount__amount)::text as s from data.deal where contact_id = ${id}`.execute(runtime.database.db);
    const erased = await runtime.caller(admin).privacy.erasePerson({ entity: 'contact', id });
    expect([...erased.erased].sort()).toEqual(['email', 'email_consent', 'full_name', 'mobile', 'notes']);
    expect(erased.kept).toEqual(expect.arrayContaining(['stage', 'score', 'sms_consent'].filter((f) => f !== 'sms_consent')));

    const row = (await sql<Record<string, unknown>>`select * from data.contact where id = ${id}`.execute(runtime.database.db)).rows[0];
    expect(row).toMatchObject({ full_name: '[erased]', email: `erased+${id}@invalid.example`, mobile: null, notes: null, stage: 'customer', score: 7, email_consent__granted: true, email_consent__source: '[erased]' });
    expect(String(row?._search)).not.toMatch(/sara|secret/i);
    const found = must(await listRecords(ctx(), entityOf('contact'), { search: 'Secretary' }));
    expect(found.items).toHaveLength(0);

    const sumAfter = await sql<{ s: string }>`select sum(amount__amount)::text as s from data.deal where contact_id = ${id}`.execute(runtime.database.db);
    expect(sumAfter.rows[0]?.s).toBe(sumBefore.rows[0]?.s);
    expect(sumAfter.rows[0]?.s).toBe('1020.50');

    const traces = await Promise.all([
      sql<{ t: string }>`select changes::text as t from peyvand.audit_log where record_id = ${id}`.execute(runtime.database.db),
      sql<{ t: string }>`select payload::text as t from peyvand.outbox where record_id = ${id}`.execute(runtime.database.db),
      sql<{ t: string }>`select input::text as t from peyvand.workflow_runs where record_id = ${id}`.execute(runtime.database.db),
      sql<{ t: string }>`select coalesce(s.input::text, '') || coalesce(s.output::text, '') as t from peyvand.workflow_steps s join peyvand.workflow_runs r on r.id = s.run_id where r.record_id = ${id}`.execute(runtime.database.db),
    ]);
    for (const trace of traces) {
      expect(trace.rows.length).toBeGreaterThan(0);
      for (const r of trace.rows) expect(r.t).not.toMatch(/Sara|secret@|989123456789|met at the fair/);
    }
    const audit = await runtime.database.db.selectFrom('peyvand.audit_log').select(['action', 'actor_id', 'changes']).where('record_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'update']);
    expect(audit[2]).toMatchObject({ actor_id: admin.id, changes: { full_name: { old: '[erased]', new: '[erased]' } } });

    const requests = await privacyRequests(runtime.database.db, 'contact', id);
    expect(requests.map((r) => r.action)).toEqual(['erase', 'export']);
    expect(requests[0]).toMatchObject({ actor: { id: admin.id }, detail: { fields: expect.arrayContaining(['full_name']) as string[] } });
    expect(JSON.stringify(requests)).not.toMatch(/Sara|secret@/);

    // Twice is harmless: nothing left to erase, one more log line.
    const again = await erasePerson(runtime.database.db, model(), { entity: 'contact', id, actorId: admin.id });
    expect(again).toMatchObject({ ok: true, value: { erased: [], counts: { auditEntries: 0, outboxEvents: 0, workflowRuns: 0, workflowSteps: 0 } } });
    expect((await runtime.database.db.selectFrom('peyvand.audit_log').select('id').where('record_id', '=', id).execute()).length).toBe(3);
  });

  it('refuses an unknown entity or record', async () => {
    expect(await erasePerson(runtime.database.db, model(), { entity: 'nope', id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', actorId: admin.id })).toMatchObject({ ok: false, code: 'not-found' });
    expect(await erasePerson(runtime.database.db, model(), { entity: 'contact', id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', actorId: admin.id })).toMatchObject({ ok: false, code: 'not-found' });
    expect(await exportPerson(runtime.database.db, model(), { entity: 'contact', id: 'not-a-uuid' })).toMatchObject({ ok: false, code: 'not-found' });
    await expect(runtime.caller(admin).privacy.exportPerson({ entity: 'contact', id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
