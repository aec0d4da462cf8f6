/**
 * The access-control choke point, attacked through the real API on both backends (issue 6,
 * SECURITY.md items 2 and 3): record scopes by role and team tree, shares, hidden and read-only
 * fields on every read path (get, list, count, filter with every operator, sort, search, history,
 * export, relation titles, meta.model, workflow merge fields and dry runs), allow-listed writes,
 * imports, a role revoked mid-session, a disabled workflow identity, and token scopes.
 *
 * The rule checked throughout: a record out of reach answers exactly like a missing id, and a
 * hidden field answers exactly like a field that does not exist.
 */
import { PassThrough } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime, startApiServer, type TestApiServer } from '../support/runtime.ts';
import { startTestJobs, testServices, waitFor } from '../support/jobs.ts';
import { buildAccessFixture, HookMailer, makeAuthUser, recordOf, ROLES, SECRETS, type AccessFixture } from '../support/security-fixture.ts';
import { grantRoles } from '../support/access.ts';
import { trpcReply, type TrpcReply } from './support.ts';
import { FIELD_TYPES } from '../../src/lib/fields/registry.ts';
import type { FilterOperator } from '../../src/lib/fields/names.ts';
import type { EntityModel, JsonValue } from '../../src/lib/model/types.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { PeyvandApiError } from '../../src/lib/server/api/trpc.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import { createToken, notifyAuthChange } from '../../src/lib/server/auth/tokens.ts';
import { exportRecords, type ExportResult } from '../../src/lib/server/data/export-service.ts';
import { runImport, type ImportResult } from '../../src/lib/server/data/import-service.ts';
import { memoryBytes, openTabular } from '../../src/lib/server/data/tabular-source.ts';
import { normaliseMapping, type ImportMappingDefinition } from '../../src/lib/data/import-mapping.ts';
import { relationTitles } from '../../src/lib/server/records/page-support.ts';
import type { HistoryEntry, RecordOutput } from '../../src/lib/server/records/record-service.ts';
import { grantIdentity } from '../../src/lib/server/rules/workflow-identity.ts';
import { saveWorkflow } from '../../src/lib/server/rules/workflow-service.ts';
import type { Jobs } from '../../src/lib/server/jobs/jobs.ts';

/** A well-formed id no record has. */
const MISSING_ID = '01900000-0000-7000-8000-0000000000ff';

interface ListReply {
  items: RecordOutput[];
  nextCursor: string | null;
  total?: number;
}

/** The procedures of `entities.<name>` as the caller exposes them (the router's type depends on the model). */
interface EntityApi {
  list(input: unknown): Promise<ListReply>;
  get(input: { id: string }): Promise<RecordOutput>;
  history(input: { id: string }): Promise<HistoryEntry[]>;
  runs(input: { id: string }): Promise<unknown[]>;
  create(input: unknown): Promise<RecordOutput>;
  bulkCreate(input: unknown): Promise<{ ids: string[] }>;
  update(input: { id: string; version: number; values: unknown }): Promise<RecordOutput>;
  delete(input: { id: string; version?: number }): Promise<{ id: string }>;
  runWorkflow(input: { workflow: string; id: string }): Promise<{ runId: string }>;
}

interface Answer {
  readonly code: string;
  readonly message: string;
  readonly peyvandCode: string | null;
}

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  try {
    const value = await call;
    throw new Error(`expected a refusal, got ${JSON.stringify(value)?.slice(0, 300)}`);
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

function answerOf(error: TRPCError): Answer {
  return { code: error.code, message: error.message, peyvandCode: error instanceof PeyvandApiError ? error.detail.peyvandCode : null };
}

async function answer(call: Promise<unknown>): Promise<Answer> {
  return answerOf(await refusal(call));
}

/** The full detail of a refusal (issues included), to compare two refusals field by field. */
async function detail(call: Promise<unknown>): Promise<unknown> {
  const error = await refusal(call);
  return { ...answerOf(error), issues: error instanceof PeyvandApiError ? (error.detail.issues ?? null) : null };
}

/** A plausible filter value for `op` on a field of `type` (the refusal must not depend on it). */
function sampleFilter(field: string, type: string, op: FilterOperator): { field: string; op: FilterOperator; value?: JsonValue } {
  const scalar: JsonValue =
    type === 'money' || type === 'decimal' || type === 'percent'
      ? '1'
      : type === 'integer'
        ? 1
        : type === 'relation'
          ? MISSING_ID
          : type === 'date'
            ? '2024-01-01'
            : type === 'datetime'
              ? '2024-01-01T00:00:00Z'
              : 'a';
  switch (op) {
    case 'is_null':
      return { field, op, value: false };
    case 'in':
    case 'not_in':
      return { field, op, value: [scalar] };
    case 'between':
      return { field, op, value: [scalar, scalar] };
    case 'contains':
    case 'starts_with':
      return { field, op, value: typeof scalar === 'string' ? scalar : String(scalar) };
    default:
      return { field, op, value: scalar };
  }
}

async function csvOf(run: (out: PassThrough) => Promise<ExportResult>): Promise<{ result: ExportResult; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const result = await run(out);
  if (!result.ok) out.end();
  return { result, text: Buffer.concat(chunks).toString('utf8') };
}

describe.each(BACKENDS)('access control on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let f: AccessFixture;
  let server: TestApiServer;
  let jobs: { jobs: Jobs; stop: () => Promise<void> };
  const mailer = new HookMailer();
  let workflowUser: AuthUser;

  const NOTICE_TEXT = 'Reason {{record.lost_reason}}; value {{record.close_value}}; agent {{record.sales_agent_id}}; title {{record.title}}';

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_acl'));
    f = await buildAccessFixture(runtime);
    workflowUser = await makeAuthUser(runtime, 'workflow-bot@peyvand.test');
    await grantRoles(runtime.database, [workflowUser.id], [ROLES.salesRep]);

    const notice = (name: string, tag: string) => ({
      name,
      entity: 'deal',
      trigger: { on: 'manual' },
      actions: [{ id: 'mail', type: 'send_email', to: 'boss@example.com', subject: `Deal {{record.title}} [${tag}]`, text: NOTICE_TEXT }],
    });
    const twoStep = {
      name: 'two_step',
      entity: 'deal',
      trigger: { on: 'manual' },
      actions: [
        { id: 'first', type: 'send_email', to: 'boss@example.com', subject: 'first step', text: 'one' },
        { id: 'second', type: 'send_email', to: 'boss@example.com', subject: 'second step', text: 'two' },
      ],
    };
    for (const document of [notice('rep_notice', 'rep'), notice('platform_notice', 'platform'), twoStep]) {
      const saved = await saveWorkflow(runtime.database, { document, actorId: f.users.admin.id });
      if (!saved.ok) throw new Error(`workflow ${document.name}: ${saved.message} ${JSON.stringify(saved.issues)}`);
    }
    await runtime.refresh();
    for (const [workflow, userId] of [
      ['rep_notice', f.users.repA.id],
      ['two_step', workflowUser.id],
    ] as const) {
      const granted = await grantIdentity(runtime.database.db, { workflow, userId, grantedBy: f.users.admin.id });
      if (!granted.ok) throw new Error(granted.error);
    }
    runtime.forgetAuthentications();
    jobs = await startTestJobs(runtime, 'in-process', { services: testServices({ mailer }) });
    server = await startApiServer(runtime);
  });

  afterAll(async () => {
    await server?.close();
    await jobs?.stop();
    await dispose?.();
    expect(server?.errors ?? []).toEqual([]);
  });

  function api(user: AuthUser, entity: 'deal' | 'contact' | 'company' = 'deal'): EntityApi {
    const entities = runtime.caller(user).entities as unknown as Record<string, EntityApi>;
    const router = entities[entity];
    if (!router) throw new Error(`no API for ${entity}`);
    return router;
  }

  async function ids(user: AuthUser, entity: 'deal' | 'contact' | 'company', input: Record<string, unknown> = {}): Promise<string[]> {
    const page = await api(user, entity).list({ limit: 200, ...input });
    return page.items.map((r) => String(r.id)).sort();
  }

  /** The stored row, read past every check. */
  async function stored(entity: string, id: string): Promise<Record<string, unknown> | undefined> {
    const result = await sql<Record<string, unknown>>`select * from ${sql.id('data', entity)} where id = ${id}`.execute(runtime.database.db);
    return result.rows[0];
  }

  async function count(entity: string): Promise<number> {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.id('data', entity)}`.execute(runtime.database.db);
    return Number(result.rows[0]?.n);
  }

  async function share(entity: string, recordId: string, grantee: { user?: string; team?: string }, access: 'read' | 'edit'): Promise<string> {
    const id = uuidv7();
    await runtime.database.db
      .insertInto('peyvand.record_shares')
      .values({ id, entity, record_id: recordId, user_id: grantee.user ?? null, team_id: grantee.team ?? null, access, created_by: f.users.admin.id })
      .execute();
    return id;
  }

  async function unshare(id: string): Promise<void> {
    await runtime.database.db.deleteFrom('peyvand.record_shares').where('id', '=', id).execute();
  }

  async function versionOf(entity: string, id: string): Promise<number> {
    return Number((await stored(entity, id))?.version);
  }

  const sorted = (list: readonly string[]) => [...list].sort();

  // ── 1. Record scope ──────────────────────────────────────────────────────────────────────────

  describe('record scope', () => {
    it('shows a rep their own deals only and a manager the deals of their team and its sub-teams', async () => {
      expect(await ids(f.users.repA, 'deal')).toEqual([f.deals.repA]);
      expect(await ids(f.users.repA2, 'deal')).toEqual([f.deals.repA2]);
      expect(await ids(f.users.repB, 'deal')).toEqual([f.deals.repB]);
      expect(await ids(f.users.manager, 'deal')).toEqual(sorted(Object.values(f.deals)));
      expect(await ids(f.users.admin, 'deal')).toEqual(expect.arrayContaining(Object.values(f.deals)));
      // A deal owned by nobody (seed data) is nobody's but the administrator's.
      const orphan = await recordOf(runtime, f.entities.deal, null, { title: 'Orphan deal', company_id: f.companies.repA, stage: 'proposal' });
      try {
        expect(await ids(f.users.admin, 'deal')).toContain(orphan);
        for (const user of [f.users.manager, f.users.repA, f.users.repB]) expect(await ids(user, 'deal')).not.toContain(orphan);
      } finally {
        await api(f.users.admin).delete({ id: orphan });
      }
    });

    it('counts only reachable records (includeTotal, exact and capped)', async () => {
      expect((await api(f.users.repA).list({ includeTotal: true })).total).toBe(1);
      expect((await api(f.users.repB).list({ includeTotal: { upTo: 100 } })).total).toBe(1);
      expect((await api(f.users.manager).list({ includeTotal: true })).total).toBe(4);
      expect((await api(f.users.repA, 'contact').list({ includeTotal: true })).total).toBe(2);
    });

    it('gives team scope over contacts: Tehran sees Tehran, never Dubai', async () => {
      expect(await ids(f.users.repA, 'contact')).toEqual(sorted([f.contacts.repA, f.contacts.repA2]));
      expect(await ids(f.users.repB, 'contact')).toEqual([f.contacts.repB]);
      expect(await ids(f.users.repA, 'company')).toEqual(sorted([f.companies.repA, f.companies.repA2]));
      // A filter or search cannot widen the scope: asking for the id outright finds nothing.
      expect(await ids(f.users.repA, 'contact', { filter: { field: 'id', op: 'eq', value: f.contacts.repB } })).toEqual([]);
      expect(await ids(f.users.repA, 'contact', { filter: { or: [{ field: 'owner', op: 'eq', value: f.users.repB.id }, { field: 'id', op: 'in', value: [f.contacts.repB] }] } })).toEqual([]);
      expect(await ids(f.users.repA, 'contact', { search: 'Omar Haddad' })).toEqual([]);
      expect(await ids(f.users.repB, 'deal', { search: 'Tehran metro' })).toEqual([]);
      expect(await ids(f.users.repA, 'deal', { search: 'Tehran metro' })).toEqual([f.deals.repA]);
    });

    it('answers every procedure on another user\'s deal exactly like a missing id', async () => {
      const repB = api(f.users.repB);
      const calls: [string, (id: string) => Promise<unknown>][] = [
        ['get', (id) => repB.get({ id })],
        ['history', (id) => repB.history({ id })],
        ['runs', (id) => repB.runs({ id })],
        ['update', (id) => repB.update({ id, version: 1, values: { title: 'Stolen' } })],
        ['delete', (id) => repB.delete({ id })],
        ['runWorkflow', (id) => repB.runWorkflow({ workflow: 'platform_notice', id })],
      ];
      for (const [name, call] of calls) {
        const missing = await answer(call(MISSING_ID));
        expect(await answer(call(f.deals.repA)), name).toEqual(missing);
        if (name !== 'delete') expect(missing, name).toMatchObject({ code: 'NOT_FOUND', message: 'no deal with this id' });
      }
      expect(await stored('deal', f.deals.repA)).toMatchObject({ title: 'Tiles for Tehran metro' });
    });

    it('answers every procedure on a contact of another team exactly like a missing id', async () => {
      const repA = api(f.users.repA, 'contact');
      const calls: [string, (id: string) => Promise<unknown>][] = [
        ['get', (id) => repA.get({ id })],
        ['history', (id) => repA.history({ id })],
        ['runs', (id) => repA.runs({ id })],
        ['update', (id) => repA.update({ id, version: 1, values: { job_title: 'Spy' } })],
        ['delete', (id) => repA.delete({ id })],
      ];
      for (const [name, call] of calls) {
        const missing = await answer(call(MISSING_ID));
        expect(missing, name).toMatchObject({ code: 'NOT_FOUND', message: 'no contact with this id', peyvandCode: 'not-found' });
        expect(await answer(call(f.contacts.repB)), name).toEqual(missing);
      }
      expect(await stored('contact', f.contacts.repB)).toMatchObject({ full_name: 'Omar Haddad', job_title: null });
    });

    it('shows no title for a related record the user may not read', async () => {
      const mine = await api(f.users.repA).get({ id: f.deals.repA });
      expect(mine.contact_id).toBe(f.contacts.repB);
      const titles = await relationTitles(runtime, f.users.repA, f.entities.deal, [mine]);
      expect(titles[f.companies.repA]).toBe('Tehran Tiles');
      expect(titles).not.toHaveProperty(f.contacts.repB);
      expect(JSON.stringify(titles)).not.toContain('Omar');
      const asAdmin = await relationTitles(runtime, f.users.admin, f.entities.deal, [await api(f.users.admin).get({ id: f.deals.repA })]);
      expect(asAdmin[f.contacts.repB]).toBe('Omar Haddad');
    });

    it('answers over HTTP with a bearer token exactly as in process', async () => {
      const { token } = await createToken(runtime.database.db, { userId: f.users.repB.id, name: 'repB script', kind: 'api' });
      const get = async (id: string): Promise<TrpcReply> =>
        trpcReply(await fetch(`${server.base}/trpc/entities.deal.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, { headers: { authorization: `Bearer ${token}` } }));
      const hidden = await get(f.deals.repA);
      const missing = await get(MISSING_ID);
      expect(hidden.status).toBe(404);
      expect(hidden.status).toBe(missing.status);
      expect(hidden.body.error?.message).toBe(missing.body.error?.message);
      expect(hidden.body.error?.data).toEqual(missing.body.error?.data);
      const list = await trpcReply(await fetch(`${server.base}/trpc/entities.deal.list?input=${encodeURIComponent(JSON.stringify({ includeTotal: true }))}`, { headers: { authorization: `Bearer ${token}` } }));
      const data = list.body.result?.data as ListReply;
      expect(data.items.map((r) => r.id)).toEqual([f.deals.repB]);
      expect(data.total).toBe(1);
    });
  });

  // ── 2. Sharing ───────────────────────────────────────────────────────────────────────────────

  describe('sharing', () => {
    it('lets a read share read but not change', async () => {
      const id = await share('deal', f.deals.repA, { user: f.users.repB.id }, 'read');
      try {
        expect(await ids(f.users.repB, 'deal')).toEqual(sorted([f.deals.repA, f.deals.repB]));
        const got = await api(f.users.repB).get({ id: f.deals.repA });
        expect(got.title).toBe('Tiles for Tehran metro');
        // The share opens the record, not the fields the role hides.
        expect(got).not.toHaveProperty('lost_reason');
        const version = await versionOf('deal', f.deals.repA);
        expect(await answer(api(f.users.repB).update({ id: f.deals.repA, version, values: { title: 'Shared and stolen' } }))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
        expect(await versionOf('deal', f.deals.repA)).toBe(version);
        // Nobody else gained anything.
        expect(await ids(f.users.repA2, 'deal')).toEqual([f.deals.repA2]);
      } finally {
        await unshare(id);
      }
      expect(await ids(f.users.repB, 'deal')).toEqual([f.deals.repB]);
    });

    it('lets an edit share change the record but never delete it', async () => {
      const id = await share('contact', f.contacts.repA, { user: f.users.repB.id }, 'edit');
      try {
        const version = await versionOf('contact', f.contacts.repA);
        const updated = await api(f.users.repB, 'contact').update({ id: f.contacts.repA, version, values: { job_title: 'Buyer' } });
        expect(updated.job_title).toBe('Buyer');
        // repB may delete their own contacts, but a share never widens delete.
        expect(await answer(api(f.users.repB, 'contact').delete({ id: f.contacts.repA }))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
        expect(await stored('contact', f.contacts.repA)).toBeDefined();
      } finally {
        await unshare(id);
      }
    });

    it('does not let an edit share become a delete by taking the record over', async () => {
      const target = await recordOf(runtime, f.entities.contact, f.users.repA.id, { full_name: 'Shared For Editing', email: 'shared.for.editing@tehran.example' });
      const id = await share('contact', target, { user: f.users.repB.id }, 'edit');
      try {
        // repB may delete contacts they own: owning this one would turn the edit share into a delete.
        const reassigned = await runtime.caller(f.users.repB).access.owner.reassign({ entity: 'contact', id: target, owner: f.users.repB.id }).catch((error: unknown) => String(error));
        const deleted = await api(f.users.repB, 'contact').delete({ id: target }).catch((error: unknown) => String(error));
        expect(await stored('contact', target), `the contact shared for editing was deleted (reassign: ${JSON.stringify(reassigned)}, delete: ${JSON.stringify(deleted)})`).toBeDefined();
        expect(await stored('contact', target), 'the share grantee took the contact over').toMatchObject({ owner: f.users.repA.id });
      } finally {
        await unshare(id);
      }
    });

    it('reaches the members of a team shared with, and of its sub-teams', async () => {
      const toDubai = await share('deal', f.deals.repA2, { team: f.teams.dubai }, 'read');
      const toSales = await share('deal', f.deals.manager, { team: f.teams.sales }, 'read');
      try {
        expect(await ids(f.users.repB, 'deal')).toEqual(sorted([f.deals.repA2, f.deals.repB, f.deals.manager]));
        // Tehran is under Sales, not under Dubai.
        expect(await ids(f.users.repA, 'deal')).toEqual(sorted([f.deals.repA, f.deals.manager]));
        expect(await ids(f.users.support, 'contact')).toHaveLength(await count('contact'));
        expect(await answer(api(f.users.support).list({}))).toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        await unshare(toDubai);
        await unshare(toSales);
      }
    });
  });

  // ── 3. Hidden fields ─────────────────────────────────────────────────────────────────────────

  describe('hidden fields', () => {
    const DEAL_HIDDEN = ['close_value', 'lost_reason', 'sales_agent_id'];
    const CONTACT_HIDDEN = ['email', 'phone'];

    function expectNoSecrets(value: unknown, what: string): void {
      const text = JSON.stringify(value);
      for (const secret of [SECRETS.lostReason, SECRETS.closeValue, f.salesAgent]) expect(text, what).not.toContain(secret);
    }

    it('leaves them out of get, list, create and update results', async () => {
      const rep = api(f.users.repA);
      const got = await rep.get({ id: f.deals.repA });
      const listed = (await rep.list({})).items;
      for (const field of DEAL_HIDDEN) {
        expect(got, field).not.toHaveProperty(field);
        for (const item of listed) expect(item, field).not.toHaveProperty(field);
      }
      expectNoSecrets(got, 'get');
      expectNoSecrets(listed, 'list');
      const created = await rep.create({ title: 'Fresh rep deal', company_id: f.companies.repA, stage: 'proposal' });
      for (const field of DEAL_HIDDEN) expect(created, field).not.toHaveProperty(field);
      const updated = await rep.update({ id: f.deals.repA, version: Number(got.version), values: { expected_close: '2031-03-01' } });
      for (const field of DEAL_HIDDEN) expect(updated, field).not.toHaveProperty(field);
      expectNoSecrets(updated, 'update');
      expect(updated.expected_close).toBe('2031-03-01');
      // And out of a conflict's "current" record.
      const conflict = await refusal(rep.update({ id: f.deals.repA, version: 1, values: { expected_close: '2031-04-01' } }));
      expect(conflict.code).toBe('CONFLICT');
      expectNoSecrets(conflict instanceof PeyvandApiError ? conflict.detail : null, 'conflict');

      const support = await api(f.users.support, 'contact').get({ id: f.contacts.repB });
      expect(support.full_name).toBe('Omar Haddad');
      for (const field of CONTACT_HIDDEN) expect(support, field).not.toHaveProperty(field);
      const everyone = JSON.stringify((await api(f.users.support, 'contact').list({ limit: 200 })).items);
      expect(everyone).not.toContain(SECRETS.contactEmail);
      expect(everyone).not.toContain(SECRETS.contactPhone);
    });

    it('leaves them out of history, and an update of a hidden field alone leaves no visible entry', async () => {
      const before = await api(f.users.repA).history({ id: f.deals.repA });
      expect(before.some((e) => e.action === 'create')).toBe(true);
      for (const entry of before) for (const field of DEAL_HIDDEN) expect(entry.changes, field).not.toHaveProperty(field);
      expectNoSecrets(before, 'history');

      const adminBefore = await api(f.users.admin).history({ id: f.deals.repA });
      const version = await versionOf('deal', f.deals.repA);
      await api(f.users.admin).update({ id: f.deals.repA, version, values: { lost_reason: `${SECRETS.lostReason} again` } });
      expect(await api(f.users.admin).history({ id: f.deals.repA })).toHaveLength(adminBefore.length + 1);
      const after = await api(f.users.repA).history({ id: f.deals.repA });
      expect(after).toHaveLength(before.length);
      expectNoSecrets(after, 'history after a hidden change');

      const supportHistory = await api(f.users.support, 'contact').history({ id: f.contacts.repB });
      expect(JSON.stringify(supportHistory)).not.toContain(SECRETS.contactEmail);
      expect(JSON.stringify(supportHistory)).not.toContain(SECRETS.contactPhone);
    });

    it('leaves them out of meta.model, and entities without read rights altogether', async () => {
      const model = (await runtime.caller(f.users.repA).meta.model()) as { entities: EntityModel[] };
      const deal = model.entities.find((e) => e.name === 'deal');
      expect(deal?.fields.map((x) => x.name)).toEqual(expect.arrayContaining(['title', 'probability']));
      for (const field of DEAL_HIDDEN) expect(deal?.fields.map((x) => x.name), field).not.toContain(field);
      expect(deal?.fields.find((x) => x.name === 'probability')?.readOnly).toBe(true);
      const supportModel = (await runtime.caller(f.users.support).meta.model()) as { entities: EntityModel[] };
      expect(supportModel.entities.map((e) => e.name)).not.toContain('deal');
      const contact = supportModel.entities.find((e) => e.name === 'contact');
      for (const field of CONTACT_HIDDEN) expect(contact?.fields.map((x) => x.name), field).not.toContain(field);
    });

    it('leaves them out of an export: no header, no value', async () => {
      const access = await runtime.accessOf(f.users.support);
      const { result, text } = await csvOf((out) =>
        exportRecords({ db: runtime.database.db, model: runtime.current().model, entity: f.entities.contact, actor: { kind: 'user', user: f.users.support, access }, format: 'csv', out }),
      );
      expect(result).toMatchObject({ ok: true });
      const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '').split(',');
      expect(header).toContain('full_name');
      for (const field of CONTACT_HIDDEN) expect(header, field).not.toContain(field);
      expect(text).toContain('Omar Haddad');
      expect(text).not.toContain(SECRETS.contactEmail);
      expect(text).not.toContain(SECRETS.contactPhone);
      expect(text).not.toContain('arash@tehran.example');

      // Asking for a hidden field by name, filtering or searching on it: as for a field that does not exist.
      const ask = (list: Parameters<typeof exportRecords>[0]['list'], fields?: string[]) =>
        csvOf((out) =>
          exportRecords({ db: runtime.database.db, model: runtime.current().model, entity: f.entities.contact, actor: { kind: 'user', user: f.users.support, access }, format: 'csv', out, ...(list ? { list } : {}), ...(fields ? { fields } : {}) }),
        );
      const byName = (await ask(undefined, ['full_name', 'email'])).result;
      const unknownName = (await ask(undefined, ['full_name', 'no_such_field'])).result;
      expect(byName).toEqual({ ok: false, code: 'invalid', message: '"email" is not a field of contact' });
      expect(unknownName).toEqual({ ok: false, code: 'invalid', message: '"no_such_field" is not a field of contact' });
      expect((await ask({ filter: { field: 'email', op: 'contains', value: 'quixotic' } })).result).toEqual({ ok: false, code: 'invalid', message: '"email" is not a field of contact' });
      const searched = await ask({ search: 'quixotic' });
      expect(searched.result).toEqual({ ok: true, rows: 0 });

      // A rep may not export deals at all.
      const repAccess = await runtime.accessOf(f.users.repA);
      const refused = await csvOf((out) =>
        exportRecords({ db: runtime.database.db, model: runtime.current().model, entity: f.entities.deal, actor: { kind: 'user', user: f.users.repA, access: repAccess }, format: 'csv', out }),
      );
      expect(refused.result).toMatchObject({ ok: false, code: 'forbidden' });
      expect(refused.text).toBe('');
    });

    it('refuses a filter on a hidden field with every operator its type allows, like an unknown field', async () => {
      const cases: [AuthUser, 'deal' | 'contact', EntityModel, readonly string[]][] = [
        [f.users.repA, 'deal', f.entities.deal, DEAL_HIDDEN],
        [f.users.support, 'contact', f.entities.contact, CONTACT_HIDDEN],
      ];
      let tried = 0;
      for (const [user, name, entity, hidden] of cases) {
        for (const fieldName of hidden) {
          const field = entity.fields.find((x) => x.name === fieldName);
          if (!field) throw new Error(`${name} has no ${fieldName}`);
          for (const op of FIELD_TYPES[field.type].operators) {
            const filter = sampleFilter(fieldName, field.type, op);
            const got = await detail(api(user, name).list({ filter }));
            const unknown = await detail(api(user, name).list({ filter: { ...filter, field: 'no_such_field' } }));
            const expected = JSON.parse(JSON.stringify(unknown).replaceAll('no_such_field', fieldName)) as unknown;
            expect(got, `${name}.${fieldName} ${op}`).toEqual(expected);
            expect(got, `${name}.${fieldName} ${op}`).toMatchObject({ code: 'BAD_REQUEST', message: `"${fieldName}" is not a field of ${name}` });
            // Nested in and/or groups too.
            expect(await answer(api(user, name).list({ filter: { or: [{ field: 'id', op: 'eq', value: MISSING_ID }, { and: [filter] }] } })), `${fieldName} ${op} nested`).toMatchObject({
              code: 'BAD_REQUEST',
              message: `"${fieldName}" is not a field of ${name}`,
            });
            tried++;
          }
        }
      }
      expect(tried).toBeGreaterThan(30);
      // The administrator filters on them as usual.
      expect(await ids(f.users.admin, 'deal', { filter: { field: 'lost_reason', op: 'contains', value: 'Zorblax' } })).toEqual([f.deals.repA]);
    });

    it('refuses a sort on a hidden field like an unknown field', async () => {
      for (const [user, name, hidden] of [
        [f.users.repA, 'deal', DEAL_HIDDEN],
        [f.users.support, 'contact', CONTACT_HIDDEN],
      ] as const) {
        for (const field of hidden) {
          const got = await detail(api(user, name).list({ sort: [{ field, direction: 'desc' }] }));
          const unknown = await detail(api(user, name).list({ sort: [{ field: 'no_such_field', direction: 'desc' }] }));
          expect(got, field).toEqual(JSON.parse(JSON.stringify(unknown).replaceAll('no_such_field', field)));
          expect(got, field).toMatchObject({ code: 'BAD_REQUEST', message: `"${field}" is not a field of ${name}` });
        }
      }
    });

    it('finds nothing by searching for a value only a hidden field holds', async () => {
      expect(await ids(f.users.repA, 'deal', { search: 'Zorblax' })).toEqual([]);
      expect(await ids(f.users.repA, 'deal', { search: 'undercut' })).toEqual([]);
      expect(await ids(f.users.admin, 'deal', { search: 'Zorblax' })).toEqual([f.deals.repA]);
      expect(await ids(f.users.support, 'contact', { search: 'quixotic' })).toEqual([]);
      expect(await ids(f.users.support, 'contact', { search: SECRETS.contactEmail })).toEqual([]);
      expect(await ids(f.users.admin, 'contact', { search: 'quixotic' })).toEqual([f.contacts.repB]);
      // The visible fields are still searched.
      expect(await ids(f.users.support, 'contact', { search: 'Omar' })).toEqual([f.contacts.repB]);
    });

    it('keeps them out of workflow merge fields for a workflow acting as the rep, but not as the platform', async () => {
      const rep = api(f.users.repA);
      const asRep = await rep.runWorkflow({ workflow: 'rep_notice', id: f.deals.repA });
      const asPlatform = await rep.runWorkflow({ workflow: 'platform_notice', id: f.deals.repA });
      const repMail = await waitFor(async () => mailer.sent.find((m) => m.subject.endsWith('[rep]')), 'the rep-identity email');
      const platformMail = await waitFor(async () => mailer.sent.find((m) => m.subject.endsWith('[platform]')), 'the platform email');
      expect(repMail.text).toContain('title Tiles for Tehran metro');
      expect(repMail.text).not.toContain('Zorblax');
      expect(repMail.text).not.toContain(SECRETS.closeValue);
      expect(repMail.text).not.toContain(f.salesAgent);
      // Control: the platform sees every field.
      expect(platformMail.text).toContain('Zorblax');
      expect(platformMail.text).toContain(f.salesAgent);

      const run = await waitFor(async () => {
        const row = await runtime.database.db.selectFrom('peyvand.workflow_runs').select(['status', 'error']).where('id', '=', asRep.runId).executeTakeFirst();
        return row?.status === 'done' ? row : undefined;
      }, 'the rep run to finish');
      expect(run.error).toBeNull();
      // The run's own trail (step inputs) shows what the identity saw.
      const steps = await runtime.database.db.selectFrom('peyvand.workflow_steps').select(['input', 'output']).where('run_id', '=', asRep.runId).execute();
      expect(JSON.stringify(steps)).not.toContain('Zorblax');
      expect(asPlatform.runId).not.toBe(asRep.runId);

      // The rep can see the runs of their own deal, repB cannot (covered above), and the dry run shows the same.
      expect((await rep.runs({ id: f.deals.repA })).length).toBeGreaterThanOrEqual(2);
      const admin = runtime.caller(f.users.admin);
      const dryRep = await admin.workflows.dryRun({ name: 'rep_notice', recordId: f.deals.repA });
      const dryPlatform = await admin.workflows.dryRun({ name: 'platform_notice', recordId: f.deals.repA });
      expect(JSON.stringify(dryRep)).toContain('Tiles for Tehran metro');
      expect(JSON.stringify(dryRep)).not.toContain('Zorblax');
      expect(JSON.stringify(dryRep)).not.toContain(SECRETS.closeValue);
      expect(JSON.stringify(dryPlatform)).toContain('Zorblax');
    });
  });

  // ── 4. Writes ────────────────────────────────────────────────────────────────────────────────

  describe('writes', () => {
    const SYSTEM_KEYS = (): [string, JsonValue][] => [
      ['owner', f.users.repB.id],
      ['created_by', f.users.repB.id],
      ['version', 99],
      ['id', uuidv7()],
      ['created_at', '2000-01-01T00:00:00.000Z'],
      ['updated_at', '2000-01-01T00:00:00.000Z'],
    ];

    it('refuses mass assignment of system fields in create, bulk create and update, changing nothing', async () => {
      const rep = api(f.users.repA);
      const deals = await count('deal');
      const before = await stored('deal', f.deals.repA);
      for (const [key, value] of SYSTEM_KEYS()) {
        const base = { title: `Mass ${key}`, company_id: f.companies.repA, stage: 'proposal' };
        expect(await detail(rep.create({ ...base, [key]: value })), `create ${key}`).toMatchObject({ code: 'BAD_REQUEST', peyvandCode: 'invalid', issues: [expect.objectContaining({ path: `/${key}` })] });
        expect(await answer(rep.bulkCreate({ records: [base, { ...base, [key]: value }] })), `bulk ${key}`).toMatchObject({ code: 'BAD_REQUEST', peyvandCode: 'invalid' });
        const version = await versionOf('deal', f.deals.repA);
        expect(await detail(rep.update({ id: f.deals.repA, version, values: { title: 'Renamed', [key]: value } })), `update ${key}`).toMatchObject({
          code: 'BAD_REQUEST',
          peyvandCode: 'invalid',
          issues: [expect.objectContaining({ path: `/${key}` })],
        });
      }
      expect(await count('deal')).toBe(deals);
      expect(await stored('deal', f.deals.repA)).toEqual(before);
      // The same through the contact entity, as a manager.
      const contacts = await count('contact');
      expect(await answer(api(f.users.manager, 'contact').create({ full_name: 'Owned elsewhere', email: 'owned@elsewhere.example', owner: f.users.repB.id }))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await count('contact')).toBe(contacts);
    });

    it('refuses writing a hidden field exactly like an unknown field, and a read-only field with a message', async () => {
      const rep = api(f.users.repA);
      const base = { title: 'Hidden write', company_id: f.companies.repA, stage: 'proposal' };
      const deals = await count('deal');
      const before = await stored('deal', f.deals.repA);
      for (const [field, value] of [
        ['lost_reason', 'written anyway'],
        ['close_value', { amount: '1', currency: 'USD' }],
        ['sales_agent_id', f.salesAgent],
      ] as const) {
        const created = await detail(rep.create({ ...base, [field]: value }));
        const createdUnknown = await detail(rep.create({ ...base, no_such_field: value }));
        expect(created, `create ${field}`).toEqual(JSON.parse(JSON.stringify(createdUnknown).replaceAll('no_such_field', field)));
        const version = await versionOf('deal', f.deals.repA);
        const updated = await detail(rep.update({ id: f.deals.repA, version, values: { [field]: value } }));
        const updatedUnknown = await detail(rep.update({ id: f.deals.repA, version, values: { no_such_field: value } }));
        expect(updated, `update ${field}`).toEqual(JSON.parse(JSON.stringify(updatedUnknown).replaceAll('no_such_field', field)));
        expect(updated, `update ${field}`).toMatchObject({ code: 'BAD_REQUEST', message: `"${field}" is not a field of deal` });
      }

      for (const [field, value] of [
        ['probability', '90'],
        ['opportunity_id', 'OPP-HIJACK'],
      ] as const) {
        const version = await versionOf('deal', f.deals.repA);
        expect(await detail(rep.update({ id: f.deals.repA, version, values: { [field]: value } })), field).toMatchObject({
          code: 'BAD_REQUEST',
          peyvandCode: 'invalid',
          message: `your role lets you read ${field} but not change it`,
          issues: [{ path: `/${field}`, field, message: `your role lets you read ${field} but not change it` }],
        });
        expect(await answer(rep.create({ ...base, [field]: value })), field).toMatchObject({ code: 'BAD_REQUEST', message: `your role lets you read ${field} but not change it` });
      }
      expect(await count('deal')).toBe(deals);
      expect(await stored('deal', f.deals.repA)).toEqual(before);
      // A manager (no field rules) may set them.
      const version = await versionOf('deal', f.deals.repA);
      expect((await api(f.users.manager).update({ id: f.deals.repA, version, values: { probability: '45' } })).probability).toBe('45');
    });

    it('refuses a create without the create right and a delete without the delete right with FORBIDDEN', async () => {
      const deals = await count('deal');
      const contacts = await count('contact');
      expect(await answer(api(f.users.support).create({ title: 'Support deal', company_id: f.companies.repA, stage: 'proposal' }))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
      expect(await answer(api(f.users.support, 'contact').create({ full_name: 'Support contact', email: 'support.contact@example.com' }))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
      expect(await count('deal')).toBe(deals);
      expect(await count('contact')).toBe(contacts);

      // Deals: the rep's role has no delete at all.
      expect(await answer(api(f.users.repA).delete({ id: f.deals.repA }))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
      // Contacts: delete 'own'. A teammate's contact is readable, so the refusal says FORBIDDEN…
      expect(await answer(api(f.users.repA, 'contact').delete({ id: f.contacts.repA2 }))).toMatchObject({ code: 'FORBIDDEN', message: 'your role does not let you delete this contact' });
      // …and an update of it too (update 'own').
      const version = await versionOf('contact', f.contacts.repA2);
      expect(await answer(api(f.users.repA, 'contact').update({ id: f.contacts.repA2, version, values: { job_title: 'Intern' } }))).toMatchObject({ code: 'FORBIDDEN', message: 'your role does not let you change this contact' });
      // …while another team's contact is simply not found.
      expect(await answer(api(f.users.repA, 'contact').delete({ id: f.contacts.repB }))).toEqual(await answer(api(f.users.repA, 'contact').delete({ id: MISSING_ID })));
      expect(await stored('deal', f.deals.repA)).toBeDefined();
      expect(await stored('contact', f.contacts.repA2)).toMatchObject({ job_title: null });
      expect(await stored('contact', f.contacts.repB)).toBeDefined();
      // Their own contact they may delete.
      const mine = await api(f.users.repA, 'contact').create({ full_name: 'Short lived', email: 'short.lived@tehran.example' });
      expect(mine.owner).toBe(f.users.repA.id);
      await api(f.users.repA, 'contact').delete({ id: String(mine.id) });
      expect(await stored('contact', String(mine.id))).toBeUndefined();
    });
  });

  // ── 5. Import ────────────────────────────────────────────────────────────────────────────────

  describe('import', () => {
    const CONTACT_MAPPING: ImportMappingDefinition = {
      entity: 'contact',
      columns: { name: 'full_name', email: 'email', company: 'company_id' },
      relations: { company_id: 'name' },
      dedupeOn: ['email'],
      onDuplicate: 'update',
      mode: 'valid-rows',
    };

    async function importContacts(user: AuthUser, csv: string, doc: ImportMappingDefinition = CONTACT_MAPPING): Promise<ImportResult> {
      const model = runtime.current().model;
      const opened = await openTabular(memoryBytes(csv));
      if (!opened.ok) throw new Error(opened.refusal.message);
      const mapping = normaliseMapping(doc, { model });
      if (!mapping.ok) throw new Error(JSON.stringify(mapping.issues));
      const access = await runtime.accessOf(user);
      return runImport({ db: runtime.database.db, model, source: opened.source, mapping: mapping.mapping, actor: { kind: 'user', user, access } });
    }

    it('refuses a rep without the import right', async () => {
      const contacts = await count('contact');
      const result = await importContacts(f.users.repA, 'name,email,company\nNobody,nobody@example.com,\n');
      expect(result.status).toBe('refused');
      expect(result.message).toContain('import');
      expect(await count('contact')).toBe(contacts);
    });

    it('with the right, matches duplicates and relation keys only among records the importer may read', async () => {
      await runtime.database.db.insertInto('peyvand.user_roles').values({ user_id: f.users.repA2.id, role: ROLES.contactImporter.name, granted_by: f.users.admin.id }).execute();
      await notifyAuthChange(runtime.database.db);
      runtime.forgetAuthentications();
      try {
        const csv = [
          'name,email,company',
          // repB's contact (Dubai): invisible, so it is no duplicate and must not be updated.
          `Omar Overwritten,${SECRETS.contactEmail},`,
          // repA's contact (Tehran): visible, but repA2 may change only their own.
          'Arash Overwritten,arash@tehran.example,',
          // A company of Dubai: invisible, so the key does not link…
          'Linked Elsewhere,linked.elsewhere@example.com,Dubai Dates Trading',
          // …exactly like a company that does not exist.
          'Linked Nowhere,linked.nowhere@example.com,No Such Company',
          // Their own company links.
          'Linked Home,linked.home@example.com,Isfahan Carpets',
        ].join('\n');
        const result = await importContacts(f.users.repA2, `${csv}\n`);
        expect(result.status).toBe('imported');
        expect(result.counts).toMatchObject({ rows: 5, created: 1, updated: 0, merged: 0 });
        expect(await stored('contact', f.contacts.repB)).toMatchObject({ full_name: 'Omar Haddad', owner: f.users.repB.id });
        expect(await stored('contact', f.contacts.repA)).toMatchObject({ full_name: 'Arash Tehrani', owner: f.users.repA.id });
        const elsewhere = result.issues.find((i) => i.row === 4);
        const nowhere = result.issues.find((i) => i.row === 5);
        expect(elsewhere?.field).toBe('company_id');
        expect(elsewhere?.message.replace('Dubai Dates Trading', 'X')).toBe(nowhere?.message.replace('No Such Company', 'X'));
        const linked = await sql<{ full_name: string; company_id: string | null; owner: string }>`select full_name, company_id, owner from data.contact where email like 'linked.%' order by full_name`.execute(runtime.database.db);
        expect(linked.rows).toEqual([{ full_name: 'Linked Home', company_id: f.companies.repA2, owner: f.users.repA2.id }]);
      } finally {
        await runtime.database.db.deleteFrom('peyvand.user_roles').where('user_id', '=', f.users.repA2.id).where('role', '=', ROLES.contactImporter.name).execute();
        await notifyAuthChange(runtime.database.db);
        runtime.forgetAuthentications();
      }
    });
  });

  describe('import keyed on a hidden field', () => {
    let importer: AuthUser;

    beforeAll(async () => {
      importer = await makeAuthUser(runtime, 'blind.importer@peyvand.test');
      await grantRoles(runtime.database, [importer.id], [ROLES.blindImporter]);
      runtime.forgetAuthentications();
    });

    async function run(csv: string, doc: ImportMappingDefinition): Promise<ImportResult> {
      const model = runtime.current().model;
      const opened = await openTabular(memoryBytes(csv));
      if (!opened.ok) throw new Error(opened.refusal.message);
      const mapping = normaliseMapping(doc, { model });
      if (!mapping.ok) throw new Error(JSON.stringify(mapping.issues));
      return runImport({ db: runtime.database.db, model, source: opened.source, mapping: mapping.mapping, actor: { kind: 'user', user: importer, access: await runtime.accessOf(importer) } });
    }

    /** What the importer learns from one run: status, counts and messages, with the probe value blanked. */
    const outcome = (result: ImportResult, probe: string) => ({
      status: result.status,
      counts: result.counts,
      issues: result.issues.map((i) => ({ row: i.row, field: i.field, message: i.message.replaceAll(probe, '<probe>') })),
    });

    it('does not let duplicate matching on a hidden field tell existing values from new ones', async () => {
      const doc: ImportMappingDefinition = { entity: 'contact', columns: { name: 'full_name', email: 'email' }, dedupeOn: ['email'], onDuplicate: 'skip', mode: 'valid-rows' };
      const contacts = await count('contact');
      const existing = await run(`name,email\nProbe,${SECRETS.contactEmail}\n`, doc);
      const unknown = await run('name,email\nProbe,no.such.person@nowhere.example\n', doc);
      expect(outcome(existing, SECRETS.contactEmail)).toEqual(outcome(unknown, 'no.such.person@nowhere.example'));
      expect(existing.counts.skipped).toBe(0);
      expect(await count('contact')).toBe(contacts);
    });

    it('does not link a relation through a key field hidden from the importer', async () => {
      const doc: ImportMappingDefinition = {
        entity: 'deal',
        columns: { title: 'title', company: 'company_id', contact: 'contact_id' },
        relations: { company_id: 'name', contact_id: 'email' },
        defaults: { stage: 'proposal' },
        mode: 'valid-rows',
      };
      const existing = await run(`title,company,contact\nProbe deal,Tehran Tiles,${SECRETS.contactEmail}\n`, doc);
      const unknown = await run('title,company,contact\nProbe deal,Tehran Tiles,no.such.person@nowhere.example\n', doc);
      const linked = await sql<{ id: string }>`select id from data.deal where contact_id = ${f.contacts.repB} and title = 'Probe deal'`.execute(runtime.database.db);
      for (const probe of await ids(f.users.admin, 'deal', { filter: { field: 'title', op: 'eq', value: 'Probe deal' } })) await api(f.users.admin).delete({ id: probe });
      expect(linked.rows, 'a deal linked to the contact through its hidden email').toEqual([]);
      expect(outcome(existing, SECRETS.contactEmail)).toEqual(outcome(unknown, 'no.such.person@nowhere.example'));
    });
  });

  // ── Aggregates ───────────────────────────────────────────────────────────────────────────────

  describe('aggregates', () => {
    it('does not reveal deals out of the user\'s reach through a company roll-up', async () => {
      // The manager's deal on repA's company is open; repA may not read it.
      const company = await api(f.users.repA, 'company').get({ id: f.companies.repA });
      const visibleOpen = (await api(f.users.repA).list({ filter: { and: [{ field: 'company_id', op: 'eq', value: f.companies.repA }, { field: 'stage', op: 'not_in', value: ['won', 'lost'] }] }, limit: 200 })).items;
      const allOpen = (await api(f.users.admin).list({ filter: { and: [{ field: 'company_id', op: 'eq', value: f.companies.repA }, { field: 'stage', op: 'not_in', value: ['won', 'lost'] }] }, limit: 200 })).items;
      expect(allOpen.length).toBeGreaterThan(visibleOpen.length);
      // Either the roll-up is withheld, or it counts what the user may see — never the others.
      expect([undefined, visibleOpen.length], 'open_deal_count as repA sees it').toContain(company.open_deal_count);
    });
  });

  // ── 6. Revocation ────────────────────────────────────────────────────────────────────────────

  describe('revocation', () => {
    it('refuses the very next call after the admin API revokes a role', async () => {
      const repD = await makeAuthUser(runtime, 'repd@peyvand.test');
      await grantRoles(runtime.database, [repD.id], [ROLES.salesRep]);
      const caller = api(repD);
      expect((await caller.list({})).items).toEqual([]);
      await runtime.caller(f.users.admin).access.users.setRoles({ userId: repD.id, roles: [] });
      expect(await answer(caller.list({}))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
    });

    // The database changed by another process (CLI, another server): only NOTIFY tells this one.
    // On PostgreSQL the notification arrives asynchronously, so the cached Access may still serve
    // the next call (docs/access-control.md promises "on the next request").
    it('refuses the very next call after a role is revoked mid-session', async () => {
      const repC = await makeAuthUser(runtime, 'repc@peyvand.test');
      await grantRoles(runtime.database, [repC.id], [ROLES.salesRep]);
      const mine = await recordOf(runtime, f.entities.deal, repC.id, { title: 'RepC deal', company_id: f.companies.repA, stage: 'proposal' });
      const caller = api(repC);
      expect((await caller.list({})).items.map((r) => r.id)).toEqual([mine]);
      expect((await caller.get({ id: mine })).title).toBe('RepC deal');
      await runtime.database.db.deleteFrom('peyvand.user_roles').where('user_id', '=', repC.id).execute();
      await notifyAuthChange(runtime.database.db);
      expect(await answer(caller.list({}))).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'forbidden' });
      expect(await answer(caller.get({ id: mine }))).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('fails the next workflow step with a clear error once the identity\'s user is disabled', async () => {
      mailer.beforeSend = async (email) => {
        if (email.subject !== 'first step') return;
        await runtime.database.db.updateTable('peyvand.users').set({ disabled_at: new Date() }).where('id', '=', workflowUser.id).execute();
      };
      try {
        const { runId } = await api(f.users.repA).runWorkflow({ workflow: 'two_step', id: f.deals.repA });
        const run = await waitFor(async () => {
          const row = await runtime.database.db.selectFrom('peyvand.workflow_runs').select(['status', 'error']).where('id', '=', runId).executeTakeFirst();
          return row && ['failed', 'dead', 'done'].includes(row.status) ? row : undefined;
        }, 'the two-step run to end');
        expect(run.status).toBe('failed');
        expect(run.error).toBe(`step second: the workflow runs as ${workflowUser.email}, whose account is disabled; an administrator must choose another user`);
        expect(mailer.sent.filter((m) => m.subject === 'first step')).toHaveLength(1);
        expect(mailer.sent.filter((m) => m.subject === 'second step')).toHaveLength(0);
      } finally {
        mailer.beforeSend = null;
      }
    });
  });

  // ── 7. Token scopes ──────────────────────────────────────────────────────────────────────────

  describe('token scopes', () => {
    it('lets a read-only token list but not create (FORBIDDEN "scope"), and export needs "export"', async () => {
      const { token } = await createToken(runtime.database.db, { userId: f.users.repA.id, name: 'read only', kind: 'api', scopes: ['read'] });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const list = await trpcReply(await fetch(`${server.base}/trpc/entities.deal.list`, { headers }));
      expect(list.status).toBe(200);
      const listed = (list.body.result?.data as ListReply).items;
      expect(listed.map((r) => r.id)).toContain(f.deals.repA);
      expect(new Set(listed.map((r) => r.owner))).toEqual(new Set([f.users.repA.id]));
      const deals = await count('deal');
      const created = await trpcReply(
        await fetch(`${server.base}/trpc/entities.deal.create`, { method: 'POST', headers, body: JSON.stringify({ title: 'Scoped out', company_id: f.companies.repA, stage: 'proposal' }) }),
      );
      expect(created.status).toBe(403);
      expect(created.body.error?.data).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'scope' });
      expect(await count('deal')).toBe(deals);

      const manager = f.users.manager;
      const access = await runtime.accessOf(manager);
      const exportAs = (scopes: AuthUser['scopes']) =>
        csvOf((out) => exportRecords({ db: runtime.database.db, model: runtime.current().model, entity: f.entities.deal, actor: { kind: 'user', user: { ...manager, scopes }, access }, format: 'csv', out }));
      const refused = await exportAs(['read']);
      expect(refused.result).toEqual({ ok: false, code: 'forbidden', message: 'This token lacks the "export" scope.' });
      expect(refused.text).toBe('');
      const allowed = await exportAs(['read', 'export']);
      expect(allowed.result).toEqual({ ok: true, rows: (await api(manager).list({ includeTotal: true })).total });
      expect(allowed.text).toContain('Dates for Dubai mall');
    });
  });
});
