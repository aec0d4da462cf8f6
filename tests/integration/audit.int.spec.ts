/**
 * The audit trail on real databases: configuration changes are logged with the change (pack
 * installs and upgrades, designer changes); the global record view filters and pages without
 * duplicates or gaps; both trails are append-only in SQL (an erasure may blank values and nothing
 * else); the `/admin/audit` page and its CSV are for administrators; `peyvand audit` prints and filters.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isHttpError, isRedirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createPostgresDatabase } from '../support/databases.ts';
import { must, openTestRuntime } from '../support/runtime.ts';
import { entity, packOf } from '../support/packs.ts';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { findEntity, type EntityModel, type Model } from '../../src/lib/model/types.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { SystemTables } from '../../src/lib/server/db/system-tables.ts';
import { applyEntityChange, getEntityDocument } from '../../src/lib/server/designer/designer-service.ts';
import { installPack } from '../../src/lib/server/packs/pack-service.ts';
import { bulkCreate, createRecord, deleteRecord, updateRecord, type RecordContext } from '../../src/lib/server/records/record-service.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import { listAudit, listConfigChanges, type AuditEntry, type AuditFilter } from '../../src/lib/server/audit/audit-service.ts';
import { auditCsvResponse, loadAuditPage } from '../../src/lib/server/audit/audit-page.ts';
import type { Locale, CalendarName } from '../../src/lib/i18n/locales.ts';

const BIN = resolve('bin/peyvand.js');

const COMPANY = entity(
  'company',
  {
    name: { type: 'string', minLength: 1, maxLength: 200, title: 'Name', 'x-labels': { fa: 'نام' } },
    stage: { type: 'string', enum: ['lead', 'customer'], title: 'Stage', 'x-options': { lead: { en: 'Lead', fa: 'سرنخ' }, customer: { en: 'Customer', fa: 'مشتری' } } },
  },
  { title: 'Company', 'x-title-field': 'name', required: ['name'] },
);

const PACK_V1 = packOf([COMPANY], { name: 'audit-test', version: '1.0.0' });
const PACK_V2 = packOf([{ ...COMPANY, properties: { ...(COMPANY.properties as Record<string, unknown>), city: { type: 'string', title: 'City' } } }], { name: 'audit-test', version: '1.1.0' });

interface Users {
  readonly admin: AuthUser;
  readonly member: AuthUser;
}

async function makeUsers(db: Kysely<SystemTables>): Promise<Users> {
  const make = async (email: string, name: string, isAdmin: boolean): Promise<AuthUser> => {
    const created = await createUser(db, { email, name, password: 'a long enough password', isAdmin, mustChangePassword: false });
    if (!created.ok) throw new Error(created.error.message);
    return { id: created.user.id, email, name, isAdmin, mustChangePassword: false };
  };
  return { admin: await make('admin@example.com', 'Ada Admin', true), member: await make('sara@example.com', 'Sara', false) };
}

/** A record context acting as `actorId` at a fixed moment (the full access: these are writes by the platform's rules, not the test's subject). */
function as(db: Kysely<SystemTables>, actorId: string | null, at: string): RecordContext {
  const ctx = { db, actorId, access: SYSTEM_ACCESS, now: () => new Date(at) };
  return ctx;
}

function idOf(record: { readonly id?: unknown }): string {
  if (typeof record.id !== 'string') throw new Error('no id');
  return record.id;
}

async function thrown(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Every entry a filter selects, page by page. */
async function allPages(db: Kysely<SystemTables>, model: Model, filter: AuditFilter, limit: number): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor = filter.cursor;
  for (let i = 0; i < 100; i++) {
    const page = await listAudit(db, model, { ...filter, cursor, limit });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.value.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.value.items);
    if (!page.value.nextCursor) return out;
    cursor = page.value.nextCursor;
  }
  throw new Error('paging did not end');
}

describe.each(BACKENDS)('audit trail on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let db: Kysely<SystemTables>;
  let users: Users;
  let model: Model;
  let company: EntityModel;
  /** ids: [the renamed one, the deleted one, the 5 bulk-created, the member's] */
  const ids: string[] = [];

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_audit'));
    db = runtime.database.db;
    users = await makeUsers(db);
    const planned = await installPack(runtime.database, PACK_V1, { actorId: users.admin.id, dryRun: true });
    expect(planned.status).toBe('planned');
    expect((await db.selectFrom('peyvand.config_log').select('id').execute()).length).toBe(0);
    const installed = await installPack(runtime.database, PACK_V1, { actorId: users.admin.id });
    expect(installed.status).toBe('applied');
    model = (await runtime.refresh()).model;
    company = findEntity(model, 'company') as EntityModel;

    const admin = (at: string) => as(db, users.admin.id, at);
    const a = must(await createRecord(admin('2024-08-01T09:00:00Z'), company, { name: 'Acme', stage: 'lead' }));
    must(await updateRecord(admin('2024-08-02T09:00:00Z'), company, { id: idOf(a), version: 1, values: { name: 'Acme Ltd', stage: 'customer' } }));
    const b = must(await createRecord(admin('2024-08-03T09:00:00Z'), company, { name: '=HYPERLINK("http://evil")' }));
    must(await deleteRecord(admin('2024-08-04T09:00:00Z'), company, { id: idOf(b) }));
    // Five entries with the same instant: pages must split ties by id.
    const bulk = must(await bulkCreate(admin('2024-08-05T09:00:00Z'), company, ['B1', 'B2', 'B3', 'B4', 'B5'].map((name) => ({ name }))));
    const m = must(await createRecord(as(db, users.member.id, '2024-08-06T09:00:00Z'), company, { name: 'Sara Co' }));
    ids.push(idOf(a), idOf(b), ...bulk.ids, idOf(m));
  });

  afterAll(async () => {
    await dispose();
  });

  describe('configuration log', () => {
    it('logs a pack install: the model version applied from the pack, and the install itself', async () => {
      const page = await listConfigChanges(db, { kind: 'pack' });
      if (!page.ok) throw new Error(page.error.message);
      const [install, apply] = page.value.items;
      expect(install).toMatchObject({ kind: 'pack', subject: 'audit-test', action: 'install', actor: { id: users.admin.id, name: 'Ada Admin', email: 'admin@example.com' }, detail: { name: 'audit-test', from: null, to: '1.0.0' } });
      expect(apply).toMatchObject({ kind: 'pack', subject: 'audit-test', action: 'apply', detail: { version: 1, source: 'pack audit-test@1.0.0' } });
      const steps = (apply?.detail as { steps: { kind: string; entity: string; reason: string }[] }).steps;
      expect(steps.some((s) => s.kind === 'entity.create' && s.entity === 'company' && s.reason.length > 0)).toBe(true);
    });

    it('logs an upgrade with from → to, in the same transaction as the model version', async () => {
      const upgraded = await installPack(runtime.database, PACK_V2, { actorId: null });
      expect(upgraded.status).toBe('applied');
      const page = await listConfigChanges(db, { subject: 'AUDIT-test', limit: 2 });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.items.map((e) => e.action)).toEqual(['upgrade', 'apply']);
      expect(page.value.items[0]).toMatchObject({ actor: null, detail: { from: '1.0.0', to: '1.1.0', modelVersion: upgraded.version } });
      const versions = await db.selectFrom('peyvand.model_versions').select(['version', 'source']).orderBy('version').execute();
      const logged = await db.selectFrom('peyvand.config_log').select(sql<number>`(detail->>'version')::int`.as('version')).where('action', '=', 'apply').orderBy('id').execute();
      expect(logged.map((r) => r.version)).toEqual(versions.map((v) => v.version));
      model = (await runtime.refresh()).model;
      company = findEntity(model, 'company') as EntityModel;
    });

    it('logs a designer change as a model change of the entity, by its author', async () => {
      const stored = await getEntityDocument(runtime.database, 'company');
      if (!stored) throw new Error('no company');
      const properties = { ...(stored.document.properties as Record<string, unknown>), phone: { type: 'string', format: 'phone', title: 'Phone' } };
      const changed = await applyEntityChange(runtime.database, { document: { ...stored.document, properties }, previousName: 'company', allowDestructive: false }, users.member.id);
      expect(changed.ok ? 'ok' : JSON.stringify(changed.error)).toBe('ok');
      const page = await listConfigChanges(db, { kind: 'model', actor: 'SARA@example.com' });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.items).toHaveLength(1);
      expect(page.value.items[0]).toMatchObject({ kind: 'model', subject: 'company', action: 'apply', actor: { email: 'sara@example.com' }, detail: { source: 'designer' } });
      const steps = (page.value.items[0]?.detail as { steps: { kind: string; field: string | null }[] }).steps;
      expect(steps).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'field.add', field: 'phone' })]));
      // A plan (dry run) or a refusal logs nothing.
      const before = (await db.selectFrom('peyvand.config_log').select('id').execute()).length;
      const without = { ...stored.document, properties: Object.fromEntries(Object.entries(properties).filter(([k]) => k !== 'stage')) };
      const refused = await applyEntityChange(runtime.database, { document: without, previousName: 'company', allowDestructive: false }, users.member.id);
      expect(refused.ok && refused.result.status).toBe('refused');
      expect((await db.selectFrom('peyvand.config_log').select('id').execute()).length).toBe(before);
      model = (await runtime.refresh()).model;
      company = findEntity(model, 'company') as EntityModel;
    });
  });

  it('pages configuration changes without duplicates or gaps', async () => {
    const whole = await listConfigChanges(db, { limit: 500 });
    if (!whole.ok) throw new Error(whole.error.message);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listConfigChanges(db, { cursor, limit: 1 });
      if (!page.ok) throw new Error(page.error.message);
      paged.push(...page.value.items.map((e) => e.id));
      cursor = page.value.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(whole.value.items.map((e) => e.id));
    expect(paged.length).toBeGreaterThanOrEqual(5);
  });

  describe('record changes', () => {
    it('lists every change newest first, with who made it', async () => {
      const page = await listAudit(db, model, { limit: 500 });
      if (!page.ok) throw new Error(page.error.message);
      const items = page.value.items;
      expect(items).toHaveLength(10);
      expect(items[0]).toMatchObject({ entity: 'company', recordId: ids[7], action: 'create', actor: { id: users.member.id, name: 'Sara', email: 'sara@example.com' }, changes: { name: { old: null, new: 'Sara Co' } } });
      const update = items.find((e) => e.action === 'update');
      expect(update).toMatchObject({ recordId: ids[0], changes: { name: { old: 'Acme', new: 'Acme Ltd' }, stage: { old: 'lead', new: 'customer' } } });
      const times = items.map((e) => e.at);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it('filters by entity, record, actor (id or email), action and time range', async () => {
      const ids_ = async (filter: AuditFilter) => {
        const page = await listAudit(db, model, { ...filter, limit: 500 });
        if (!page.ok) throw new Error(page.error.message);
        return page.value.items;
      };
      expect(await ids_({ entity: 'company' })).toHaveLength(10);
      expect(await ids_({ entity: 'nothing_here' })).toHaveLength(0);
      expect((await ids_({ recordId: ids[0] })).map((e) => e.action)).toEqual(['update', 'create']);
      expect((await ids_({ recordId: ids[0]?.toUpperCase() })).map((e) => e.action)).toEqual(['update', 'create']);
      expect((await ids_({ actor: 'Sara@Example.com' })).map((e) => e.recordId)).toEqual([ids[7]]);
      expect(await ids_({ actor: users.admin.id })).toHaveLength(9);
      expect(await ids_({ actor: 'system' })).toHaveLength(0);
      expect((await ids_({ action: 'delete' })).map((e) => e.recordId)).toEqual([ids[1]]);
      const deleted = (await ids_({ action: 'delete' }))[0];
      expect(deleted?.changes).toMatchObject({ name: { old: '=HYPERLINK("http://evil")', new: null } });
      // [since, until): Aug 2 09:00 up to (not including) Aug 4 09:00.
      const ranged = await ids_({ since: new Date('2024-08-02T09:00:00Z'), until: new Date('2024-08-04T09:00:00Z') });
      expect(ranged.map((e) => e.action)).toEqual(['create', 'update']);
    });

    it('pages without duplicates or gaps, ties at one instant included', async () => {
      const whole = await allPages(db, model, {}, 500);
      for (const size of [1, 2, 3, 4]) {
        const paged = await allPages(db, model, {}, size);
        expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      }
      const bulk = await allPages(db, model, { since: new Date('2024-08-05T00:00:00Z'), until: new Date('2024-08-06T00:00:00Z') }, 2);
      expect(new Set(bulk.map((e) => e.recordId))).toEqual(new Set(ids.slice(2, 7)));
      // A change written while someone pages does not shift the pages they have not read yet.
      const first = await listAudit(db, model, { limit: 3 });
      if (!first.ok) throw new Error(first.error.message);
      must(await createRecord(as(db, users.admin.id, '2024-08-07T09:00:00Z'), company, { name: 'Late' }));
      const rest = await allPages(db, model, { cursor: first.value.nextCursor ?? undefined }, 3);
      expect([...first.value.items, ...rest].map((e) => e.id)).toEqual(whole.map((e) => e.id));
    });

    it('shows only fields the model still has (and the owner)', async () => {
      const id = ids[0] as string;
      await sql`insert into peyvand.audit_log (actor_id, entity, record_id, action, changes) values (null, 'company', ${id}, 'update', ${JSON.stringify({ ghost: { old: 'a', new: 'b' }, owner: { old: users.admin.id, new: users.member.id }, name: { old: 'Acme Ltd', new: 'Acme' } })}::jsonb)`.execute(db);
      const page = await listAudit(db, model, { recordId: id, limit: 1 });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.items[0]?.actor).toBeNull();
      expect(Object.keys(page.value.items[0]?.changes ?? {}).sort()).toEqual(['name', 'owner']);
    });

    it('refuses filters it cannot use, with the key at fault', async () => {
      const refusal = async (filter: AuditFilter) => {
        const result = await listAudit(db, model, filter);
        if (result.ok) throw new Error('expected a refusal');
        return result.error;
      };
      expect(await refusal({ actor: 'nobody@example.com' })).toMatchObject({ code: 'unknown-actor', path: 'actor' });
      expect(await refusal({ actor: "x'; drop table users; --" })).toMatchObject({ code: 'invalid', path: 'actor' });
      expect(await refusal({ entity: 'users.password_hash' })).toMatchObject({ path: 'entity' });
      expect(await refusal({ recordId: '42' })).toMatchObject({ path: 'recordId' });
      expect(await refusal({ action: 'truncate' })).toMatchObject({ path: 'action' });
      expect(await refusal({ cursor: 'not-a-cursor' })).toMatchObject({ path: 'cursor' });
      expect(await refusal({ cursor: Buffer.from(JSON.stringify(["2024-01-01T00:00:00.000000Z'", '1'])).toString('base64url') })).toMatchObject({ path: 'cursor' });
      expect(await refusal({ limit: 0 })).toMatchObject({ path: 'limit' });
      expect(await refusal({ limit: 501 })).toMatchObject({ path: 'limit' });
      const config = await listConfigChanges(db, { kind: 'everything' });
      expect(config.ok).toBe(false);
      // The subject is text to look for, not a pattern.
      const pattern = await listConfigChanges(db, { subject: '%' });
      expect(pattern.ok && pattern.value.items).toEqual([]);
    });

    it('answers administrators through audit.records and audit.config, and no one else', async () => {
      const admin = runtime.caller(users.admin);
      await expect(admin.audit.records({ entity: 'company', action: 'delete' })).resolves.toMatchObject({ items: [{ recordId: ids[1] }], nextCursor: null });
      await expect(admin.audit.config({ kind: 'pack', limit: 1 })).resolves.toMatchObject({ items: [{ kind: 'pack' }] });
      const bad = await thrown(admin.audit.records({ since: 'yesterday' }));
      expect(bad instanceof TRPCError && bad.code).toBe('BAD_REQUEST');
      const member = await thrown(runtime.caller(users.member).audit.records({}));
      expect(member instanceof TRPCError && member.code).toBe('FORBIDDEN');
      const anonymous = await thrown(runtime.caller(null).audit.config({}));
      expect(anonymous instanceof TRPCError && anonymous.code).toBe('UNAUTHORIZED');
    });
  });

  describe('append-only in SQL', () => {
    const refusedSql = async (statement: string) => {
      const error = await thrown(sql.raw(statement).execute(db));
      return (error as Error).message;
    };

    it('refuses update, delete and truncate of both trails', async () => {
      expect(await refusedSql(`update peyvand.audit_log set changes = '{}'::jsonb`)).toMatch(/append-only/);
      expect(await refusedSql(`delete from peyvand.audit_log`)).toMatch(/append-only/);
      expect(await refusedSql(`truncate peyvand.audit_log`)).toMatch(/append-only/);
      expect(await refusedSql(`update peyvand.config_log set subject = 'x'`)).toMatch(/append-only/);
      expect(await refusedSql(`delete from peyvand.config_log`)).toMatch(/append-only/);
      expect(await refusedSql(`truncate peyvand.config_log`)).toMatch(/append-only/);
      const counts = await sql<{ a: number; c: number }>`select (select count(*) from peyvand.audit_log)::int as a, (select count(*) from peyvand.config_log)::int as c`.execute(db);
      expect(counts.rows[0]?.a).toBeGreaterThan(0);
      expect(counts.rows[0]?.c).toBeGreaterThan(0);
    });

    it('lets an erasure blank the values of audit_log, and change nothing else', async () => {
      const target = ids[2] as string;
      const erase = (set: string) =>
        db.transaction().execute(async (trx) => {
          await sql`set local peyvand.erasure = 'on'`.execute(trx);
          await sql.raw(`update peyvand.audit_log set ${set} where record_id = '${target}'`).execute(trx);
        });
      for (const set of [`action = 'update'`, `actor_id = null`, `at = now()`, `entity = 'other'`, `record_id = gen_random_uuid()`, `id = id + 1000`]) {
        expect(((await thrown(erase(set))) as Error).message, set).toMatch(/may only blank|append-only|duplicate/);
      }
      await erase(`changes = '{"name": {"old": null, "new": null}}'::jsonb`);
      const rows = await db.selectFrom('peyvand.audit_log').select(['action', 'changes']).where('record_id', '=', target).orderBy('id').execute();
      expect(rows.map((r) => r.action)).toEqual(['create']);
      expect(rows.every((r) => JSON.stringify(r.changes) === '{"name":{"new":null,"old":null}}' || JSON.stringify(r.changes) === '{"name":{"old":null,"new":null}}')).toBe(true);
      // Outside an erasure the same update is refused; the setting does not outlive its transaction.
      expect(await refusedSql(`update peyvand.audit_log set changes = '{}'::jsonb where record_id = '${target}'`)).toMatch(/append-only/);
      expect(((await thrown(db.transaction().execute((trx) => sql`delete from peyvand.audit_log where record_id = ${target}`.execute(trx)))) as Error).message).toMatch(/append-only/);
    });
  });

  describe('the /admin/audit page', () => {
    function event(query: string, user: AuthUser | null, options: { locale?: Locale; calendar?: CalendarName; timeZone?: string; isAdminRole?: boolean } = {}) {
      const url = new URL(`http://localhost/admin/audit${query}`);
      const access = user ? { ...SYSTEM_ACCESS, userId: user.id, isAdmin: options.isAdminRole ?? user.isAdmin } : null;
      const locals = { runtime, user, access, locale: options.locale ?? 'en', session: null, calendar: options.calendar ?? 'gregory', timeZone: options.timeZone ?? 'UTC' } as App.Locals;
      return { locals, url };
    }

    it('returns the filtered record changes with titles, labels and display values', async () => {
      const data = await loadAuditPage(event(`?entity=company&actor=admin%40example.com&action=update&record=${ids[0]}`, users.admin));
      expect(data.tab).toBe('records');
      expect(data.errors).toEqual({});
      expect(data.records).toHaveLength(1);
      expect(data.records[0]).toMatchObject({
        entity: 'company',
        entityLabel: 'Company',
        recordId: ids[0],
        title: 'Acme Ltd',
        hasPage: true,
        action: 'update',
        actor: { name: 'Ada Admin', email: 'admin@example.com', isSystem: false },
        changes: expect.arrayContaining([{ field: 'stage', label: 'Stage', old: 'Lead', new: 'Customer', isLtr: false }]),
      });
      // A deleted record keeps the title it had.
      const deleted = await loadAuditPage(event('?action=delete', users.admin));
      expect(deleted.records[0]?.title).toBe('=HYPERLINK("http://evil")');
    });

    it('reads days in the user calendar and time zone, and pages with the filters kept', async () => {
      // 1403/05/15 in Asia/Tehran is 2024-08-05 (the bulk of five).
      const data = await loadAuditPage(event(`?from=${encodeURIComponent('۱۴۰۳/۰۵/۱۵')}&to=1403/05/15&actor=admin@example.com`, users.admin, { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran' }));
      expect(data.errors).toEqual({});
      expect(data.records).toHaveLength(5);
      expect(data.records[0]?.changes[0]).toMatchObject({ label: 'نام' });
      const wrong = await loadAuditPage(event('?from=1402/12/30', users.admin, { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran' }));
      expect(wrong.errors.from).toBeTruthy();
      expect(wrong.records).toEqual([]);
      const unknown = await loadAuditPage(event('?actor=ghost@example.com', users.admin));
      expect(unknown.errors.actor).toBe('There is no user with this email.');
      const stale = await loadAuditPage(event('?cursor=garbage', users.admin));
      expect(stale.errors.cursor).toBeTruthy();
    });

    it('shows configuration changes with a readable summary and the steps', async () => {
      const data = await loadAuditPage(event('?tab=config&kind=pack', users.admin));
      expect(data.tab).toBe('config');
      expect(data.config.map((r) => r.summary)).toEqual(
        expect.arrayContaining(['Pack audit-test upgraded from 1.0.0 to 1.1.0', 'Pack audit-test 1.0.0 installed', expect.stringMatching(/^Model version 1 applied from “pack audit-test@1\.0\.0” \(\d+ steps\)$/)]),
      );
      expect(data.config.find((r) => r.action === 'apply')?.steps.length).toBeGreaterThan(0);
    });

    it('refuses non-administrators and sends anonymous visitors to sign in; an administering role is enough', async () => {
      const forbidden = await thrown(loadAuditPage(event('', users.member)));
      expect(isHttpError(forbidden) && forbidden.status).toBe(403);
      const anonymous = await thrown(loadAuditPage(event('', null)));
      expect(isRedirect(anonymous) && anonymous.location).toMatch(/^\/signin\?next=/);
      const csv = await thrown(auditCsvResponse(event('', users.member)));
      expect(isHttpError(csv) && csv.status).toBe(403);
      const viaRole = await loadAuditPage(event('', users.member, { isAdminRole: true }));
      expect(viaRole.records.length).toBeGreaterThan(0);
    });

    it('exports the filtered changes as CSV with formula cells neutralised', async () => {
      const response = await auditCsvResponse(event('?action=delete', users.admin));
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const text = await response.text();
      const lines = text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('at,actor_email,actor_name,entity,record_id,action,field,old,new');
      expect(lines.some((l) => l.includes(`"'=HYPERLINK(""http://evil"")"`))).toBe(true);
      expect(lines.every((l, i) => i === 0 || l.includes(',delete,'))).toBe(true);
    });
  });
});

describe.each(BACKENDS)('peyvand audit on %s', (kind) => {
  let dir: string;
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | null = null;
  let recordId: string;

  function run(args: string[]) {
    const result = spawnSync(process.execPath, [BIN, 'audit', ...args], { env: { ...process.env, PEYVAND_TIME_ZONE: 'UTC', ...env }, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-audit-'));
    let runtime: Runtime;
    if (kind === 'postgres') {
      const created = await createPostgresDatabase('peyvand_audit_cli');
      dropDatabase = created.drop;
      env = { DATABASE_URL: created.url };
      runtime = await startRuntime({ url: created.url, poolSize: 2 });
    } else {
      env = { DATABASE_URL: '', PEYVAND_DATA_DIR: join(dir, 'data') };
      runtime = await startRuntime({ dataDir: join(dir, 'data') });
    }
    try {
      const users = await makeUsers(runtime.database.db);
      expect((await installPack(runtime.database, PACK_V1, { actorId: users.admin.id })).status).toBe('applied');
      const model = (await runtime.refresh()).model;
      const company = findEntity(model, 'company') as EntityModel;
      const db = runtime.database.db;
      const a = must(await createRecord(as(db, users.admin.id, '2024-08-01T09:00:00Z'), company, { name: 'Acme', stage: 'lead' }));
      recordId = idOf(a);
      must(await updateRecord(as(db, users.admin.id, '2024-08-02T09:00:00Z'), company, { id: recordId, version: 1, values: { stage: 'customer' } }));
      must(await createRecord(as(db, users.member.id, '2024-08-03T09:00:00Z'), company, { name: 'Sara Co' }));
    } finally {
      // The embedded database is one process's at a time: the CLI opens it next.
      await runtime.close();
    }
  });

  afterAll(async () => {
    await dropDatabase?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints record changes as a table, newest first, and filters them', () => {
    const all = run([]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^when\s+who\s+action\s+record\s+changes$/);
    expect(lines[2]).toContain('sara@example.com');
    expect(all.stdout).toContain(`company/${recordId}`);
    expect(all.stdout).toContain('stage: lead → customer');
    const filtered = run(['--entity', 'company', '--actor', 'admin@example.com', '--action', 'update', '--since', '2024-08-02', '--until', '2024-08-02']);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(3);
    expect(filtered.stdout).toContain('2024-08-02 09:00:00');
    expect(run(['--until', '2024-07-31']).stdout).toContain('No record changes match.');
    const json = run(['--record', recordId, '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; items: { action: string }[]; more: boolean };
    expect(parsed.items.map((i) => i.action)).toEqual(['update', 'create']);
    const limited = JSON.parse(run(['--limit', '1', '--json']).stdout) as { items: unknown[]; more: boolean };
    expect(limited.items).toHaveLength(1);
    expect(limited.more).toBe(true);
  }, 120_000);

  it('prints configuration changes with --config', () => {
    const config = run(['--config', '--kind', 'pack']);
    expect(config.code).toBe(0);
    expect(config.stdout).toContain('audit-test');
    expect(config.stdout).toContain('install');
    expect(config.stdout).toMatch(/model version 1 from pack audit-test@1\.0\.0/);
  }, 60_000);

  it('exits 1 for an unknown user and 2 for usage errors', () => {
    const unknown = run(['--actor', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user with the email nobody@example.com');
    for (const args of [['--since', '2024-02-30'], ['--config', '--entity', 'company'], ['--frobnicate']]) {
      const result = run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('Usage:');
    }
  }, 120_000);
});
