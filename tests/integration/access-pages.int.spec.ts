/**
 * The access pages' loads and form actions, posted the way a browser without JavaScript posts
 * them: roles with holders, the role editor (scopes, export, hidden fields), teams, users with a
 * one-time password shown once, and a record's owner and shares — in Persian too.
 */
import { fileURLToPath } from 'node:url';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { readSeedData } from '../../src/lib/server/packs/read-pack.ts';
import { seedData } from '../../src/lib/server/packs/seed.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { findRole } from '../../src/lib/model/types.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { Locale } from '../../src/lib/i18n/locales.ts';
import { entityCaller } from '../../src/lib/server/records/page-support.ts';
import {
  loadRecordAccess,
  loadRoleEditor,
  loadRolesPage,
  loadTeamsPage,
  loadUsersPage,
  recordAccessActions,
  roleEditorActions,
  rolesActions,
  teamsActions,
  usersActions,
} from '../../src/lib/server/access/access-pages.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

describe.each(BACKENDS)('access pages on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: AuthUser;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_access_pages'));
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

  async function event(path: string, user: AuthUser | null, values: [string, string][] = [], params: Record<string, string> = {}, locale: Locale = 'en') {
    const body = new FormData();
    for (const [k, v] of values) body.append(k, v);
    const url = new URL(`http://localhost${path}`);
    const access = user ? await runtime.accessOf(user) : null;
    const locals = { runtime, user, access, locale, session: null, calendar: 'gregory', timeZone: 'UTC' } as App.Locals;
    return { locals, url, params, request: new Request(url, { method: 'POST', body }) };
  }

  async function thrown(run: Promise<unknown> | unknown): Promise<unknown> {
    try {
      await run;
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  }

  it('lists roles with holders and refuses non-administrators', async () => {
    const data = await loadRolesPage(await event('/admin/access', admin));
    expect(data.roles.map((r) => r.name)).toEqual(['admin', 'sales_manager', 'sales_rep']);
    const rep = await createUser(runtime.database.db, { email: 'nosy@example.com', name: 'Nosy', password: 'a long enough password' });
    if (!rep.ok) throw new Error('rep');
    const refused = await thrown(loadRolesPage(await event('/admin/access', rep.user)));
    expect(isHttpError(refused) && refused.status).toBe(403);
    const anonymous = await thrown(loadRolesPage(await event('/admin/access', null)));
    expect(isRedirect(anonymous) && anonymous.location).toBe('/signin?next=%2Fadmin%2Faccess');
  });

  it('creates a role and edits it in the editor without JavaScript', async () => {
    const made = await thrown(rolesActions.create(await event('/admin/access?/create', admin, [['name', 'auditor'], ['title', 'Auditor']])));
    expect(isRedirect(made) && made.location).toBe('/admin/access/roles/auditor?saved=1');
    const bad = await rolesActions.create(await event('/admin/access?/create', admin, [['name', 'Bad Name'], ['title', 'x']]));
    expect(bad.status).toBe(400);

    const editor = await loadRoleEditor({ ...(await event('/admin/access/roles/auditor?saved=1', admin)), params: { name: 'auditor' } });
    expect(editor).toMatchObject({ name: 'auditor', pack: null, saved: true });
    expect(editor.entities.map((e) => e.name)).toContain('deal');

    const saved = await thrown(
      roleEditorActions.save(
        await event('/admin/access/roles/auditor?/save', admin, [
          ['title', 'Auditor'],
          ['title_fa', 'حسابرس'],
          ['read:*', 'all'],
          ['export:*', 'on'],
          ['read:deal', 'team'],
          ['field:deal:amount', 'hidden'],
          ['field:deal:stage', 'read'],
        ], { name: 'auditor' }),
      ),
    );
    expect(isRedirect(saved) && saved.location).toBe('/admin/access/roles/auditor?saved=1');
    const role = findRole(runtime.current().model, 'auditor');
    expect(role?.title).toEqual({ en: 'Auditor', fa: 'حسابرس' });
    expect(role?.entities['*']).toMatchObject({ read: 'all', export: true, update: 'none' });
    expect(role?.entities.deal).toMatchObject({ read: 'team', export: false, fields: { amount: 'hidden', stage: 'read' } });

    // An unknown scope is left out, like an empty select; a field the entity lacks is refused with its pointer.
    const odd = await thrown(roleEditorActions.save(await event('/admin/access/roles/auditor?/save', admin, [['title', 'Auditor'], ['read:deal', 'everything']], { name: 'auditor' })));
    expect(isRedirect(odd)).toBe(true);
    expect(findRole(runtime.current().model, 'auditor')?.entities.deal).toBeUndefined();
    const removed = await thrown(roleEditorActions.remove(await event('/admin/access/roles/auditor?/remove', admin, [], { name: 'auditor' })));
    expect(isRedirect(removed) && removed.location).toBe('/admin/access?removed=auditor');
  });

  it('manages teams and users; the password is shown once', async () => {
    expect(await teamsActions.create(await event('/admin/access/teams?/create', admin, [['name', 'Sales'], ['parentId', '']]))).toEqual({ done: true });
    const sales = (await loadTeamsPage(await event('/admin/access/teams', admin))).teams.find((t) => t.name === 'Sales');
    if (!sales) throw new Error('no Sales');
    expect(await teamsActions.create(await event('/admin/access/teams?/create', admin, [['name', 'دفتر تهران'], ['parentId', sales.id]]))).toEqual({ done: true });
    const tree = (await loadTeamsPage(await event('/admin/access/teams', admin, [], {}, 'fa'))).teams;
    expect(tree.map((t) => [t.name, t.depth])).toEqual([
      ['Sales', 0],
      ['دفتر تهران', 1],
    ]);
    const tehran = tree[1];
    if (!tehran) throw new Error('no Tehran');
    const cycle = await teamsActions.move(await event('/admin/access/teams?/move', admin, [['id', sales.id], ['parentId', tehran.id]]));
    expect(isActionFailure(cycle) && cycle.status).toBe(400);

    const created = await usersActions.create(await event('/admin/access/users?/create', admin, [['email', 'rep@example.com'], ['name', 'نماینده'], ['roles', 'sales_rep'], ['teams', tehran.id]]));
    if (isActionFailure(created) || !('created' in created)) throw new Error('not created');
    expect(created.created.password.length).toBeGreaterThanOrEqual(10);
    const users = await loadUsersPage(await event('/admin/access/users', admin));
    const rep = users.users.find((u) => u.email === 'rep@example.com');
    expect(rep).toMatchObject({ roles: ['sales_rep'], teams: [{ id: tehran.id, name: 'دفتر تهران' }], mustChangePassword: true });
    expect(JSON.stringify(users)).not.toContain(created.created.password);
    const again = await usersActions.create(await event('/admin/access/users?/create', admin, [['email', 'rep@example.com'], ['name', 'Again']]));
    expect(isActionFailure(again) && again.status).toBe(409);
    if (!rep) throw new Error('no rep');
    expect(await usersActions.access(await event('/admin/access/users?/access', admin, [['userId', rep.id], ['roles', 'sales_manager']]))).toEqual({ done: true });
    expect((await loadUsersPage(await event('/admin/access/users', admin))).users.find((u) => u.id === rep.id)).toMatchObject({ roles: ['sales_manager'], teams: [] });
    expect(await usersActions.disable(await event('/admin/access/users?/disable', admin, [['userId', rep.id]]))).toEqual({ done: true });
    expect(await usersActions.enable(await event('/admin/access/users?/enable', admin, [['userId', rep.id]]))).toEqual({ done: true });
  });

  it('a record\'s access page: owner reassignment and shares, refused to those who may not change it', async () => {
    const deals = await entityCaller(runtime, admin, 'deal').list({ limit: 1 });
    const id = String(deals.items[0]?.id);
    const params = { entity: 'deal', id };
    const page = await loadRecordAccess({ ...(await event(`/e/deal/${id}/access`, admin)), params });
    expect(page).toMatchObject({ id, owner: null, shares: [] });
    const rep = (await loadUsersPage(await event('/admin/access/users', admin))).users.find((u) => u.email === 'rep@example.com');
    if (!rep) throw new Error('no rep');
    expect(await recordAccessActions.owner(await event(`/e/deal/${id}/access?/owner`, admin, [['owner', rep.id]], params))).toEqual({ done: 'owner' });
    expect(await recordAccessActions.share(await event(`/e/deal/${id}/access?/share`, admin, [['grantee', `user:${admin.id}`], ['access', 'edit']], params))).toEqual({ done: 'shared' });
    const after = await loadRecordAccess({ ...(await event(`/e/deal/${id}/access`, admin, [], {}, 'ar')), params });
    expect(after.owner?.email).toBe('rep@example.com');
    expect(after.shares).toEqual([expect.objectContaining({ access: 'edit', grantee: expect.objectContaining({ kind: 'user', id: admin.id }) })]);
    expect(await recordAccessActions.unshare(await event(`/e/deal/${id}/access?/unshare`, admin, [['shareId', after.shares[0]?.id ?? '']], params))).toEqual({ done: 'unshared' });

    const outsider = await createUser(runtime.database.db, { email: 'outsider@example.com', name: 'Outsider', password: 'a long enough password' });
    if (!outsider.ok) throw new Error('outsider');
    const denied = await thrown(loadRecordAccess({ ...(await event(`/e/deal/${id}/access`, outsider.user)), params }));
    expect(isHttpError(denied) && denied.status).toBe(403);
    const post = await recordAccessActions.owner(await event(`/e/deal/${id}/access?/owner`, outsider.user, [['owner', outsider.user.id]], params));
    expect(isActionFailure(post) && post.status).toBe(403);
  });
});
