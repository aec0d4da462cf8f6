/**
 * Administering access on both backends: roles from the b2b-sales pack and from the admin service
 * (checked against the model, with pointers), the team tree (cycles refused), grants and revocations
 * that every server sees on the next request (NOTIFY), config_log rows for each change, record
 * shares, and owner reassignment (audited) through the API with the caller's own rights.
 */
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder, exportInstalledPack } from '../../src/lib/server/packs/pack-service.ts';
import { readSeedData } from '../../src/lib/server/packs/read-pack.ts';
import { seedData } from '../../src/lib/server/packs/seed.ts';
import { createUser, ensureFirstAdmin } from '../../src/lib/server/auth/users.ts';
import { installDemo } from '../../src/cli/serve.ts';
import { findRole } from '../../src/lib/model/types.ts';
import { entityCaller } from '../../src/lib/server/records/page-support.ts';
import { removeRole, saveRole } from '../../src/lib/server/access/role-service.ts';
import { addMember, createTeam, listTeams, moveTeam } from '../../src/lib/server/access/team-service.ts';
import { createManagedUser, disableUser, listUsers, setUserRoles } from '../../src/lib/server/access/user-admin-service.ts';
import type { AccessResult } from '../../src/lib/server/access/access-result.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

function value<T>(result: AccessResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function eventually<T>(read: () => Promise<T>, until: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await read();
    if (until(got) || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(BACKENDS)('access administration on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: AuthUser;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_access'));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok) throw new Error('b2b-sales did not apply');
    const state = await runtime.refresh();
    await seedData(runtime.database, state.model, await readSeedData(B2B_SALES), null);
    const created = await createUser(runtime.database.db, { email: 'boss@example.com', name: 'Boss', password: 'a long enough password', isAdmin: true });
    if (!created.ok) throw new Error(created.error.message);
    admin = created.user;
  }, 120_000);

  afterAll(async () => {
    await dispose();
  });

  async function configRows(kind: string) {
    return runtime.database.db.selectFrom('peyvand.config_log').select(['kind', 'subject', 'action', 'actor_id']).where('kind', '=', kind as 'team').orderBy('id').execute();
  }

  it('loads the pack roles into the model, owned by the pack, and exports them', async () => {
    const model = runtime.current().model;
    expect(model.roles.map((r) => [r.name, r.pack])).toEqual([
      ['admin', 'b2b-sales'],
      ['sales_manager', 'b2b-sales'],
      ['sales_rep', 'b2b-sales'],
    ]);
    expect(findRole(model, 'sales_rep')?.entities.deal).toMatchObject({ create: true, read: 'own', update: 'own', delete: 'none', export: false });
    expect(findRole(model, 'sales_rep')?.entities.company?.fields).toEqual({ parent_company_id: 'read', revenue_million_usd: 'hidden' });
    const files = await exportInstalledPack(runtime.database, 'b2b-sales');
    expect(files?.filter((f) => f.path.startsWith('roles/')).map((f) => f.path)).toEqual(['roles/admin.json', 'roles/sales_manager.json', 'roles/sales_rep.json']);
  });

  it('saves a role through the service (a new model version and a config_log row), refusing unknown entities and fields with pointers', async () => {
    const bad = await saveRole(runtime.database, { document: { name: 'auditor', title: 'Auditor', entities: { deal: { read: 'all', fields: { nope: 'hidden' } }, ghost: { read: 'all' } } }, actorId: admin.id });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid');
      expect(bad.error.issues).toEqual(
        expect.arrayContaining([
          { pointer: '/entities/deal/fields/nope', message: 'deal has no field "nope"' },
          { pointer: '/entities/ghost', message: 'there is no entity named "ghost"' },
        ]),
      );
    }
    const before = runtime.current().version;
    const saved = value(await saveRole(runtime.database, { document: { name: 'auditor', title: 'Auditor', 'x-labels': { fa: 'حسابرس' }, entities: { '*': { read: 'all', export: true } } }, actorId: admin.id }));
    expect(saved.result.status).toBe('applied');
    const state = await runtime.refresh();
    expect(state.version).toBeGreaterThan(before);
    expect(findRole(state.model, 'auditor')).toMatchObject({ title: { en: 'Auditor', fa: 'حسابرس' } });
    expect(findRole(state.model, 'auditor')?.pack ?? null).toBeNull();
    expect((await configRows('role')).at(-1)).toMatchObject({ subject: 'auditor', action: 'apply', actor_id: admin.id });
    // A name is how users hold a role: no renames, no duplicates.
    expect(await saveRole(runtime.database, { document: { name: 'auditor', title: 'Again', entities: {} }, actorId: admin.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('edits a pack role through the API; the edit stays the pack\'s and is what the pack exports', async () => {
    const caller = runtime.caller(admin);
    const got = await caller.access.roles.get({ name: 'sales_rep' });
    expect(got.pack).toBe('b2b-sales');
    const document = { ...got.document, entities: { ...got.document.entities, product: { read: 'all', export: true } } };
    await caller.access.roles.save({ document, previousName: 'sales_rep' });
    const role = findRole(runtime.current().model, 'sales_rep');
    expect(role).toMatchObject({ pack: 'b2b-sales', entities: { product: { export: true } } });
    const files = await exportInstalledPack(runtime.database, 'b2b-sales');
    expect(JSON.parse(files?.find((f) => f.path === 'roles/sales_rep.json')?.text ?? '{}')).toMatchObject({ entities: { product: { read: 'all', export: true } } });
    expect((await refusal(caller.access.roles.save({ document: { ...document, name: 'rep2' }, previousName: 'sales_rep' }))).code).toBe('BAD_REQUEST');
  });

  it('builds a team tree and refuses a move that would make a cycle', async () => {
    const sales = value(await createTeam(runtime.database.db, { name: 'Sales', parentId: null, actorId: admin.id }));
    const tehran = value(await createTeam(runtime.database.db, { name: 'Tehran office', parentId: sales.id, actorId: admin.id }));
    const north = value(await createTeam(runtime.database.db, { name: 'Tehran north', parentId: tehran.id, actorId: admin.id }));
    const cycle = await moveTeam(runtime.database.db, { id: sales.id, parentId: north.id, actorId: admin.id });
    expect(cycle).toMatchObject({ ok: false, error: { code: 'invalid', message: '"Tehran north" is inside "Sales"; moving "Sales" under it would make a circle' } });
    expect(await moveTeam(runtime.database.db, { id: sales.id, parentId: sales.id, actorId: admin.id })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await createTeam(runtime.database.db, { name: 'Sales', parentId: null, actorId: admin.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // Through the API: deleting a team with sub-teams is refused.
    expect((await refusal(runtime.caller(admin).access.teams.remove({ id: tehran.id }))).code).toBe('CONFLICT');
    const teams = await runtime.caller(admin).access.teams.list();
    expect(teams.find((t) => t.name === 'Tehran north')?.parentId).toBe(tehran.id);
    expect((await configRows('team')).map((r) => r.action)).toEqual(['create', 'create', 'create']);
  });

  it('a revoked role takes effect on the next request (NOTIFY), with config_log rows', async () => {
    const model = runtime.current().model;
    const created = value(await createManagedUser(runtime.database.db, model, { email: 'Rep.One@Example.com', name: 'Rep One', roles: ['sales_rep'], teamIds: [], actorId: admin.id }));
    expect(created.password.length).toBeGreaterThanOrEqual(10);
    expect(created.user).toMatchObject({ email: 'rep.one@example.com', mustChangePassword: true });
    const rep: AuthUser = { ...created.user, mustChangePassword: false };
    expect((await runtime.accessOf(rep)).roles).toEqual(['sales_rep']);
    // Another process would do this; the runtime learns it by NOTIFY, not by being told.
    value(await setUserRoles(runtime.database.db, model, { userId: rep.id, roles: [], actorId: admin.id }));
    expect((await eventually(() => runtime.accessOf(rep), (a) => a.roles.length === 0)).roles).toEqual([]);
    value(await setUserRoles(runtime.database.db, model, { userId: rep.id, roles: ['sales_manager'], actorId: admin.id }));
    expect((await eventually(() => runtime.accessOf(rep), (a) => a.roles.length > 0)).roles).toEqual(['sales_manager']);
    expect(await setUserRoles(runtime.database.db, model, { userId: rep.id, roles: ['nobody'], actorId: admin.id })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const rows = (await configRows('user')).filter((r) => r.subject === 'rep.one@example.com').map((r) => r.action);
    expect(rows).toEqual(['create', 'roles', 'roles']);
    // A held role cannot be removed.
    expect(await removeRole(runtime.database, 'sales_manager', admin.id)).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('disabling a user ends their sessions at once', async () => {
    const caller = runtime.caller(admin);
    const created = await caller.access.users.create({ email: 'leaver@example.com', name: 'Leaver', roles: ['sales_rep'] });
    const signedIn = await runtime.caller(null).auth.signIn({ email: 'leaver@example.com', password: created.password });
    expect(await runtime.authenticate(signedIn.token)).not.toBeNull();
    expect(value(await disableUser(runtime.database.db, { userId: created.id, actorId: admin.id }))).toMatchObject({ disabled: true, tokensRevoked: 1 });
    expect(await eventually(() => runtime.authenticate(signedIn.token), (u) => u === null)).toBeNull();
    expect((await refusal(caller.access.users.disable({ userId: admin.id }))).code).toBe('FORBIDDEN');
    const listed = await caller.access.users.list();
    expect(listed.find((u) => u.email === 'leaver@example.com')).toMatchObject({ disabled: true, roles: ['sales_rep'] });
  });

  it('shares a record and reassigns its owner with the caller\'s own rights, audited', async () => {
    const caller = runtime.caller(admin);
    const teams = await caller.access.teams.list();
    const tehran = teams.find((t) => t.name === 'Tehran office');
    if (!tehran) throw new Error('no Tehran office');
    const one = await caller.access.users.create({ email: 'owner.one@example.com', name: 'Owner One', roles: ['sales_rep'], teams: [tehran.id] });
    const two = await caller.access.users.create({ email: 'owner.two@example.com', name: 'Owner Two', roles: ['sales_rep'] });
    const repOne: AuthUser = { id: one.id, email: one.email, name: one.name, isAdmin: false, mustChangePassword: false };
    const repTwo: AuthUser = { id: two.id, email: two.email, name: two.name, isAdmin: false, mustChangePassword: false };
    const deals = await entityCaller(runtime, admin, 'deal').list({ limit: 2 });
    const dealId = String(deals.items[0]?.id);

    // Nobody's deal yet: a rep cannot reach it (not found, like a missing one).
    expect((await refusal(runtime.caller(repOne).access.shares.list({ entity: 'deal', id: dealId }))).code).toBe('NOT_FOUND');
    // The administrator gives it to rep one: audited as a record write, logged as configuration.
    expect(await caller.access.owner.reassign({ entity: 'deal', id: dealId, owner: repOne.id })).toEqual({ owner: repOne.id, changed: true });
    const audit = await runtime.database.db.selectFrom('peyvand.audit_log').select(['actor_id', 'changes']).where('record_id', '=', dealId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(admin.id);
    expect(JSON.stringify(audit.changes)).toContain(repOne.id);
    expect((await configRows('share')).at(-1)).toMatchObject({ subject: `deal/${dealId}`, action: 'reassign-owner' });

    // Rep one owns it now: shares it with rep two for reading; rep two then reads it.
    const repOneCaller = runtime.caller(repOne);
    await expect(entityCaller(runtime, repTwo, 'deal').get({ id: dealId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const share = await repOneCaller.access.shares.add({ entity: 'deal', id: dealId, grantee: { kind: 'user', id: repTwo.id }, access: 'read' });
    expect(await repOneCaller.access.shares.list({ entity: 'deal', id: dealId })).toEqual([expect.objectContaining({ id: share.id, access: 'read', grantee: expect.objectContaining({ kind: 'user', email: 'owner.two@example.com' }) })]);
    await expect(entityCaller(runtime, repTwo, 'deal').get({ id: dealId })).resolves.toMatchObject({ id: dealId });
    // A read share does not let rep two share it on, or give it away.
    expect((await refusal(runtime.caller(repTwo).access.owner.reassign({ entity: 'deal', id: dealId, owner: repTwo.id }))).code).toBe('FORBIDDEN');
    await repOneCaller.access.shares.remove({ entity: 'deal', id: dealId, shareId: share.id });
    await expect(entityCaller(runtime, repTwo, 'deal').get({ id: dealId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await configRows('share')).map((r) => r.action).slice(-2)).toEqual(['add', 'remove']);
    // Reps may not delete deals, and the rights are the role's: no update right, no sharing at all.
    expect((await refusal(runtime.caller(repOne).access.shares.add({ entity: 'product', id: dealId, grantee: { kind: 'team', id: tehran.id }, access: 'read' }))).code).toBe('FORBIDDEN');
    // Team scope: once rep two joins rep one's team, rep one's companies are in rep two's reach.
    const companies = await entityCaller(runtime, admin, 'company').list({ limit: 1 });
    const companyId = String(companies.items[0]?.id);
    await caller.access.owner.reassign({ entity: 'company', id: companyId, owner: repOne.id });
    await expect(entityCaller(runtime, repTwo, 'company').get({ id: companyId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    value(await addMember(runtime.database.db, { teamId: tehran.id, userId: repTwo.id, actorId: admin.id }));
    await expect(eventually(() => entityCaller(runtime, repTwo, 'company').get({ id: companyId }).catch(() => null), (r) => r !== null)).resolves.toMatchObject({ id: companyId });
  });

  it('keeps every access procedure for administrators', async () => {
    const rep = await runtime.caller(admin).access.users.create({ email: 'plain@example.com', name: 'Plain', roles: ['sales_rep'] });
    const plain = runtime.caller({ id: rep.id, email: rep.email, name: rep.name, isAdmin: false, mustChangePassword: false });
    const calls = [() => plain.access.roles.list(), () => plain.access.teams.list(), () => plain.access.users.list(), () => plain.access.users.create({ email: 'x@example.com', name: 'X' })];
    for (const call of calls) expect((await refusal(call())).code).toBe('FORBIDDEN');
  });
});

describe.each(BACKENDS)('the demo\'s people on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_access_demo'));
  });

  afterAll(async () => {
    await dispose();
  });

  it('makes the teams, the manager and the reps once, with passwords printed once, and shares the records out', async () => {
    const first = await ensureFirstAdmin(runtime.database.db);
    expect(first).not.toBeNull();
    const lines: string[] = [];
    await installDemo(runtime, (line) => lines.push(line));
    expect(lines.filter((l) => l.includes('password:'))).toHaveLength(3);
    const users = await listUsers(runtime.database.db);
    const byEmail = (email: string) => users.find((u) => u.email === email);
    expect(byEmail('admin@peyvand.local')?.roles).toEqual(['admin']);
    expect(byEmail('manager@peyvand.local')).toMatchObject({ roles: ['sales_manager'], teams: [expect.objectContaining({ name: 'Sales' })], mustChangePassword: true });
    expect(byEmail('rep.tehran@peyvand.local')).toMatchObject({ roles: ['sales_rep'], teams: [expect.objectContaining({ name: 'Tehran office' })] });
    expect(byEmail('rep.dubai@peyvand.local')).toMatchObject({ roles: ['sales_rep'], teams: [expect.objectContaining({ name: 'Dubai office' })] });
    const teams = await listTeams(runtime.database.db);
    const sales = teams.find((t) => t.name === 'Sales');
    expect(teams.filter((t) => t.parentId === sales?.id).map((t) => t.name).sort()).toEqual(['Dubai office', 'Tehran office']);
    // Each rep owns some deals, contacts and companies.
    for (const entity of ['deal', 'contact', 'company']) {
      const owners = await sql<{ owner: string | null; n: number }>`select owner, count(*)::int as n from ${sql.id('data', entity)} group by owner`.execute(runtime.database.db);
      for (const rep of ['rep.tehran@peyvand.local', 'rep.dubai@peyvand.local']) expect(owners.rows.find((r) => r.owner === byEmail(rep)?.id)?.n, `${entity} ${rep}`).toBeGreaterThan(0);
    }
    // The Tehran rep sees their own deals only.
    const tehran = byEmail('rep.tehran@peyvand.local');
    if (!tehran) throw new Error('no Tehran rep');
    const seen = await entityCaller(runtime, { ...tehran, mustChangePassword: false }, 'deal').list({ limit: 50 });
    expect(seen.items.length).toBeGreaterThan(0);
    expect(seen.items.every((d) => d.owner === tehran.id)).toBe(true);

    // A restart changes nothing and prints no password.
    const again: string[] = [];
    await installDemo(runtime, (line) => again.push(line));
    expect(again.filter((l) => l.includes('password') || l.startsWith('demo'))).toEqual([]);
    expect((await listUsers(runtime.database.db)).length).toBe(users.length);
  }, 120_000);
});
