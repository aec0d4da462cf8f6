/**
 * Bearer tokens do what their scopes allow and no more: a read-only token reads but cannot create
 * (FORBIDDEN, reason "scope"), export and import need their own scopes, managing tokens needs
 * "admin", a token can never mint a wider one, and an expired token is refused.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime, startApiServer, type TestApiServer } from '../support/runtime.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { createToken } from '../../src/lib/server/auth/tokens.ts';
import { can, type TokenScope } from '../../src/lib/server/auth/permissions.ts';
import type { User } from '../../src/lib/server/auth/users.ts';
import { companyCount, installB2b, makeUser, sessionCookie, trpcReply, type TrpcReply } from './support.ts';

describe.each(BACKENDS)('token scopes (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let server: TestApiServer;
  let admin: User;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_scopes'));
    await installB2b(runtime);
    admin = await makeUser(runtime, 'owner@example.com', { isAdmin: true });
    server = await startApiServer(runtime);
  });

  afterAll(async () => {
    await server.close();
    await dispose();
    expect(server.errors).toEqual([]);
  });

  async function tokenWith(scopes: TokenScope[] | null, expiresInDays: number | null = null): Promise<string> {
    return (await createToken(runtime.database.db, { userId: admin.id, name: `t-${String(scopes)}`, kind: 'api', scopes, expiresInDays })).token;
  }

  async function call(method: 'GET' | 'POST', path: string, input: unknown, token: string): Promise<TrpcReply> {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    if (method === 'GET') {
      const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return trpcReply(await fetch(`${server.base}/trpc/${path}${query}`, { headers }));
    }
    return trpcReply(await fetch(`${server.base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) }));
  }

  it('lets a read-only token read, and refuses a create with FORBIDDEN "scope", changing nothing', async () => {
    const reader = await tokenWith(['read']);
    expect((await call('GET', 'entities.company.list', { limit: 1 }, reader)).status).toBe(200);
    expect((await call('GET', 'meta.model', undefined, reader)).status).toBe(200);
    const before = await companyCount(runtime);
    for (const [path, input] of [
      ['entities.company.create', { name: 'Not Allowed Ltd' }],
      ['entities.company.bulkCreate', { records: [{ name: 'Not Allowed Ltd' }] }],
      ['entities.company.update', { id: '01900000-0000-7000-8000-000000000000', version: 1, values: {} }],
      ['entities.company.delete', { id: '01900000-0000-7000-8000-000000000000' }],
    ] as const) {
      const refused = await call('POST', path, input, reader);
      expect(refused.status, path).toBe(403);
      expect(refused.body.error?.data, path).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'scope' });
      expect(refused.body.error?.message, path).toContain('"write"');
    }
    expect(await companyCount(runtime)).toBe(before);
    // An admin user's read token still cannot administer.
    expect((await call('GET', 'meta.versions', undefined, reader)).body.error?.data).toMatchObject({ peyvandCode: 'scope' });
  });

  it('lets a write token create but not read', async () => {
    const writer = await tokenWith(['write']);
    const before = await companyCount(runtime);
    expect((await call('POST', 'entities.company.create', { name: 'Writer Ltd' }, writer)).status).toBe(200);
    expect(await companyCount(runtime)).toBe(before + 1);
    expect((await call('GET', 'entities.company.list', {}, writer)).body.error?.data).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'scope' });
  });

  it('asks for "export" to export and "import" to import, whatever the role allows', () => {
    const user = { id: admin.id, email: admin.email, name: admin.name, isAdmin: true, mustChangePassword: false };
    const entity = 'company';
    expect(can({ ...user, scopes: ['read'] }, { action: 'record.export', entity })).toMatchObject({ allowed: false, reason: 'scope' });
    expect(can({ ...user, scopes: ['read', 'export'] }, { action: 'record.export', entity })).toEqual({ allowed: true });
    expect(can({ ...user, scopes: ['write'] }, { action: 'record.import', entity })).toMatchObject({ allowed: false, reason: 'scope' });
    expect(can({ ...user, scopes: ['import'] }, { action: 'record.import', entity })).toEqual({ allowed: true });
    expect(can({ ...user, scopes: null }, { action: 'record.export', entity })).toEqual({ allowed: true });
  });

  it('needs the admin scope to manage tokens, and never mints a token wider than the one asking', async () => {
    const reader = await tokenWith(['read']);
    expect((await call('POST', 'auth.createToken', { name: 'escalate', scopes: ['read', 'write'] }, reader)).body.error?.data).toMatchObject({ peyvandCode: 'scope' });
    expect((await call('GET', 'auth.listTokens', undefined, reader)).body.error?.data).toMatchObject({ peyvandCode: 'scope' });
    expect((await call('POST', 'auth.signOutEverywhere', { apiTokens: true }, reader)).body.error?.data).toMatchObject({ peyvandCode: 'scope' });

    const manager = await tokenWith(['read', 'admin']);
    const wider = await call('POST', 'auth.createToken', { name: 'wider', scopes: ['read', 'write'] }, manager);
    expect(wider.status).toBe(403);
    expect(wider.body.error?.data).toMatchObject({ peyvandCode: 'scope' });
    expect(wider.body.error?.message).toContain('write');
    const narrower = await call('POST', 'auth.createToken', { name: 'narrower', scopes: ['read'], expiresInDays: 7 }, manager);
    expect(narrower.status).toBe(200);
    expect(narrower.body.result?.data).toMatchObject({ scopes: ['read'], expiresAt: expect.any(String) });
    // Scopes left out: the asking token's own, not "everything".
    const inherited = await call('POST', 'auth.createToken', { name: 'inherited' }, manager);
    expect(inherited.body.result?.data).toMatchObject({ scopes: ['read', 'admin'], expiresAt: null });

    // A browser session may give any scopes.
    const { cookie } = await sessionCookie(runtime, admin.email);
    const fromSession = await trpcReply(
      await fetch(`${server.base}/trpc/auth.createToken`, {
        method: 'POST',
        headers: { cookie, origin: server.base, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from session', scopes: ['export'], expiresInDays: 30 }),
      }),
    );
    expect(fromSession.body.result?.data).toMatchObject({ scopes: ['export'] });
  });

  it('refuses malformed scope and expiry input with BAD_REQUEST', async () => {
    const { cookie } = await sessionCookie(runtime, admin.email);
    for (const input of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: 'read' },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: 3651 },
      { name: 'x', expiresInDays: '30' },
      { name: 'x', owner: 'someone' },
    ]) {
      const reply = await trpcReply(
        await fetch(`${server.base}/trpc/auth.createToken`, { method: 'POST', headers: { cookie, origin: server.base, 'content-type': 'application/json' }, body: JSON.stringify(input) }),
      );
      expect(reply.status, JSON.stringify(input)).toBe(400);
    }
  });

  it('refuses an expired token', async () => {
    const token = await tokenWith(['read'], 1);
    expect((await call('GET', 'auth.me', undefined, token)).status).toBe(200);
    await runtime.database.db.updateTable('peyvand.api_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('name', '=', 't-read').execute();
    runtime.forgetAuthentications();
    expect((await call('GET', 'auth.me', undefined, token)).status).toBe(401);
  });
});
