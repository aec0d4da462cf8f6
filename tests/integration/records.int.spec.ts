/**
 * The record write path (record-service.ts) against both backends, with the b2b-sales pack and a
 * small test pack whose relation restricts deletes.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack, applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import {
  bulkCreate,
  createRecord,
  deleteRecord,
  getRecord,
  listRecords,
  updateRecord,
  WRITE_LIMITS,
  type RecordContext,
  type RecordOutput,
} from '../../src/lib/server/records/record-service.ts';
import type { RecordError, RecordResult } from '../../src/lib/server/records/record-error.ts';
import { findEntity, type EntityModel, type JsonValue, type Model } from '../../src/lib/model/types.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A pack whose relation refuses to let a referenced org be deleted. */
const RESTRICT_PACK = packOf([
  entity('org', { name: { type: 'string', minLength: 1, maxLength: 100 } }, { required: ['name'] }),
  entity(
    'member',
    {
      name: { type: 'string', maxLength: 100 },
      org_id: { type: 'string', format: 'uuid', 'x-ref': 'org', 'x-on-delete': 'restrict' },
    },
    { required: ['name'] },
  ),
]);

function must<T>(result: RecordResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error.issues ?? [])}`);
  return result.value;
}

function failure<T>(result: RecordResult<T>): RecordError {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function entityOf(model: Model, name: string): EntityModel {
  const found = findEntity(model, name);
  if (!found) throw new Error(`no entity ${name} in the model`);
  return found;
}

function idOf(record: RecordOutput): string {
  const id = record.id;
  if (typeof id !== 'string') throw new Error('record without an id');
  return id;
}

describe.each(BACKENDS)('records on %s', (kind) => {
  let t: TestDatabase;
  let company: EntityModel;
  let contact: EntityModel;
  let deal: EntityModel;
  let org: EntityModel;
  let member: EntityModel;
  const actorId = uuidv7();
  let ctx: RecordContext;

  beforeAll(async () => {
    t = await createTestDatabase(kind, { poolSize: 12 });
    const b2b = await applyPackFolder(t.database, B2B_SALES, { actorId: null });
    if (!b2b.ok || b2b.result.status !== 'applied') throw new Error(`b2b-sales did not apply: ${JSON.stringify(b2b)}`);
    const restrict = await applyPack(t.database, RESTRICT_PACK, { actorId: null });
    if (!restrict.ok || restrict.result.status !== 'applied') throw new Error(`test pack did not apply: ${JSON.stringify(restrict)}`);
    const { model } = await loadCurrentModel(t.database.db);
    company = entityOf(model, 'company');
    contact = entityOf(model, 'contact');
    deal = entityOf(model, 'deal');
    org = entityOf(model, 'org');
    member = entityOf(model, 'member');
    ctx = { db: t.database.db, actorId, access: SYSTEM_ACCESS };
  });

  afterAll(async () => {
    await t.drop();
  });

  async function count(table: 'company' | 'contact' | 'deal' | 'org' | 'member'): Promise<number> {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.id('data', table)}`.execute(t.database.db);
    return Number(result.rows[0]?.n ?? -1);
  }

  async function auditRows(recordId: string) {
    return t.database.db.selectFrom('peyvand.audit_log').selectAll().where('record_id', '=', recordId).orderBy('id').execute();
  }

  async function outboxRows(recordId: string) {
    return t.database.db.selectFrom('peyvand.outbox').selectAll().where('record_id', '=', recordId).orderBy('id').execute();
  }

  async function systemRowCounts(): Promise<{ audit: number; outbox: number }> {
    const a = await sql<{ n: number }>`select count(*)::int as n from peyvand.audit_log`.execute(t.database.db);
    const o = await sql<{ n: number }>`select count(*)::int as n from peyvand.outbox`.execute(t.database.db);
    return { audit: Number(a.rows[0]?.n), outbox: Number(o.rows[0]?.n) };
  }

  const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

  let companySeq = 0;
  async function newCompany(name = `Company ${++companySeq} ${randomUUID().slice(0, 8)}`): Promise<RecordOutput> {
    return must(await createRecord(ctx, company, { name }));
  }

  let contactSeq = 0;
  async function newContact(values: Record<string, JsonValue> = {}): Promise<RecordOutput> {
    const n = ++contactSeq;
    return must(await createRecord(ctx, contact, { full_name: `Contact ${n}`, email: `contact${n}.${randomUUID().slice(0, 8)}@example.com`, ...values }));
  }

  describe('create', () => {
    it('returns the system fields: a UUIDv7 id, version 1, ISO timestamps, the actor as creator and owner', async () => {
      const before = Date.now();
      const created = await newContact({ full_name: 'Ada Lovelace' });
      const after = Date.now();
      expect(created.id).toMatch(UUID_V7);
      expect(String(created.id)[14]).toBe('7');
      expect(created.version).toBe(1);
      expect(created.created_at).toMatch(ISO_TIMESTAMP);
      expect(created.updated_at).toBe(created.created_at);
      const at = Date.parse(String(created.created_at));
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(after + 1);
      expect(created.created_by).toBe(actorId);
      expect(created.owner).toBe(actorId);
      // Defaults apply, absent optional fields read back as null.
      expect(created.stage).toBe('lead');
      expect(created.phone).toBeNull();
      expect(must(await getRecord(ctx, contact, idOf(created)))).toEqual(created);
    });

    it('round-trips every field type of b2b-sales exactly; the database numbers deals', async () => {
      const acme = must(
        await createRecord(ctx, company, {
          name: 'Acme Corp',
          website: 'https://acme.example/path?q=1#top',
          industry: 'manufacturing',
          employees: 9_007_199_254_740_991,
          phone: '+14155550100',
        }),
      );
      expect(acme).toMatchObject({ name: 'Acme Corp', website: 'https://acme.example/path?q=1#top', industry: 'manufacturing', employees: 9_007_199_254_740_991, phone: '+14155550100' });

      const contactValues = {
        full_name: 'سارا محمدی‌نژاد',
        email: 'sara.mohammadi@parstejarat.example',
        phone: '+989123456789',
        job_title: 'مدیر خرید',
        birthday: '1990-08-21',
        stage: 'customer',
        tags: ['vip', 'نمایشگاه', 'renewal', 'NULL', 'a,b', 'quote"d', 'back\\slash', '{braces}', ''],
        company_id: idOf(acme),
        notes: 'Line one\nLine two\ttabbed\r\n  indented  ',
      };
      const sara = must(await createRecord(ctx, contact, contactValues));
      expect(sara).toMatchObject(contactValues);

      const dealValues = {
        title: 'Acme ERP renewal',
        company_id: idOf(acme),
        contact_id: idOf(sara),
        stage: 'negotiation',
        amount: { amount: '120000.00', currency: 'USD' },
        probability: '12.50',
        expected_close: '2024-02-29',
        lost_reason: null,
      };
      const first = must(await createRecord(ctx, deal, dealValues));
      expect(first).toMatchObject({ ...dealValues, number: 'DL-000001' });
      const second = must(
        await createRecord(ctx, deal, {
          title: 'Pars POS rollout',
          company_id: idOf(acme),
          stage: 'proposal',
          amount: { amount: '-0.0000000001', currency: 'IRR' },
          probability: '99.9999999999',
          expected_close: '1999-12-31',
        }),
      );
      expect(second).toMatchObject({
        number: 'DL-000002',
        amount: { amount: '-0.0000000001', currency: 'IRR' },
        probability: '99.9999999999',
        expected_close: '1999-12-31',
        contact_id: null,
        lost_reason: null,
      });
      const big = must(
        await createRecord(ctx, deal, {
          title: 'Huge',
          company_id: idOf(acme),
          stage: 'won',
          amount: { amount: '1234567890123456789012345678.0123456789', currency: 'EUR' },
          probability: '0',
        }),
      );
      expect(big).toMatchObject({ number: 'DL-000003', amount: { amount: '1234567890123456789012345678.0123456789', currency: 'EUR' }, probability: '0' });

      // The company's roll-ups now count its two open deals (the won one is not open).
      expect(must(await getRecord(ctx, company, idOf(acme)))).toMatchObject({ open_deal_count: 2 });
      // What get and list read back is what create returned (the company's roll-ups aside).
      const { open_deal_count: _count, open_deal_amount: _amount, ...acmeFields } = must(await getRecord(ctx, company, idOf(acme)));
      void _count;
      void _amount;
      const { open_deal_count: _c0, open_deal_amount: _a0, ...acmeCreated } = acme;
      void _c0;
      void _a0;
      expect(acmeFields).toEqual(acmeCreated);
      for (const [e, r] of [
        [contact, sara],
        [deal, first],
        [deal, second],
        [deal, big],
      ] as const) {
        expect(must(await getRecord(ctx, e, idOf(r)))).toEqual(r);
        const listed = must(await listRecords(ctx, e, { filter: { field: 'id', op: 'eq', value: idOf(r) } }));
        expect(listed.items).toEqual([r]);
      }

      // The stored columns have the exact types: numeric and date, not float and timestamp.
      const raw = await sql<{ amount: string; probability: string; expected_close: string }>`
        select amount__amount::text as amount, probability::text as probability, expected_close::text as expected_close
        from data.deal where id = ${idOf(first)}`.execute(t.database.db);
      expect(raw.rows[0]).toEqual({ amount: '120000.00', probability: '12.50', expected_close: '2024-02-29' });
    });

    it('refuses unknown keys and system keys with field-level issues, and saves nothing', async () => {
      const before = await count('contact');
      const base = { full_name: 'Mallory', email: 'mallory@example.com' };
      const systemKeys: Record<string, JsonValue> = {
        id: uuidv7(),
        owner: uuidv7(),
        created_by: uuidv7(),
        version: 99,
        created_at: '2000-01-01T00:00:00.000Z',
        updated_at: '2000-01-01T00:00:00.000Z',
      };
      for (const [key, value] of Object.entries(systemKeys)) {
        const error = failure(await createRecord(ctx, contact, { ...base, [key]: value }));
        expect(error.code).toBe('invalid');
        expect(error.issues).toEqual([{ path: `/${key}`, field: null, message: expect.stringContaining(key) }]);
        expect(error.issues?.[0]?.message).toMatch(/set by the platform/);
      }
      for (const key of ['nickname', '_search', 'company', 'Full_Name', 'email ', 'amount__amount']) {
        const error = failure(await createRecord(ctx, contact, { ...base, [key]: 'x' }));
        expect(error.code).toBe('invalid');
        expect(error.issues).toEqual([{ path: `/${key}`, field: null, message: expect.stringContaining('not a field of contact') }]);
      }
      // Several at once: every one is named.
      const many = failure(await createRecord(ctx, contact, { ...base, id: uuidv7(), version: 3, nickname: 'm' }));
      expect(many.issues?.map((i) => i.path).sort()).toEqual(['/id', '/nickname', '/version']);
      expect(await count('contact')).toBe(before);

      // The same on update.
      const victim = await newContact();
      for (const key of [...Object.keys(systemKeys), 'nickname']) {
        const error = failure(await updateRecord(ctx, contact, { id: idOf(victim), version: 1, values: { [key]: systemKeys[key] ?? 'x' } }));
        expect(error.code).toBe('invalid');
        expect(error.issues?.[0]?.path).toBe(`/${key}`);
      }
      expect(must(await getRecord(ctx, contact, idOf(victim)))).toEqual(victim);
    });

    it('refuses __proto__ and constructor keys without touching Object.prototype', async () => {
      const before = await count('contact');
      const inputs: unknown[] = [
        JSON.parse('{"full_name":"Proto","email":"proto@example.com","__proto__":{"polluted":"yes","isAdmin":true}}'),
        JSON.parse('{"full_name":"Proto","email":"proto@example.com","constructor":{"prototype":{"polluted":"yes"}}}'),
        JSON.parse('{"full_name":"Proto","email":"proto@example.com","prototype":{"polluted":"yes"}}'),
      ];
      for (const input of inputs) {
        const error = failure(await createRecord(ctx, contact, input));
        expect(error.code).toBe('invalid');
        expect(error.issues?.[0]?.path).toMatch(/^\/(__proto__|constructor|prototype)$/);
      }
      const error = failure(await bulkCreate(ctx, contact, [JSON.parse('{"full_name":"P","email":"p1@example.com","__proto__":{"polluted":"yes"}}')]));
      expect(error.issues?.[0]?.path).toBe('/0/__proto__');
      const victim = await newContact();
      const updateError = failure(await updateRecord(ctx, contact, { id: idOf(victim), version: 1, values: JSON.parse('{"__proto__":{"polluted":"yes"},"job_title":"x"}') }));
      expect(updateError.issues?.[0]?.path).toBe('/__proto__');

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
      expect(await count('contact')).toBe(before + 1);
      expect(must(await getRecord(ctx, contact, idOf(victim)))).toEqual(victim);
    });

    it('refuses a value for the read-only auto-number, on create and on update', async () => {
      const acme = await newCompany();
      const before = await count('deal');
      const error = failure(await createRecord(ctx, deal, { title: 'Forged', company_id: idOf(acme), stage: 'won', number: 'DL-999999' }));
      expect(error.code).toBe('invalid');
      expect(error.issues).toEqual([{ path: '/number', field: 'number', message: expect.stringMatching(/read-only/) }]);
      expect(await count('deal')).toBe(before);

      const real = must(await createRecord(ctx, deal, { title: 'Real', company_id: idOf(acme), stage: 'won' }));
      expect(real.number).toMatch(/^DL-\d{6}$/);
      const updateError = failure(await updateRecord(ctx, deal, { id: idOf(real), version: 1, values: { number: 'DL-000001' } }));
      expect(updateError.issues?.[0]).toMatchObject({ path: '/number', field: 'number' });
      expect(must(await getRecord(ctx, deal, idOf(real))).number).toBe(real.number);
    });

    it('refuses impossible calendar dates instead of rolling them over', async () => {
      const before = await count('contact');
      for (const birthday of ['2023-02-29', '2024-02-30', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00', '2024-1-5', '20240105', '2024-01-05T00:00:00Z', '05/01/2024', '']) {
        const error = failure(await createRecord(ctx, contact, { full_name: 'Dated', email: 'dated@example.com', birthday }));
        expect(error.code, birthday).toBe('invalid');
        expect(error.issues?.[0], birthday).toMatchObject({ path: '/birthday', field: 'birthday' });
      }
      expect(await count('contact')).toBe(before);
      const leap = await newContact({ birthday: '2024-02-29' });
      expect(leap.birthday).toBe('2024-02-29');
      const error = failure(await updateRecord(ctx, contact, { id: idOf(leap), version: 1, values: { birthday: '2023-02-29' } }));
      expect(error.issues?.[0]).toMatchObject({ path: '/birthday' });
      expect(must(await getRecord(ctx, contact, idOf(leap))).birthday).toBe('2024-02-29');
    });

    it('stores SQL and HTML metacharacters verbatim, and the tables survive', async () => {
      const nasty = [
        "'); drop table data.contact; --",
        '<script>alert(1)</script>',
        "Robert'); DROP TABLE students;--",
        '" onmouseover="alert(1)',
        '$1 $$ \\x00 \\\\ %_ ; /* */ -- \u202Eevil\u202C',
        "1' or '1'='1",
        '{{7*7}} ${7*7} <%= 7*7 %>',
      ];
      for (const text of nasty) {
        const created = await newContact({ full_name: text, job_title: text, notes: text, tags: [text] });
        expect(created).toMatchObject({ full_name: text, job_title: text, notes: text, tags: [text] });
        expect(must(await getRecord(ctx, contact, idOf(created)))).toMatchObject({ full_name: text, notes: text, tags: [text] });
        const found = must(await listRecords(ctx, contact, { filter: { field: 'full_name', op: 'eq', value: text } }));
        expect(found.items.map((r) => r.id)).toEqual([created.id]);
        const updated = must(await updateRecord(ctx, contact, { id: idOf(created), version: 1, values: { job_title: `${text}!` } }));
        expect(updated.job_title).toBe(`${text}!`);
      }
      const co = await newCompany("'); drop table data.contact; --");
      expect(co.name).toBe("'); drop table data.contact; --");
      const tables = await sql<{ c: string | null; d: string | null }>`select to_regclass('data.contact')::text as c, to_regclass('data.deal')::text as d`.execute(t.database.db);
      expect(tables.rows[0]).toEqual({ c: 'data.contact', d: 'data.deal' });
      expect(await count('contact')).toBeGreaterThanOrEqual(nasty.length);
    });
  });

  describe('update', () => {
    it('bumps the version and writes the audit row and the outbox event in the same transaction', async () => {
      const created = await newContact({ job_title: 'Engineer' });
      const id = idOf(created);
      const updated = must(await updateRecord(ctx, contact, { id, version: 1, values: { job_title: 'CTO', stage: 'customer', full_name: created.full_name ?? null } }));
      expect(updated).toMatchObject({ id, version: 2, job_title: 'CTO', stage: 'customer', full_name: created.full_name, email: created.email, created_at: created.created_at });
      expect(Date.parse(String(updated.updated_at))).toBeGreaterThanOrEqual(Date.parse(String(created.updated_at)));
      expect(must(await getRecord(ctx, contact, id))).toEqual(updated);

      const audit = await auditRows(id);
      expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
      const change = audit[1];
      expect(change?.actor_id).toBe(actorId);
      expect(change?.entity).toBe('contact');
      // Only what changed, with old and new values (full_name was sent unchanged).
      expect(json(change?.changes)).toEqual({ job_title: { old: 'Engineer', new: 'CTO' }, stage: { old: 'lead', new: 'customer' } });

      const outbox = await outboxRows(id);
      expect(outbox.map((o) => o.topic)).toEqual(['record.created', 'record.updated']);
      expect(outbox[1]?.actor_id).toBe(actorId);
      // The event carries the change and the record after it (workflows read both).
      expect(json(outbox[1]?.payload)).toMatchObject({ entity: 'contact', id, changes: { job_title: { old: 'Engineer', new: 'CTO' }, stage: { old: 'lead', new: 'customer' } }, record: { job_title: 'CTO', stage: 'customer' } });
      expect(outbox[1]?.dispatched_at).toBeNull();

      // One transaction: the row version, the audit row and the outbox row carry the same xmin.
      const xmins = await sql<{ r: string; a: string; o: string }>`
        select (select xmin::text from data.contact where id = ${id}) as r,
               (select xmin::text from peyvand.audit_log where id = ${audit[1]?.id ?? '0'}) as a,
               (select xmin::text from peyvand.outbox where id = ${outbox[1]?.id ?? '0'}) as o`.execute(t.database.db);
      const x = xmins.rows[0];
      expect(x?.r).toBeTruthy();
      expect(x?.a).toBe(x?.r);
      expect(x?.o).toBe(x?.r);
      expect(change?.at instanceof Date ? change.at.toISOString() : null).toBe(updated.updated_at);
      expect(outbox[1]?.at instanceof Date ? outbox[1].at.toISOString() : null).toBe(updated.updated_at);
    });

    it('changes nothing, and writes no audit, when every value is unchanged', async () => {
      const created = await newContact({ job_title: 'Same' });
      const same = must(await updateRecord(ctx, contact, { id: idOf(created), version: 1, values: { job_title: 'Same' } }));
      expect(same.version).toBe(1);
      expect((await auditRows(idOf(created))).map((a) => a.action)).toEqual(['create']);
    });

    it('refuses a stale version with a conflict carrying the current record, and overwrites nothing', async () => {
      const created = await newContact({ job_title: 'v1' });
      const id = idOf(created);
      const v2 = must(await updateRecord(ctx, contact, { id, version: 1, values: { job_title: 'v2' } }));
      const counts = await systemRowCounts();
      const error = failure(await updateRecord(ctx, contact, { id, version: 1, values: { job_title: 'stale write', phone: '+14155550123' } }));
      expect(error.code).toBe('conflict');
      expect(error.current).toEqual(v2);
      expect(error.current?.version).toBe(2);
      expect(error.current?.job_title).toBe('v2');
      expect(must(await getRecord(ctx, contact, id))).toEqual(v2);
      expect(await systemRowCounts()).toEqual(counts);
      // A version from the future is a conflict too.
      expect(failure(await updateRecord(ctx, contact, { id, version: 7, values: { job_title: 'x' } })).code).toBe('conflict');
      expect(failure(await updateRecord(ctx, contact, { id: uuidv7(), version: 1, values: { job_title: 'x' } })).code).toBe('not-found');
    });

    it('lets exactly one of several concurrent updates of the same version win', async () => {
      for (let round = 0; round < 3; round++) {
        const created = await newContact({ job_title: 'start' });
        const id = idOf(created);
        const writers = Array.from({ length: 8 }, (_, i) => updateRecord(ctx, contact, { id, version: 1, values: { job_title: `writer ${i}` } }));
        const results = await Promise.all(writers);
        const winners = results.filter((r) => r.ok);
        const losers = results.filter((r) => !r.ok);
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(7);
        for (const l of losers) expect(l.ok ? null : l.error.code).toBe('conflict');
        const stored = must(await getRecord(ctx, contact, id));
        expect(stored.version).toBe(2);
        expect(stored.job_title).toBe(winners[0]?.ok ? winners[0].value.job_title : 'none');
        const audit = await auditRows(id);
        expect(audit.filter((a) => a.action === 'update')).toHaveLength(1);
        expect((await outboxRows(id)).filter((o) => o.topic === 'record.updated')).toHaveLength(1);
      }
    });

    it('refuses a duplicate unique value and a missing relation on update, naming the field', async () => {
      const a = await newContact();
      const b = await newContact();
      const dup = failure(await updateRecord(ctx, contact, { id: idOf(b), version: 1, values: { email: a.email ?? null } }));
      expect(dup.code).toBe('duplicate');
      expect(dup.issues).toEqual([{ path: '/email', field: 'email', message: expect.stringContaining('email') }]);
      const missing = failure(await updateRecord(ctx, contact, { id: idOf(b), version: 1, values: { company_id: uuidv7() } }));
      expect(missing.code).toBe('invalid');
      expect(missing.issues).toEqual([{ path: '/company_id', field: 'company_id', message: expect.stringContaining('company_id') }]);
      expect(must(await getRecord(ctx, contact, idOf(b)))).toEqual(b);
    });
  });

  describe('delete', () => {
    it('writes the audit row and the outbox event', async () => {
      const created = await newContact({ job_title: 'Leaving', tags: ['x'] });
      const id = idOf(created);
      expect(must(await deleteRecord(ctx, contact, { id, version: 1 }))).toEqual({ id });
      expect(failure(await getRecord(ctx, contact, id)).code).toBe('not-found');

      const audit = await auditRows(id);
      expect(audit.map((a) => a.action)).toEqual(['create', 'delete']);
      expect(audit[1]?.actor_id).toBe(actorId);
      expect(json(audit[1]?.changes)).toMatchObject({ job_title: { old: 'Leaving', new: null }, tags: { old: ['x'], new: null }, full_name: { old: created.full_name, new: null } });
      const outbox = await outboxRows(id);
      expect(outbox.map((o) => o.topic)).toEqual(['record.created', 'record.deleted']);
      expect(json(outbox[1]?.payload)).toEqual({ entity: 'contact', id, record: created });

      const xmins = await sql<{ a: string; o: string }>`
        select (select xmin::text from peyvand.audit_log where id = ${audit[1]?.id ?? '0'}) as a,
               (select xmin::text from peyvand.outbox where id = ${outbox[1]?.id ?? '0'}) as o`.execute(t.database.db);
      expect(xmins.rows[0]?.a).toBe(xmins.rows[0]?.o);

      expect(failure(await deleteRecord(ctx, contact, { id })).code).toBe('not-found');
      expect((await auditRows(id)).length).toBe(2);
    });

    it('refuses a delete of a stale version', async () => {
      const created = await newContact();
      must(await updateRecord(ctx, contact, { id: idOf(created), version: 1, values: { job_title: 'changed' } }));
      const error = failure(await deleteRecord(ctx, contact, { id: idOf(created), version: 1 }));
      expect(error.code).toBe('conflict');
      expect(error.current?.version).toBe(2);
      expect(must(await getRecord(ctx, contact, idOf(created))).job_title).toBe('changed');
    });

    it('refuses to delete a record a restrict relation refers to (in-use), and deletes nothing', async () => {
      const o = must(await createRecord(ctx, org, { name: 'Guild' }));
      const m = must(await createRecord(ctx, member, { name: 'Member', org_id: idOf(o) }));
      const counts = await systemRowCounts();
      const error = failure(await deleteRecord(ctx, org, { id: idOf(o) }));
      expect(error.code).toBe('in-use');
      expect(error.message).toMatch(/org/);
      expect(must(await getRecord(ctx, org, idOf(o)))).toEqual(o);
      expect(await systemRowCounts()).toEqual(counts);
      must(await deleteRecord(ctx, member, { id: idOf(m) }));
      must(await deleteRecord(ctx, org, { id: idOf(o) }));
      expect(await count('org')).toBe(0);
    });

    it('cascades to children (deals) and clears set-null references (contacts)', async () => {
      const co = await newCompany();
      const other = await newCompany();
      const person = await newContact({ company_id: idOf(co) });
      const keepPerson = await newContact({ company_id: idOf(other) });
      const deals = must(
        await bulkCreate(ctx, deal, [
          { title: 'd1', company_id: idOf(co), stage: 'won', contact_id: idOf(person) },
          { title: 'd2', company_id: idOf(co), stage: 'lost', lost_reason: 'price' },
          { title: 'd3', company_id: idOf(other), stage: 'lost', lost_reason: 'timing' },
        ]),
      );
      expect(deals.ids).toHaveLength(3);
      must(await deleteRecord(ctx, company, { id: idOf(co) }));
      const left = must(await listRecords(ctx, deal, { filter: { field: 'id', op: 'in', value: deals.ids } }));
      expect(left.items.map((d) => d.title)).toEqual(['d3']);
      expect(must(await getRecord(ctx, contact, idOf(person))).company_id).toBeNull();
      expect(must(await getRecord(ctx, contact, idOf(keepPerson))).company_id).toBe(idOf(other));
    });
  });

  describe('constraints', () => {
    it('maps a unique violation to a duplicate error naming the field, and saves nothing', async () => {
      const first = await newContact({ email: 'unique@example.com' });
      const before = await count('contact');
      const error = failure(await createRecord(ctx, contact, { full_name: 'Other', email: 'unique@example.com' }));
      expect(error.code).toBe('duplicate');
      expect(error.message).toMatch(/email/);
      expect(error.issues).toEqual([{ path: '/email', field: 'email', message: expect.stringContaining('email') }]);
      expect(await count('contact')).toBe(before);
      expect(first.email).toBe('unique@example.com');

      await newCompany('Unique Co');
      const co = failure(await createRecord(ctx, company, { name: 'Unique Co' }));
      expect(co.code).toBe('duplicate');
      expect(co.issues?.[0]).toMatchObject({ path: '/name', field: 'name' });

      // Duplicates inside one batch: none of the batch is saved.
      const batch = failure(
        await bulkCreate(ctx, contact, [
          { full_name: 'B1', email: 'batch-dup@example.com' },
          { full_name: 'B2', email: 'batch-dup@example.com' },
        ]),
      );
      expect(batch.code).toBe('duplicate');
      expect(await count('contact')).toBe(before);
    });

    it('maps a relation to a missing record to an invalid error naming the field', async () => {
      const before = await count('deal');
      const missing = randomUUID();
      const error = failure(await createRecord(ctx, deal, { title: 'Orphan', company_id: missing, stage: 'won' }));
      expect(error.code).toBe('invalid');
      expect(error.message).toMatch(/company_id/);
      expect(error.issues).toEqual([{ path: '/company_id', field: 'company_id', message: expect.stringContaining('company_id') }]);
      const co = await newCompany();
      const contactError = failure(await createRecord(ctx, deal, { title: 'Orphan', company_id: idOf(co), contact_id: missing, stage: 'won' }));
      expect(contactError.issues?.[0]).toMatchObject({ path: '/contact_id', field: 'contact_id' });
      expect(await count('deal')).toBe(before);
    });
  });

  describe('bulkCreate', () => {
    it('is all or nothing: one invalid record in 50 saves none, and issues point at /<index>/field', async () => {
      const before = await count('contact');
      const counts = await systemRowCounts();
      const records: Record<string, JsonValue>[] = Array.from({ length: 50 }, (_, i) => ({ full_name: `Bulk ${i}`, email: `bulk${i}@example.com` }));
      records[37] = { full_name: 'Bad', email: 'not an email' };
      const error = failure(await bulkCreate(ctx, contact, records));
      expect(error.code).toBe('invalid');
      expect(error.issues).toEqual([{ path: '/37/email', field: 'email', message: expect.stringContaining('email') }]);
      expect(error.message).toMatch(/1 of 50/);

      records[3] = { email: 'no-name@example.com' };
      records[40] = { full_name: 'X', email: 'x40@example.com', nickname: 'x' };
      const several = failure(await bulkCreate(ctx, contact, records));
      expect(several.issues?.map((i) => i.path)).toEqual(['/3/full_name', '/37/email', '/40/nickname']);
      expect(several.message).toMatch(/3 of 50/);

      const notObject = failure(await bulkCreate(ctx, contact, [{ full_name: 'ok', email: 'ok-bulk@example.com' }, 'text']));
      expect(notObject.issues?.[0]?.path).toBe('/1');

      expect(await count('contact')).toBe(before);
      expect(await systemRowCounts()).toEqual(counts);
    });

    it('saves 1000 records with their audit rows and outbox events', async () => {
      const before = await count('contact');
      const records = Array.from({ length: WRITE_LIMITS.maxBatch }, (_, i) => ({ full_name: `Thousand ${i}`, email: `thousand${i}@example.com`, tags: [`t${i % 7}`] }));
      const result = must(await bulkCreate(ctx, contact, records));
      expect(result.ids).toHaveLength(1000);
      expect(new Set(result.ids).size).toBe(1000);
      for (const id of result.ids) expect(id).toMatch(UUID_V7);
      expect(await count('contact')).toBe(before + 1000);

      const audit = await sql<{ n: number }>`select count(*)::int as n from peyvand.audit_log where action = 'create' and entity = 'contact' and actor_id = ${actorId} and record_id = any(${sql.val(result.ids)}::uuid[])`.execute(t.database.db);
      expect(Number(audit.rows[0]?.n)).toBe(1000);
      const outbox = await sql<{ n: number }>`select count(*)::int as n from peyvand.outbox where topic = 'record.created' and entity = 'contact' and record_id = any(${sql.val(result.ids)}::uuid[])`.execute(t.database.db);
      expect(Number(outbox.rows[0]?.n)).toBe(1000);

      const sample = result.ids[500] ?? '';
      expect(must(await getRecord(ctx, contact, sample))).toMatchObject({ full_name: 'Thousand 500', email: 'thousand500@example.com', tags: ['t3'], version: 1 });
      const sampleAudit = await auditRows(sample);
      expect(json(sampleAudit[0]?.changes)).toEqual({ full_name: { old: null, new: 'Thousand 500' }, email: { old: null, new: 'thousand500@example.com' }, tags: { old: null, new: ['t3'] }, stage: { old: null, new: 'lead' } });
    });

    it('refuses more than 1000 records with a limit error and saves none', async () => {
      const before = await count('contact');
      const records = Array.from({ length: WRITE_LIMITS.maxBatch + 1 }, (_, i) => ({ full_name: `Over ${i}`, email: `over${i}@example.com` }));
      const error = failure(await bulkCreate(ctx, contact, records));
      expect(error.code).toBe('limit');
      expect(error.message).toMatch(/1000/);
      expect(await count('contact')).toBe(before);
      expect(failure(await bulkCreate(ctx, contact, { full_name: 'not a list' })).code).toBe('invalid');
      expect(must(await bulkCreate(ctx, contact, []))).toEqual({ ids: [] });
    });
  });
});
