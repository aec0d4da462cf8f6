/**
 * The API through @trpc/client, both link kinds: httpLink (one call per request, the fast path)
 * and httpBatchLink (tRPC's own adapter). And the auth cache: a revoked token is refused at once.
 */
import { grantRoles } from '../support/access.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { BACKENDS, createPostgresDatabase } from '../support/databases.ts';
import { TRPC_PREFIX } from '../../src/lib/server/api/http.ts';
import { startApiServer, type TestApiServer } from '../support/runtime.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { createToken, revokeToken } from '../../src/lib/server/auth/tokens.ts';
import type { AppRouter } from '../../src/lib/server/api/app-router.ts';

describe.each(BACKENDS)('tRPC client over HTTP on %s', (kind) => {
  let runtime: Runtime;
  let server: TestApiServer;
  let base: string;
  let dropDatabase: (() => Promise<void>) | null = null;
  let userId: string;

  beforeAll(async () => {
    if (kind === 'postgres') {
      const created = await createPostgresDatabase('peyvand_client');
      dropDatabase = created.drop;
      runtime = await startRuntime({ url: created.url, poolSize: 4 });
    } else {
      runtime = await startRuntime({ dataDir: 'memory://' });
    }
    const applied = await applyPackFolder(runtime.database, 'packs/b2b-sales', { actorId: null });
    if (!applied.ok) throw new Error('pack');
    await runtime.refresh();
    const user = await createUser(runtime.database.db, { email: 'client@example.com', name: 'Client', password: 'a long enough password', isAdmin: false, mustChangePassword: false });
    if (!user.ok) throw new Error('user');
    userId = user.user.id;
    await grantRoles(runtime.database, [userId]);
    await runtime.refresh();
    server = await startApiServer(runtime);
    base = `${server.base}${TRPC_PREFIX.slice(0, -1)}`;
  });
  afterAll(async () => {
    await server.close();
    await runtime.close();
    await dropDatabase?.();
  });

  function client(token: string, batch: boolean) {
    const headers = { authorization: `Bearer ${token}` };
    return createTRPCClient<AppRouter>({ links: [batch ? httpBatchLink({ url: base, headers }) : httpLink({ url: base, headers })] });
  }

  it.each([false, true])('creates, lists and reads records (batched: %s), with the same error shape', async (batch) => {
    const { token } = await createToken(runtime.database.db, { userId, name: `t-${batch}`, kind: 'api' });
    const api = client(token, batch);
    const entities = api.entities as unknown as {
      company: {
        create: { mutate: (v: unknown) => Promise<{ id: string; name: string }> };
        get: { query: (v: unknown) => Promise<{ id: string; name: string }> };
        list: { query: (v: unknown) => Promise<{ items: { name: string }[] }> };
      };
    };
    const name = `Client Co ${batch ? 'B' : 'S'}`;
    const created = await entities.company.create.mutate({ name });
    const [read, page] = await Promise.all([entities.company.get.query({ id: created.id }), entities.company.list.query({ filter: { field: 'name', op: 'eq', value: name } })]);
    expect(read.name).toBe(name);
    expect(page.items.map((c) => c.name)).toEqual([name]);
    const error = await entities.company.create.mutate({ name: 'x', colour: 'red' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data as { code: string; httpStatus: number; peyvandCode?: string; issues?: { path: string }[] } | undefined;
    expect(data?.code).toBe('BAD_REQUEST');
    expect(data?.httpStatus).toBe(400);
    expect(data?.peyvandCode).toBe('invalid');
    expect(data?.issues?.[0]?.path).toBe('/colour');
  });

  it('refuses a revoked token on the very next request, although answers are cached', async () => {
    const { id, token } = await createToken(runtime.database.db, { userId, name: 'to-revoke', kind: 'api' });
    const api = client(token, false);
    expect((await api.auth.me.query()).email).toBe('client@example.com');
    expect((await api.auth.me.query()).email).toBe('client@example.com');
    expect(await revokeToken(runtime.database.db, id)).toBe(true);
    // The NOTIFY is delivered asynchronously; give it a moment, far below the cache's lifetime.
    await new Promise((r) => setTimeout(r, 200));
    const error = await api.auth.me.query().catch((e: unknown) => e);
    expect((error as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
  });

  it('answers unknown procedures with 404, a GET on a mutation with 405 and bad JSON with 400', async () => {
    const { token } = await createToken(runtime.database.db, { userId, name: 'raw', kind: 'api' });
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${base}/entities.nothing.list`, { headers })).status).toBe(404);
    expect((await fetch(`${base}/entities.company.create?input=${encodeURIComponent('{"name":"x"}')}`, { headers })).status).toBe(405);
    const bad = await fetch(`${base}/entities.company.create`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"name":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { data: { code: string } } }).error.data.code).toBe('PARSE_ERROR');
  });
});
