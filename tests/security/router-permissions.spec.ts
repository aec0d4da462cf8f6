/**
 * Every procedure of the API built for the b2b-sales model declares a permission, and the one
 * middleware enforces it: an anonymous caller is refused everywhere but sign-in, a user who must
 * change the password can do nothing else, a non-admin cannot administer.
 */
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppRouter, type AppRouter } from '../../src/lib/server/api/app-router.ts';
import { PeyvandApiError, procedure, router as trpcRouter, type ApiContext, type ApiMeta } from '../../src/lib/server/api/trpc.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { grantRoles } from '../support/access.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import type { AuthUser, Permission } from '../../src/lib/server/auth/permissions.ts';
import type { Model } from '../../src/lib/model/types.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));
const SOME_ID = '01900000-0000-7000-8000-000000000000';

type Call = (input?: unknown) => Promise<unknown>;

interface ProcedureLike {
  readonly _def: { readonly meta?: unknown; readonly type?: string };
}

function procedures(router: AppRouter): [string, ProcedureLike][] {
  return Object.entries(router._def.procedures as unknown as Record<string, ProcedureLike>).sort(([a], [b]) => a.localeCompare(b));
}

function permissionOf(procedure: ProcedureLike): Permission | undefined {
  return (procedure._def.meta as ApiMeta | undefined)?.permission;
}

/** The caller's function for a dotted path, e.g. `entities.company.list`. */
function callAt(caller: unknown, path: string): Call {
  let node: unknown = caller;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`no procedure at ${path}`);
  return node as Call;
}

/** An input each procedure accepts, so that a refusal comes from the permission check alone. */
function inputFor(path: string): unknown {
  const action = path.split('.').at(-1);
  switch (action) {
    case 'list':
      return { limit: 5 };
    case 'get':
      return { id: SOME_ID };
    case 'create':
      if (path.startsWith('entities.company')) return { name: 'Intruder Inc' };
      if (path.startsWith('entities.contact')) return { full_name: 'Intruder', email: 'intruder@example.com' };
      return { title: 'Intrusion', company_id: SOME_ID, stage: 'won' };
    case 'bulkCreate':
      return { records: [] };
    case 'update':
      return { id: SOME_ID, version: 1, values: {} };
    case 'delete':
      return { id: SOME_ID };
    case 'changePassword':
      return { oldPassword: 'old password!', newPassword: 'new password!' };
    case 'createToken':
      return { name: 'stolen' };
    case 'revokeToken':
      return { id: SOME_ID };
    case 'signIn':
      return { email: 'nobody@example.com', password: 'whatever pw' };
    default:
      return undefined;
  }
}

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  try {
    const value = await call;
    throw new Error(`expected a refusal, got ${JSON.stringify(value)?.slice(0, 200)}`);
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
}

function user(overrides: Partial<AuthUser> = {}): AuthUser {
  return { id: SOME_ID, email: 'user@example.com', name: 'User', isAdmin: false, mustChangePassword: false, ...overrides };
}

describe('router permissions (b2b-sales)', () => {
  let runtime: Runtime;
  let model: Model;
  let router: AppRouter;

  beforeAll(async () => {
    runtime = await startRuntime({ dataDir: 'memory://' });
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
    model = (await runtime.refresh()).model;
    router = buildAppRouter(model);
  });

  afterAll(async () => {
    await runtime.close();
  });

  function caller(u: AuthUser | null): unknown {
    const ctx: ApiContext = { runtime, user: u };
    return router.createCaller(ctx);
  }

  async function recordCount(): Promise<number> {
    const result = await sql<{ n: number }>`select (select count(*) from data.company) + (select count(*) from data.contact) + (select count(*) from data.deal) + (select count(*) from peyvand.api_tokens) as n`.execute(runtime.database.db);
    return Number(result.rows[0]?.n);
  }

  const B2B_ENTITIES = ['activity', 'company', 'contact', 'deal', 'product', 'sales_agent'];
  const ENTITY_PROCEDURES = ['list', 'get', 'history', 'runs', 'views', 'saveView', 'deleteView', 'create', 'bulkCreate', 'update', 'delete', 'runWorkflow'];

  it('has the procedures the model implies, for every entity', () => {
    const paths = procedures(router).map(([path]) => path);
    for (const e of B2B_ENTITIES) {
      for (const action of ENTITY_PROCEDURES) expect(paths).toContain(`entities.${e}.${action}`);
    }
    const statics = ['auth.signIn', 'auth.me', 'auth.changePassword', 'auth.createToken', 'auth.listTokens', 'auth.revokeToken', 'meta.model', 'meta.versions'];
    const admin = ['admin.entities.get', 'admin.entities.plan', 'admin.entities.applyChange', 'admin.entities.remove'];
    const workflows = ['list', 'get', 'check', 'save', 'remove', 'dryRun', 'runs', 'run', 'retry', 'webhookSecret'].map((p) => `workflows.${p}`);
    const access = [
      'roles.list', 'roles.get', 'roles.save', 'roles.remove',
      'teams.list', 'teams.save', 'teams.remove', 'teams.addMember', 'teams.removeMember',
      'users.list', 'users.create', 'users.setRoles', 'users.setTeams', 'users.disable', 'users.enable',
      'shares.list', 'shares.add', 'shares.remove', 'owner.reassign',
    ].map((p) => `access.${p}`);
    const audit = ['audit.records', 'audit.config', 'privacy.exportPerson', 'privacy.erasePerson'];
    for (const path of [...statics, ...admin, ...workflows, ...access, ...audit]) expect(paths).toContain(path);
    expect(paths.filter((p) => p.startsWith('access.'))).toHaveLength(access.length);
    expect(paths.filter((p) => p.startsWith('entities.'))).toHaveLength(B2B_ENTITIES.length * ENTITY_PROCEDURES.length);
    // Every procedure lives under a known router (a new one must be added here, with its permission checks below).
    const routers = ['auth', 'meta', 'entities', 'admin', 'workflows', 'audit', 'privacy', 'access'];
    for (const path of paths) expect(routers, path).toContain(path.split('.')[0]);
  });

  it('every procedure declares a permission, and record procedures name their entity and action', () => {
    const expectedAction: Record<string, string> = {
      list: 'record.read',
      get: 'record.read',
      history: 'record.read',
      views: 'record.read',
      saveView: 'record.read',
      deleteView: 'record.read',
      create: 'record.create',
      bulkCreate: 'record.create',
      update: 'record.update',
      delete: 'record.delete',
      runWorkflow: 'record.update',
      runs: 'record.read',
    };
    for (const [path, procedure] of procedures(router)) {
      const permission = permissionOf(procedure);
      expect(permission, path).toBeDefined();
      expect(typeof permission?.action, path).toBe('string');
      const parts = path.split('.');
      if (parts[0] === 'entities') {
        expect(permission, path).toEqual({ action: expectedAction[parts[2] ?? ''], entity: parts[1] });
      }
      if (path === 'auth.signIn') expect(permission).toEqual({ action: 'public' });
      else expect(permission?.action, path).not.toBe('public');
      if (path === 'meta.versions') expect(permission?.action).toBe('admin');
      if (parts[0] === 'admin') expect(permission, path).toEqual({ action: 'model.change' });
      if (parts[0] === 'workflows') expect(['admin', 'model.change'], path).toContain(permission?.action);
      if (parts[0] === 'audit' || parts[0] === 'privacy') expect(permission, path).toEqual({ action: 'admin' });
      // Sharing and reassigning check record.update on the entity the input names, inside the procedure.
      if (parts[0] === 'access') expect(permission?.action, path).toBe(parts[1] === 'shares' || parts[1] === 'owner' ? 'authenticated' : 'admin');
    }
  });

  it('refuses an anonymous caller everywhere except auth.signIn, with UNAUTHORIZED', async () => {
    const before = await recordCount();
    const anonymous = caller(null);
    let checked = 0;
    for (const [path] of procedures(router)) {
      if (path === 'auth.signIn') continue;
      const error = await refusal(callAt(anonymous, path)(inputFor(path)));
      expect(error.code, path).toBe('UNAUTHORIZED');
      expect(error instanceof PeyvandApiError ? error.detail.peyvandCode : null, path).toBe('unauthenticated');
      // Refused before the input is read: a nonsense input gets the same answer.
      expect((await refusal(callAt(anonymous, path)({ nonsense: true }))).code, path).toBe('UNAUTHORIZED');
      checked++;
    }
    expect(checked).toBe(procedures(router).length - 1);
    // Sign-in is open, and answers a wrong password with UNAUTHORIZED of its own.
    const signIn = await refusal(callAt(anonymous, 'auth.signIn')(inputFor('auth.signIn')));
    expect(signIn instanceof PeyvandApiError ? signIn.detail.peyvandCode : null).toBe('invalid-credentials');
    // The runtime's caller is the same router, with the same check.
    expect((await refusal(callAt(runtime.caller(null), 'entities.company.list')({}))).code).toBe('UNAUTHORIZED');
    expect(await recordCount()).toBe(before);
  });

  it('gives a user who must change the password FORBIDDEN on records and everything but me/changePassword', async () => {
    const before = await recordCount();
    const pending = caller(user({ mustChangePassword: true }));
    for (const [path] of procedures(router)) {
      if (path === 'auth.signIn') continue;
      if (path === 'auth.me') {
        await expect(callAt(pending, path)()).resolves.toMatchObject({ mustChangePassword: true });
        continue;
      }
      if (path === 'auth.changePassword') continue; // allowed: it is the way out
      const error = await refusal(callAt(pending, path)(inputFor(path)));
      expect(error.code, path).toBe('FORBIDDEN');
      expect(error instanceof PeyvandApiError ? error.detail.peyvandCode : null, path).toBe('password-change-required');
    }
    // Even an admin who must change the password.
    const admin = caller(user({ isAdmin: true, mustChangePassword: true }));
    expect((await refusal(callAt(admin, 'entities.deal.list')({}))).code).toBe('FORBIDDEN');
    expect((await refusal(callAt(admin, 'meta.versions')())).code).toBe('FORBIDDEN');
    expect(await recordCount()).toBe(before);
  });

  it('refuses a procedure that declares no permission, before its resolver runs', async () => {
    let ran = false;
    const bare = trpcRouter({ open: procedure(undefined as unknown as Permission).query(() => { ran = true; return 'reached'; }) });
    const error = await refusal(bare.createCaller({ runtime, user: user({ isAdmin: true }) }).open());
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toBe('procedure without a declared permission');
    expect(ran).toBe(false);
  });

  it('gives a signed-in user without a role no record at all', async () => {
    const nobody = caller(user());
    for (const e of B2B_ENTITIES) {
      const error = await refusal(callAt(nobody, `entities.${e}.list`)({}));
      expect(error.code, e).toBe('FORBIDDEN');
      expect(error instanceof PeyvandApiError ? error.detail.peyvandCode : null, e).toBe('forbidden');
    }
  });

  it('lets a signed-in user read and write records but not administer', async () => {
    const created = await createUser(runtime.database.db, { email: 'member@example.com', name: 'Member', password: 'a long enough password' });
    if (!created.ok) throw new Error(created.error.message);
    await grantRoles(runtime.database, [created.user.id]);
    model = (await runtime.refresh()).model;
    router = buildAppRouter(model);
    const member = caller(user({ id: created.user.id, email: created.user.email }));
    await expect(callAt(member, 'entities.company.list')({})).resolves.toMatchObject({ items: [] });
    const error = await refusal(callAt(member, 'meta.versions')());
    expect(error.code).toBe('FORBIDDEN');
    await expect(callAt(caller(user({ isAdmin: true })), 'meta.versions')()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ source: expect.stringMatching(/^pack b2b-sales@\d+\.\d+\.\d+$/) })]));
    // Workflows are administration: a member may neither read, define, dry-run nor retry them.
    for (const path of ['workflows.list', 'workflows.save', 'workflows.dryRun', 'workflows.runs', 'workflows.retry', 'workflows.webhookSecret']) {
      expect((await refusal(callAt(member, path)(inputFor(path)))).code, path).toBe('FORBIDDEN');
    }
    // So are roles, teams and users; sharing a record needs the right to change it.
    for (const path of ['access.roles.list', 'access.roles.save', 'access.teams.save', 'access.users.list', 'access.users.create', 'access.users.setRoles', 'access.users.disable']) {
      expect((await refusal(callAt(member, path)({}))).code, path).toBe('FORBIDDEN');
    }
    expect((await refusal(callAt(caller(user()), 'access.shares.list')({ entity: 'deal', id: SOME_ID }))).code).toBe('FORBIDDEN');
    // With the right to change deals, a deal that does not exist is simply not found.
    expect((await refusal(callAt(member, 'access.shares.list')({ entity: 'deal', id: SOME_ID }))).code).toBe('NOT_FOUND');
  });
});
