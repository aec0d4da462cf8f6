/**
 * Hostile input through the record service, the tRPC caller and HTTP, on both backends: values are
 * stored verbatim and compared as parameters, names never become SQL, oversized and deeply nested
 * input is refused with a clear error, and nothing is changed by a refused request.
 */
import { grantRoles } from '../support/access.ts';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { PeyvandApiError } from '../../src/lib/server/api/trpc.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { createToken } from '../../src/lib/server/auth/tokens.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import { createRecord, listRecords, updateRecord, type RecordContext } from '../../src/lib/server/records/record-service.ts';
import { encodeCursor, type FilterNode, type ListInput } from '../../src/lib/server/records/list-query.ts';
import { findEntity, type EntityModel, type JsonValue } from '../../src/lib/model/types.ts';
import { openTestRuntime, must, failure, startApiServer, type TestApiServer } from '../support/runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

/** Values that have broken other products' SQL, HTML or template handling. */
const HOSTILE_VALUES = [
  "'); drop table data.contact; --",
  "' or 1=1 --",
  '" or ""="',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '${process.exit(1)}',
  '$1; select pg_sleep(10)',
  '\\\'; drop table data.contact; --',
  '%_\\%',
  'E\'\\x27\'',
  '\u202Egnp.exe',
  'a\u200Bb\uFEFFc',
  'پیوند; DROP SCHEMA peyvand CASCADE;',
];

const INJECTED_FILTER_VALUES = ["' or 1=1 --", "x' or 'a'='a", "'; drop table data.contact; --", '%', '_', "\\' or 1=1 --", ') or (1=1'];



async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  try {
    const value = await call;
    throw new Error(`expected a refusal, got ${JSON.stringify(value)?.slice(0, 200)}`);
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

function peyvandCode(error: TRPCError): string | null {
  return error instanceof PeyvandApiError ? error.detail.peyvandCode : null;
}

/** `{"and":[{"and":[ … {"field":…} … ]}]}`, `depth` levels, as JSON text. */
function deepFilterJson(depth: number): string {
  return `${'{"and":['.repeat(depth)}{"field":"full_name","op":"eq","value":"x"}${']}'.repeat(depth)}`;
}


describe.each(BACKENDS)('hostile input on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let contact: EntityModel;
  let company: EntityModel;
  let ctx: RecordContext;
  let user: AuthUser;
  let token: string;
  let server: TestApiServer;
  let base: string;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
    const { model } = await runtime.refresh();
    const c = findEntity(model, 'contact');
    const co = findEntity(model, 'company');
    if (!c || !co) throw new Error('b2b-sales entities missing');
    contact = c;
    company = co;
    const created = await createUser(runtime.database.db, { email: 'mallory@example.com', name: 'Mallory', password: 'a long enough password' });
    if (!created.ok) throw new Error(created.error.message);
    user = created.user;
    await grantRoles(runtime.database, [user.id]);
    await runtime.refresh();
    token = (await createToken(runtime.database.db, { userId: user.id, name: 'tests', kind: 'api' })).token;
    ctx = { db: runtime.database.db, actorId: user.id, access: SYSTEM_ACCESS };

    server = await startApiServer(runtime);
    base = server.base;
  });

  afterAll(async () => {
    await server.close();
    await dispose();
    expect(server.errors).toEqual([]);
  });

  /** The tRPC caller's router for one entity, as the signed-in user. */
  function api(name: 'contact' | 'company' = 'contact') {
    const router = runtime.caller(user).entities[name];
    if (!router) throw new Error(`no API for ${name}`);
    return router;
  }

  async function contactCount(): Promise<number> {
    const result = await sql<{ n: number }>`select count(*)::int as n from data.contact`.execute(runtime.database.db);
    return Number(result.rows[0]?.n);
  }

  async function tablesIntact(): Promise<void> {
    const result = await sql<{ contact: string | null; company: string | null; users: string | null; audit: string | null }>`
      select to_regclass('data.contact')::text as contact, to_regclass('data.company')::text as company,
             to_regclass('peyvand.users')::text as users, to_regclass('peyvand.audit_log')::text as audit`.execute(runtime.database.db);
    expect(result.rows[0]).toEqual({ contact: 'data.contact', company: 'data.company', users: 'peyvand.users', audit: 'peyvand.audit_log' });
  }

  async function httpGet(path: string, inputJson: string): Promise<{ status: number; body: { error?: { data?: { code?: string; peyvandCode?: string } } } }> {
    const res = await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(inputJson)}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { error?: { data?: { code?: string; peyvandCode?: string } } } };
  }

  async function httpPost(path: string, bodyJson: string): Promise<{ status: number; body: { error?: { data?: { code?: string; peyvandCode?: string } } } }> {
    const res = await fetch(`${base}/trpc/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: bodyJson });
    return { status: res.status, body: (await res.json()) as { error?: { data?: { code?: string; peyvandCode?: string } } } };
  }

  it('stores SQL and HTML metacharacters verbatim, through the service and the API', async () => {
    let n = 0;
    for (const text of HOSTILE_VALUES) {
      n++;
      const viaService = must(await createRecord(ctx, contact, { full_name: text, email: `svc${n}@example.com`, job_title: text.slice(0, 200), notes: text, tags: [text.slice(0, 50)] }));
      expect(viaService).toMatchObject({ full_name: text, notes: text, tags: [text.slice(0, 50)] });
      const viaApi = await api().create({ full_name: text, email: `api${n}@example.com`, notes: text });
      expect(viaApi).toMatchObject({ full_name: text, notes: text });
      const fetched = await api().get({ id: String(viaApi.id) });
      expect(fetched.full_name).toBe(text);
      const listed = await api().list({ filter: { field: 'full_name', op: 'eq', value: text } });
      expect(listed.items.map((r) => r.id).sort()).toEqual([viaService.id, viaApi.id].sort());
      const updated = must(await updateRecord(ctx, contact, { id: String(viaService.id), version: 1, values: { notes: `${text} (edited)` } }));
      expect(updated.notes).toBe(`${text} (edited)`);
    }
    const co = await api('company').create({ name: "'); drop table data.contact; --", website: 'https://example.com/?q=<script>' });
    expect(co).toMatchObject({ name: "'); drop table data.contact; --", website: 'https://example.com/?q=<script>' });
    await tablesIntact();
    expect(await contactCount()).toBe(HOSTILE_VALUES.length * 2);
  });

  it('treats filter and search values as parameters: no match, no error', async () => {
    const before = await contactCount();
    for (const value of INJECTED_FILTER_VALUES) {
      const filters: FilterNode[] = [
        { field: 'job_title', op: 'eq', value },
        { field: 'job_title', op: 'neq', value: `${value}!` },
        { field: 'email', op: 'contains', value },
        { field: 'email', op: 'starts_with', value },
        { field: 'email', op: 'in', value: [value, `${value}2`] },
        { field: 'tags', op: 'contains', value },
        { field: 'tags', op: 'in', value: [value] },
        { field: 'stage', op: 'eq', value: 'lead' },
      ];
      for (const filter of filters) {
        const viaService = must(await listRecords(ctx, contact, { filter: { and: [filter, { field: 'email', op: 'eq', value: `${value}@nowhere.example` }] } }));
        expect(viaService.items, JSON.stringify(filter)).toEqual([]);
      }
      const direct = must(await listRecords(ctx, contact, { filter: { field: 'email', op: 'eq', value } }));
      expect(direct.items).toEqual([]);
      const viaApi = await api().list({ filter: { field: 'email', op: 'eq', value }, includeTotal: true });
      expect(viaApi).toMatchObject({ items: [], total: 0 });
      const http = await httpGet('entities.contact.list', JSON.stringify({ filter: { field: 'email', op: 'contains', value } }));
      expect(http.status).toBe(200);
    }
    // Search terms are parameters too; `' or 1=1 --` finds only records that contain that text.
    const searched = must(await listRecords(ctx, contact, { search: "' or 1=1 --" }));
    expect(searched.items.map((r) => r.full_name)).toEqual(["' or 1=1 --", "' or 1=1 --"]);
    expect(must(await listRecords(ctx, contact, { search: "nothing' or '1'='1" })).items).toEqual([]);
    // A cursor carrying SQL is a value (or refused), never SQL.
    const cursor = encodeCursor(["x' or 1=1 --", '01900000-0000-7000-8000-000000000000']);
    const paged = await listRecords(ctx, contact, { sort: [{ field: 'full_name' }], cursor });
    if (paged.ok) expect(paged.value.items.every((r) => String(r.full_name) > "x' or 1=1 --")).toBe(true);
    else expect(paged.error.code).toBe('invalid');
    await tablesIntact();
    expect(await contactCount()).toBe(before);
  });

  it('refuses SQL in a sort field or filter field name', async () => {
    const sorts: ListInput['sort'][] = [
      [{ field: 'full_name; drop table x' }],
      [{ field: 'full_name desc, (select 1)' }],
      [{ field: 'users.password_hash' }],
      [{ field: '"full_name"' }],
      [{ field: 'full_name', direction: 'asc; drop table x' as 'asc' }],
    ];
    for (const sort of sorts) {
      expect(failure(await listRecords(ctx, contact, { sort: sort ?? [] })).code).toBe('invalid');
      const error = await refusal(api().list({ sort }));
      expect(error.code).toBe('BAD_REQUEST');
    }
    for (const field of ['full_name; drop table x', 'users.password_hash', 'password_hash', '_search', '__proto__']) {
      expect(failure(await listRecords(ctx, contact, { filter: { field, op: 'eq', value: 'x' } })).code).toBe('invalid');
      expect((await refusal(api().list({ filter: { field, op: 'eq', value: 'x' } }))).code).toBe('BAD_REQUEST');
    }
    const polluted = JSON.parse('{"__proto__":{"field":"full_name"},"field":"full_name","op":"eq","value":"x"}') as FilterNode;
    expect(failure(await listRecords(ctx, contact, { filter: polluted })).code).toBe('invalid');
    expect(({} as Record<string, unknown>).field).toBeUndefined();
    const http = await httpGet('entities.contact.list', JSON.stringify({ sort: [{ field: 'full_name; drop table x' }] }));
    expect(http.status).toBe(400);
    await tablesIntact();
  });

  it('refuses a 100 KB string in a 200-character field, and saves nothing', async () => {
    const before = await contactCount();
    const huge = 'A'.repeat(100_000);
    const error = failure(await createRecord(ctx, contact, { full_name: huge, email: 'huge@example.com' }));
    expect(error.code).toBe('invalid');
    expect(error.issues).toEqual([{ path: '/full_name', field: 'full_name', message: expect.stringMatching(/longer than 200/) }]);
    expect(error.message.length).toBeLessThan(500);
    const apiError = await refusal(api().create({ full_name: 'ok', email: 'huge2@example.com', job_title: huge }));
    expect(apiError.code).toBe('BAD_REQUEST');
    expect(peyvandCode(apiError)).toBe('invalid');
    const http = await httpPost('entities.contact.create', JSON.stringify({ full_name: huge, email: 'huge3@example.com' }));
    expect(http.status).toBe(400);
    const existing = must(await createRecord(ctx, contact, { full_name: 'Short', email: 'short@example.com' }));
    const updateError = failure(await updateRecord(ctx, contact, { id: String(existing.id), version: 1, values: { full_name: huge } }));
    expect(updateError.issues?.[0]?.path).toBe('/full_name');
    expect(await contactCount()).toBe(before + 1);
    // Search text has a cap of its own.
    expect(failure(await listRecords(ctx, contact, { search: huge })).code).toBe('invalid');
    expect((await refusal(api().list({ filter: { field: 'full_name', op: 'contains', value: huge } }))).code).toBe('BAD_REQUEST');
  });

  it('refuses a filter nested 1000 deep without a stack overflow', async () => {
    for (const depth of [1000, 50_000]) {
      const json = deepFilterJson(depth);
      const filter = JSON.parse(json) as FilterNode;
      const error = failure(await listRecords(ctx, contact, { filter }));
      expect(error.code).toBe('invalid');
      expect(error.message).toMatch(/nested at most/);
      const apiError = await refusal(api().list({ filter }));
      expect(apiError.code).toBe('BAD_REQUEST');
      // POST (queries may be sent as POST): a GET this deep would not fit in the request line.
      const http = await httpPost('entities.contact.list', `{"filter":${json}}`);
      expect(http.status, `depth ${depth}`).toBe(400);
      expect(http.body.error?.data?.peyvandCode).toBe('invalid');
    }
    // Deep values in a record are refused by the field's type, not walked.
    const deepValue = JSON.parse(`${'['.repeat(1000)}"x"${']'.repeat(1000)}`) as JsonValue;
    const deepRecord = failure(await createRecord(ctx, contact, { full_name: deepValue, email: 'deep@example.com', tags: deepValue }));
    expect(deepRecord.issues?.map((i) => i.path).sort()).toEqual(['/full_name', '/tags/0']);
    const deepMoney = await refusal(api('company').create({ name: 'Deep', employees: JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`) as JsonValue }));
    expect(deepMoney.code).toBe('BAD_REQUEST');
    const deepIn = failure(await listRecords(ctx, contact, { filter: { field: 'email', op: 'in', value: [deepValue] } }));
    expect(deepIn.code).toBe('invalid');
  });

  it('answers values PostgreSQL cannot take with a clear error, not a server fault', async () => {
    const before = await contactCount();
    const bad: Record<string, JsonValue>[] = [
      { full_name: 'Year zero', email: 'year0@example.com', birthday: '0000-01-01' },
      { full_name: 'Nul \u0000 byte', email: 'nul@example.com' },
      { full_name: 'Lone \uD800 surrogate', email: 'surrogate@example.com' },
    ];
    for (const values of bad) {
      expect(failure(await createRecord(ctx, contact, values)).code, JSON.stringify(values)).toBe('invalid');
      const error = await refusal(api().create(values));
      expect(error.code, JSON.stringify(values)).toBe('BAD_REQUEST');
    }
    const filters: FilterNode[] = [
      { field: 'birthday', op: 'eq', value: '0000-01-01' },
      { field: 'created_at', op: 'gt', value: '2024-01-01T00:00:00+20:00' },
      { field: 'full_name', op: 'eq', value: 'a\u0000b' },
      { field: 'full_name', op: 'contains', value: 'a\u0000b' },
    ];
    for (const filter of filters) {
      expect(failure(await listRecords(ctx, contact, { filter })).code, JSON.stringify(filter)).toBe('invalid');
      expect((await refusal(api().list({ filter }))).code, JSON.stringify(filter)).toBe('BAD_REQUEST');
    }
    expect(failure(await listRecords(ctx, contact, { search: 'a\u0000b' })).code).toBe('invalid');
    expect(await contactCount()).toBe(before);
    // Through HTTP the same requests are 400s.
    const http = await httpPost('entities.contact.create', JSON.stringify({ full_name: 'Year zero', email: 'year0-http@example.com', birthday: '0000-01-01' }));
    expect(http.status).toBe(400);
    const httpFilter = await httpGet('entities.contact.list', JSON.stringify({ filter: { field: 'full_name', op: 'eq', value: 'a\u0000b' } }));
    expect(httpFilter.status).toBe(400);
  });

  it('keeps the company table and its rows after everything above', async () => {
    const companies = must(await listRecords(ctx, company, { includeTotal: true }));
    expect(companies.total).toBe(1);
    await tablesIntact();
  });
});
