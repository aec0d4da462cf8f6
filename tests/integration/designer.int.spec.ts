/**
 * The designer's API on real databases: a change made in the browser takes the same plan → apply
 * path as a pack, keeps data across renames, refuses destructive steps until confirmed, is open to
 * administrators only, and is live in the runtime's router as soon as the call returns.
 */
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { PeyvandApiError } from '../../src/lib/server/api/trpc.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { JsonObject } from '../../src/lib/model/types.ts';
import { addField, documentFromDraft, draftFromDocument, emptyEntityDraft, removeField, type EntityDraft, type FieldDraft } from '../../src/lib/designer/entity-draft.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

function documentOf(draft: EntityDraft): JsonObject {
  const result = documentFromDraft(draft);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.pointer}: ${i.message}`).join('\n'));
  return result.document;
}

function withField(draft: EntityDraft, name: string, change: (f: FieldDraft) => FieldDraft): EntityDraft {
  return { ...draft, fields: draft.fields.map((f) => (f.name === name ? change(f) : f)) };
}

function idOf(record: { readonly id?: unknown }): string {
  if (typeof record.id !== 'string') throw new Error('a record without an id');
  return record.id;
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

describe.each(BACKENDS)('designer on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: AuthUser;
  let member: AuthUser;

  beforeEach(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_designer'));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
    await runtime.refresh();
    const users = await Promise.all([
      createUser(runtime.database.db, { email: 'admin@example.com', name: 'Admin', password: 'a long enough password', isAdmin: true, mustChangePassword: false }),
      createUser(runtime.database.db, { email: 'member@example.com', name: 'Member', password: 'a long enough password', isAdmin: false, mustChangePassword: false }),
    ]);
    const [a, m] = users.map((u) => {
      if (!u.ok) throw new Error(u.error.message);
      return { id: u.user.id, email: u.user.email, name: u.user.name, isAdmin: u.user.isAdmin, mustChangePassword: false };
    });
    if (!a || !m) throw new Error('users');
    admin = a;
    member = m;
  });

  afterEach(async () => {
    await dispose();
  });

  /** Paths of the procedures of the router the runtime has now (`entities.company.list` …). */
  function procedurePaths(): string[] {
    return Object.keys(runtime.current().router._def.procedures);
  }

  /** The record procedures of an entity (the caller is a proxy: it has every name, so check first). */
  function records(entity: string) {
    const router = runtime.caller(admin).entities[entity];
    if (!router || !procedurePaths().includes(`entities.${entity}.create`)) throw new Error(`the router has no entity ${entity}`);
    return router;
  }

  async function storedDraft(name: string): Promise<EntityDraft> {
    return draftFromDocument((await runtime.caller(admin).admin.entities.get({ name })).document);
  }

  async function columns(table: string): Promise<string[]> {
    const r = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'data' and table_name = ${table} order by ordinal_position`.execute(runtime.database.db);
    return r.rows.map((row) => row.column_name);
  }

  function entityOf(name: string) {
    return runtime.current().model.entities.find((e) => e.name === name);
  }

  it('creates an entity with five field types: planned first, then applied, table and all', async () => {
    let draft: EntityDraft = { ...emptyEntityDraft(), name: 'ticket', labels: { en: 'Ticket', fa: 'تیکت', ar: 'تذكرة' }, pluralLabels: { en: 'Tickets', fa: 'تیکت‌ها', ar: 'التذاكر' } };
    draft = addField(draft, 'subject', 'text');
    draft = addField(draft, 'priority', 'single_select');
    draft = addField(draft, 'budget', 'money');
    draft = addField(draft, 'due', 'date');
    draft = addField(draft, 'company_id', 'relation');
    draft = withField(draft, 'subject', (f) => ({ ...f, required: true, maxLength: 200 }));
    draft = withField(draft, 'priority', (f) => ({ ...f, options: [{ value: 'low', labels: { en: 'Low', fa: 'کم', ar: 'منخفضة' } }, { value: 'high', labels: { en: 'High', fa: 'زیاد', ar: 'عالية' } }], defaultValue: 'low' }));
    draft = withField(draft, 'budget', (f) => ({ ...f, currencies: ['IRR', 'USD'], defaultCurrency: 'IRR' }));
    draft = withField(draft, 'company_id', (f) => ({ ...f, relationTarget: 'company', onDelete: 'cascade' }));
    const document = documentOf(draft);

    const plan = await runtime.caller(admin).admin.entities.plan({ document });
    expect(plan.status).toBe('planned');
    expect(plan.outcomes[0]?.step).toMatchObject({ kind: 'entity.create', entity: 'ticket' });
    expect(await columns('ticket')).toEqual([]);

    const applied = await runtime.caller(admin).admin.entities.applyChange({ document, allowDestructive: false });
    expect(applied).toMatchObject({ status: 'applied', entity: 'ticket' });
    expect(await columns('ticket')).toEqual(expect.arrayContaining(['id', 'subject', 'priority', 'budget__amount', 'budget__currency', 'due', 'company_id']));
    const ticket = entityOf('ticket');
    expect(ticket?.pack).toBeNull();
    expect(ticket?.fields.map((f) => f.type)).toEqual(['text', 'single_select', 'money', 'date', 'relation']);
    const versions = await runtime.database.db.selectFrom('peyvand.model_versions').select(['source', 'applied_by']).orderBy('version', 'desc').limit(1).execute();
    expect(versions[0]).toEqual({ source: 'designer', applied_by: admin.id });
    // The stored document reads back as it was written.
    expect((await runtime.caller(admin).admin.entities.get({ name: 'ticket' })).document).toEqual(document);
  });

  it('adds a field to a pack entity: the pack still owns it and its records are kept', async () => {
    const acme = await records('company').create({ name: 'Acme', employees: 12 });
    const draft = addField(await storedDraft('company'), 'vat_number', 'text');
    const result = await runtime.caller(admin).admin.entities.applyChange({ document: documentOf(draft), previousName: 'company', allowDestructive: false });
    expect(result.status).toBe('applied');
    expect(result.outcomes.map((o) => o.step.kind)).toContain('field.add');
    expect(result.outcomes.every((o) => !o.step.destructive)).toBe(true);
    expect(entityOf('company')?.pack).toBe('b2b-sales');
    expect(runtime.current().model.packs.map((p) => p.name)).toEqual(['b2b-sales']);
    const read = await records('company').get({ id: idOf(acme) });
    expect(read).toMatchObject({ name: 'Acme', employees: 12, vat_number: null });
  });

  it('renames a field and keeps its values', async () => {
    const sara = await records('contact').create({ full_name: 'Sara Mohammadi', email: 'sara@example.com', job_title: 'CEO' });
    const draft = withField(await storedDraft('contact'), 'job_title', (f) => ({ ...f, name: 'position' }));
    const plan = await runtime.caller(admin).admin.entities.plan({ document: documentOf(draft), previousName: 'contact' });
    expect(plan.outcomes.map((o) => `${o.step.kind} ${o.step.field ?? ''}`.trim())).toEqual(['field.rename position']);
    const result = await runtime.caller(admin).admin.entities.applyChange({ document: documentOf(draft), previousName: 'contact', allowDestructive: false });
    expect(result.status).toBe('applied');
    expect(await columns('contact')).not.toContain('job_title');
    expect(await records('contact').get({ id: idOf(sara) })).toMatchObject({ position: 'CEO' });
  });

  it('renames an entity and keeps its records; refuses while other entities link to it or roll it up', async () => {
    // A new entity nothing refers to can be renamed.
    let draft: EntityDraft = { ...emptyEntityDraft(), name: 'visit', labels: { en: 'Visit' }, pluralLabels: { en: 'Visits' } };
    draft = addField(draft, 'place', 'text');
    await runtime.caller(admin).admin.entities.applyChange({ document: documentOf(draft), allowDestructive: false });
    const visit = await records('visit').create({ place: 'Tabriz' });
    const renamed = { ...(await storedDraft('visit')), name: 'meeting' };
    const result = await runtime.caller(admin).admin.entities.applyChange({ document: documentOf(renamed), previousName: 'visit', allowDestructive: false });
    expect(result.outcomes[0]?.step.kind).toBe('entity.rename');
    expect(await records('meeting').get({ id: idOf(visit) })).toMatchObject({ place: 'Tabriz' });

    // company: contact and deal link to it; deal: company's roll-ups read it.
    for (const [name, to, by] of [
      ['company', 'organisation', 'contact.company_id'],
      ['deal', 'opportunity', 'company.open_deal_amount'],
    ] as const) {
      const stored = { ...(await storedDraft(name)), name: to };
      const error = await refusal(runtime.caller(admin).admin.entities.applyChange({ document: documentOf(stored), previousName: name, allowDestructive: false }));
      expect(error.code, name).toBe('CONFLICT');
      expect(error instanceof PeyvandApiError && error.detail.peyvandCode, name).toBe('in-use');
      expect(error.message, name).toContain(by);
    }
  });

  it('refuses to drop a field without allowDestructive, and drops it (archived) with it', async () => {
    await records('company').create({ name: 'Acme', phone: '+989123456789' });
    const stored = await storedDraft('company');
    const phone = stored.fields.find((f) => f.name === 'phone');
    if (!phone) throw new Error('no phone field');
    const document = documentOf(removeField(stored, phone.key));

    const refused = await runtime.caller(admin).admin.entities.applyChange({ document, previousName: 'company', allowDestructive: false });
    expect(refused.status).toBe('refused');
    expect(refused.outcomes.find((o) => o.step.kind === 'field.drop')).toMatchObject({ status: 'needs-confirmation', affectedRows: 1, step: { field: 'phone', destructive: true } });
    expect(await columns('company')).toContain('phone');
    expect(entityOf('company')?.fields.map((f) => f.name)).toContain('phone');

    const applied = await runtime.caller(admin).admin.entities.applyChange({ document, previousName: 'company', allowDestructive: true });
    expect(applied.status).toBe('applied');
    expect(await columns('company')).not.toContain('phone');
    const archived = await sql<{ n: string | number }>`select count(*) as n from information_schema.tables where table_schema = 'archive'`.execute(runtime.database.db);
    expect(Number(archived.rows[0]?.n)).toBeGreaterThan(0);
  });

  it('refuses a non-admin caller with FORBIDDEN and changes nothing', async () => {
    const before = runtime.current().version;
    const document = documentOf(addField({ ...emptyEntityDraft(), name: 'secret' }, 'title', 'text'));
    const caller = runtime.caller(member);
    // One call at a time: a refusal not yet awaited would be an unhandled rejection.
    for (const call of [
      () => caller.admin.entities.get({ name: 'company' }),
      () => caller.admin.entities.plan({ document }),
      () => caller.admin.entities.applyChange({ document, allowDestructive: true }),
      () => caller.admin.entities.remove({ name: 'deal', allowDestructive: true }),
    ]) {
      const error = await refusal(call());
      expect(error.code).toBe('FORBIDDEN');
    }
    expect((await refusal(runtime.caller(null).admin.entities.plan({ document }))).code).toBe('UNAUTHORIZED');
    expect((await runtime.refresh()).version).toBe(before);
    expect(await columns('secret')).toEqual([]);
  });

  it('has the new entity in the runtime router as soon as apply returns', async () => {
    const document = documentOf(addField({ ...emptyEntityDraft(), name: 'visit' }, 'place', 'text'));
    expect(procedurePaths()).not.toContain('entities.visit.create');
    await runtime.caller(admin).admin.entities.applyChange({ document, allowDestructive: false });
    // No refresh and no NOTIFY wait here: applyChange made this process current before returning.
    expect(procedurePaths()).toEqual(expect.arrayContaining(['entities.visit.list', 'entities.visit.create', 'entities.visit.get']));
    const created = await records('visit').create({ place: 'Tehran' });
    expect(await records('visit').get({ id: idOf(created) })).toMatchObject({ place: 'Tehran' });
  });

  it('refuses a new entity whose name is taken, a stale version, and a link to a missing entity', async () => {
    const api = runtime.caller(admin).admin.entities;
    const taken = documentOf(addField({ ...emptyEntityDraft(), name: 'company' }, 'title', 'text'));
    const exists = await refusal(api.applyChange({ document: taken, allowDestructive: true }));
    expect(exists instanceof PeyvandApiError && exists.detail.peyvandCode).toBe('exists');

    const fresh = documentOf(addField({ ...emptyEntityDraft(), name: 'note' }, 'body', 'long_text'));
    const stale = await refusal(api.applyChange({ document: fresh, allowDestructive: false, expectedVersion: runtime.current().version - 1 }));
    expect(stale instanceof PeyvandApiError && stale.detail.peyvandCode).toBe('conflict');

    const dangling = documentOf(withField(addField({ ...emptyEntityDraft(), name: 'note' }, 'owner_id', 'relation'), 'owner_id', (f) => ({ ...f, relationTarget: 'nobody' })));
    const invalid = await refusal(api.plan({ document: dangling }));
    expect(invalid.code).toBe('BAD_REQUEST');
    expect(invalid instanceof PeyvandApiError && invalid.detail.issues?.[0]?.path).toBe('/properties/owner_id/x-ref');

    const badName = await refusal(api.plan({ document: { $id: 'users.password_hash', type: 'object', properties: {} } }));
    expect(badName.code).toBe('BAD_REQUEST');
    expect(await columns('note')).toEqual([]);
  });

  it('removes an entity made in the designer only when confirmed', async () => {
    const api = runtime.caller(admin).admin.entities;
    await api.applyChange({ document: documentOf(addField({ ...emptyEntityDraft(), name: 'memo' }, 'body', 'text')), allowDestructive: false });
    const refused = await api.remove({ name: 'memo', allowDestructive: false });
    expect(refused.status).toBe('refused');
    expect(entityOf('memo')).toBeDefined();
    expect((await api.remove({ name: 'memo', allowDestructive: true })).status).toBe('applied');
    expect(entityOf('memo')).toBeUndefined();
    expect(procedurePaths()).not.toContain('entities.memo.list');
  });
});
