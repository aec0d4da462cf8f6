/**
 * The API over real HTTP, wired the way `peyvand serve` wires it (node http server → handleTrpcNode),
 * against PGlite and PostgreSQL: bearer tokens, the body limit, GET queries, and a model change that
 * goes live without a restart.
 */
import { grantRoles } from '../support/access.ts';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { MAX_BODY_BYTES } from '../../src/lib/server/api/http.ts';
import type { Runtime, RuntimeState } from '../../src/lib/server/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { readPackFolder } from '../../src/lib/server/packs/read-pack.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { loadPack } from '../../src/lib/model/load-pack.ts';
import { composeModel } from '../../src/lib/model/compose-model.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { createToken, revokeToken } from '../../src/lib/server/auth/tokens.ts';
import type { FieldIssue } from '../../src/lib/records/validate-record.ts';
import type { JsonValue } from '../../src/lib/model/types.ts';
import { openTestRuntime, startApiServer, type TestApiServer } from '../support/runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

type Row = Record<string, JsonValue>;

interface TrpcBody {
  readonly result?: { readonly data: unknown };
  readonly error?: {
    readonly message: string;
    readonly code: number;
    readonly data: {
      readonly code: string;
      readonly httpStatus: number;
      readonly path?: string;
      readonly peyvandCode?: string;
      readonly issues?: readonly FieldIssue[];
      readonly current?: Row;
      readonly stack?: unknown;
    };
  };
}

interface Reply {
  readonly status: number;
  readonly body: TrpcBody;
}

/** The b2b-sales pack, version 1.1.0, whose company has one more field. */
async function b2bWithTaxId() {
  const source = await readPackFolder(B2B_SALES);
  const manifest = source.manifest;
  if (!manifest) throw new Error('b2b-sales has no pack.json');
  const entities = source.entities.map((file) => {
    const doc = JSON.parse(file.text) as { $id: string; properties: Record<string, unknown> };
    if (doc.$id === 'company') doc.properties.tax_id = { type: 'string', maxLength: 20, title: 'Tax id' };
    return { path: file.path, text: JSON.stringify(doc) };
  });
  const manifestDoc = JSON.parse(manifest.text) as Record<string, unknown>;
  const loaded = loadPack({ manifest: { path: manifest.path, text: JSON.stringify({ ...manifestDoc, version: '1.1.0' }) }, entities });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.file}${i.pointer}: ${i.message}`).join('\n'));
  return loaded.pack;
}


describe.each(BACKENDS)('HTTP API on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let server: TestApiServer;
  let base: string;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
    await runtime.refresh();
    const user = await createUser(runtime.database.db, { email: 'api@example.com', name: 'API user', password: 'a long enough password' });
    if (!user.ok) throw new Error(user.error.message);
    userId = user.user.id;
    await grantRoles(runtime.database, [userId]);
    await runtime.refresh();
    token = (await createToken(runtime.database.db, { userId, name: 'tests', kind: 'api' })).token;

    // As src/cli/serve.ts does it.
    server = await startApiServer(runtime);
    base = server.base;
  });

  afterAll(async () => {
    await server.close();
    await dispose();
    expect(server.errors).toEqual([]);
  });

  function headers(auth: string | null | undefined): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    const value = auth === undefined ? `Bearer ${token}` : auth;
    if (value !== null) h.authorization = value;
    return h;
  }

  async function reply(res: Response): Promise<Reply> {
    const text = await res.text();
    let body: TrpcBody;
    try {
      body = JSON.parse(text) as TrpcBody;
    } catch {
      throw new Error(`not JSON (${res.status}): ${text.slice(0, 200)}`);
    }
    return { status: res.status, body };
  }

  /** A mutation: POST with the input as the JSON body. */
  async function post(path: string, input: unknown, auth?: string | null): Promise<Reply> {
    return reply(await fetch(`${base}/trpc/${path}`, { method: 'POST', headers: headers(auth), body: JSON.stringify(input) }));
  }

  /** A query: GET with `?input=<url-encoded json>`. */
  async function get(path: string, input: unknown, auth?: string | null): Promise<Reply> {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return reply(await fetch(`${base}/trpc/${path}${query}`, { headers: headers(auth) }));
  }

  function data(r: Reply): Row {
    if (r.status !== 200 || !r.body.result) throw new Error(`expected 200, got ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
    return r.body.result.data as Row;
  }

  async function companyCount(): Promise<number> {
    const listed = data(await get('entities.company.list', { limit: 1, includeTotal: true }));
    return Number(listed.total);
  }

  it('creates, lists with a filter, updates with the version and gets records', async () => {
    const acme = data(await post('entities.company.create', { name: 'Acme Corp', industry: 'manufacturing', employees: 1200 }));
    expect(acme).toMatchObject({ name: 'Acme Corp', version: 1, created_by: userId, owner: userId });
    const acmeId = String(acme.id);
    const jane = data(await post('entities.contact.create', { full_name: 'Jane Smith', email: 'jane@acme.example', company_id: acmeId, tags: ['vip'] }));
    const deal = data(
      await post('entities.deal.create', { title: 'ERP renewal', company_id: acmeId, contact_id: jane.id ?? null, stage: 'negotiation', amount: { amount: '120000.00', currency: 'USD' }, expected_close: '2026-12-15' }),
    );
    expect(deal).toMatchObject({ number: 'DL-000001', amount: { amount: '120000.00', currency: 'USD' }, expected_close: '2026-12-15' });
    data(await post('entities.contact.create', { full_name: 'John Other', email: 'john@other.example' }));

    const listed = data(await get('entities.contact.list', { filter: { field: 'company_id', op: 'eq', value: acmeId }, includeTotal: true }));
    expect(listed.total).toBe(1);
    expect((listed.items as Row[]).map((r) => r.full_name)).toEqual(['Jane Smith']);

    const updated = data(await post('entities.deal.update', { id: deal.id, version: 1, values: { stage: 'won', amount: { amount: '125000.50', currency: 'USD' } } }));
    expect(updated).toMatchObject({ version: 2, stage: 'won', amount: { amount: '125000.50', currency: 'USD' } });
    expect(data(await get('entities.deal.get', { id: deal.id }))).toEqual(updated);

    // The stale version is a 409 carrying the record as it is now.
    const stale = await post('entities.deal.update', { id: deal.id, version: 1, values: { stage: 'lost' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error?.data).toMatchObject({ code: 'CONFLICT', peyvandCode: 'conflict', current: { version: 2, stage: 'won' } });
    expect(stale.body.error?.data.stack).toBeUndefined();

    // Field-level issues reach the client.
    const invalid = await post('entities.contact.create', { full_name: 'X', email: 'not an email', owner: userId });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.data.peyvandCode).toBe('invalid');
    expect(invalid.body.error?.data.issues?.map((i) => i.path).sort()).toEqual(['/email', '/owner']);

    const missing = await get('entities.deal.get', { id: '01900000-0000-7000-8000-000000000000' });
    expect(missing.status).toBe(404);

    const deleted = await post('entities.deal.delete', { id: deal.id, version: 2 });
    expect(data(deleted)).toEqual({ id: deal.id });
    expect((await get('entities.deal.get', { id: deal.id })).status).toBe(404);
  });

  it('signs in over HTTP and uses the session token', async () => {
    const signedIn = data(await post('auth.signIn', { email: 'API@example.com', password: 'a long enough password' }, null));
    expect(signedIn.token).toMatch(/^pvd_/);
    const me = data(await get('auth.me', undefined, `Bearer ${String(signedIn.token)}`));
    expect(me).toMatchObject({ id: userId, email: 'api@example.com' });
    const wrong = await post('auth.signIn', { email: 'api@example.com', password: 'wrong password!' }, null);
    expect(wrong.status).toBe(401);
  });

  it('answers 401 without a token, with a bad token, and with a revoked one', async () => {
    const before = await companyCount();
    const spare = await createToken(runtime.database.db, { userId, name: 'spare', kind: 'api' });
    await revokeToken(runtime.database.db, spare.id);
    const bad = [null, '', 'Bearer', `Bearer pvd_${'A'.repeat(43)}`, `Basic ${Buffer.from('api@example.com:a long enough password').toString('base64')}`, `Bearer ${token}x`, `Bearer ${token} extra`, `Bearer ${spare.token}`, token];
    for (const auth of bad) {
      const listed = await get('entities.company.list', {}, auth);
      expect(listed.status, String(auth)).toBe(401);
      expect(listed.body.error?.data).toMatchObject({ code: 'UNAUTHORIZED', peyvandCode: 'unauthenticated' });
      const created = await post('entities.company.create', { name: `Sneaky ${String(auth).slice(0, 10)}` }, auth);
      expect(created.status, String(auth)).toBe(401);
      expect((await get('auth.me', undefined, auth)).status).toBe(401);
    }
    expect(await companyCount()).toBe(before);
    // The scheme is case-insensitive.
    expect((await get('entities.company.list', {}, `bearer ${token}`)).status).toBe(200);
  });

  it('refuses a body over 1 MB with 413 and creates nothing', async () => {
    const before = await companyCount();
    const big = JSON.stringify({ name: 'Huge', notes: 'x'.repeat(MAX_BODY_BYTES + 10) });
    const res = await fetch(`${base}/trpc/entities.company.create`, { method: 'POST', headers: headers(undefined), body: big });
    expect(res.status).toBe(413);
    await res.text();

    // Without a content-length (chunked), the limit holds while reading.
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${base}/trpc/entities.company.create`,
        { method: 'POST', headers: { ...headers(undefined), 'transfer-encoding': 'chunked' } },
        (res2) => {
          let text = '';
          res2.setEncoding('utf8');
          res2.on('data', (chunk: string) => (text += chunk));
          res2.on('end', () => resolve({ status: res2.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write('{"name":"Chunked","website":"');
      for (let i = 0; i < 12; i++) req.write('y'.repeat(100_000));
      req.end('"}');
    });
    expect(chunked.status).toBe(413);
    expect(await companyCount()).toBe(before);

    // Just under the limit: parsed, then refused by the field's maxLength.
    const underLimit = await post('entities.company.create', { name: 'z'.repeat(MAX_BODY_BYTES - 100) });
    expect(underLimit.status).toBe(400);
    expect(underLimit.body.error?.data.issues?.[0]?.path).toBe('/name');
    expect(await companyCount()).toBe(before);
  });

  it('reads a GET list input that needs URL encoding', async () => {
    const name = 'سارا & Co. #1 + 100% ?=/\\"\'';
    const created = data(await post('entities.company.create', { name, website: 'https://example.com/?a=1&b=2#x' }));
    const byName = data(await get('entities.company.list', { filter: { field: 'name', op: 'eq', value: name } }));
    expect((byName.items as Row[]).map((r) => r.id)).toEqual([created.id]);
    const bySearch = data(await get('entities.company.list', { search: 'سارا 100%', sort: [{ field: 'name', direction: 'desc' }] }));
    expect((bySearch.items as Row[]).map((r) => r.id)).toEqual([created.id]);
    // Hand-encoded (spaces as %20, Persian as UTF-8 escapes), not through encodeURIComponent's exact output.
    const manual = `${base}/trpc/entities.company.list?input=${encodeURI(JSON.stringify({ filter: { field: 'website', op: 'contains', value: 'a=1' } })).replaceAll('&', '%26').replaceAll('#', '%23')}`;
    const res = await reply(await fetch(manual, { headers: headers(undefined) }));
    expect((data(res).items as Row[]).map((r) => r.id)).toEqual([created.id]);
    // Malformed input is a 400, not a crash.
    const broken = await reply(await fetch(`${base}/trpc/entities.company.list?input=%7Bnot%20json`, { headers: headers(undefined) }));
    expect(broken.status).toBe(400);
    const badFilter = await get('entities.company.list', { filter: { field: 'users.password_hash', op: 'eq', value: 'x' } });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error?.data.peyvandCode).toBe('invalid');
    const unknown = await get('entities.nothing.list', {});
    expect(unknown.status).toBe(404);
  });

  it('accepts a new field after a model change, without a restart', async () => {
    const before = await post('entities.company.create', { name: 'Early Tax', tax_id: 'IR-123' });
    expect(before.status).toBe(400);
    expect(before.body.error?.data.issues?.[0]?.path).toBe('/tax_id');

    const swapped = new Promise<RuntimeState>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no model change notification within 10 s')), 10_000);
      const stop = runtime.onModelChange((state) => {
        clearTimeout(timer);
        stop();
        resolve(state);
      });
    });
    const current = await loadCurrentModel(runtime.database.db);
    const composed = composeModel(current.model, await b2bWithTaxId());
    if (!composed.ok) throw new Error(composed.issues.map((i) => i.message).join('\n'));
    const result = await applyModel(runtime.database, { model: composed.model, source: 'test: add company.tax_id', actorId: userId });
    expect(result.status).toBe('applied');
    // The NOTIFY sent on commit swaps the router in; no refresh() call.
    const state = await swapped;
    expect(state.version).toBe(result.version);
    expect(runtime.current().version).toBe(result.version);

    const created = data(await post('entities.company.create', { name: 'Taxed', tax_id: 'IR-123' }));
    expect(created.tax_id).toBe('IR-123');
    const listed = data(await get('entities.company.list', { filter: { field: 'tax_id', op: 'eq', value: 'IR-123' }, sort: [{ field: 'tax_id' }] }));
    expect((listed.items as Row[]).map((r) => r.name)).toEqual(['Taxed']);
    const tooLong = await post('entities.company.create', { name: 'Taxed 2', tax_id: 'x'.repeat(21) });
    expect(tooLong.status).toBe(400);
    // Older records read the new field as null.
    const acme = data(await get('entities.company.list', { filter: { field: 'name', op: 'eq', value: 'Acme Corp' } }));
    expect((acme.items as Row[])[0]?.tax_id).toBeNull();
  });
});
