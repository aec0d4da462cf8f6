/** Saved list views: own and shared, replaced by name, deleted only by their owner. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { deleteView, listViews, saveView } from '../../src/lib/server/records/saved-views.ts';
import { must, failure } from '../support/runtime.ts';

describe.each(BACKENDS)('saved views on %s', (kind) => {
  let t: TestDatabase;
  let sara: string;
  let omid: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const a = await createUser(t.database.db, { email: 'sara@example.com', name: 'Sara', password: 'a long enough password' });
    const b = await createUser(t.database.db, { email: 'omid@example.com', name: 'Omid', password: 'a long enough password' });
    if (!a.ok || !b.ok) throw new Error('users');
    sara = a.user.id;
    omid = b.user.id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it('keeps views per user, shows shared ones to others, and replaces a view saved again under its name', async () => {
    const mine = must(await saveView(t.database.db, sara, { entity: 'contact', name: 'My leads', query: 'ff=stage&fo=eq&fv=lead&cursor=abc', shared: false }));
    expect(mine.query).toBe('?ff=stage&fo=eq&fv=lead');
    must(await saveView(t.database.db, sara, { entity: 'contact', name: 'Team VIPs', query: 'q=vip', shared: true }));
    must(await saveView(t.database.db, omid, { entity: 'contact', name: 'Omid only', query: 'q=x', shared: false }));
    expect((await listViews(t.database.db, sara, 'contact')).map((v) => [v.name, v.mine])).toEqual([
      ['My leads', true],
      ['Team VIPs', true],
    ]);
    expect((await listViews(t.database.db, omid, 'contact')).map((v) => [v.name, v.mine])).toEqual([
      ['Omid only', true],
      ['Team VIPs', false],
    ]);
    expect(await listViews(t.database.db, omid, 'company')).toEqual([]);
    const again = must(await saveView(t.database.db, sara, { entity: 'contact', name: 'My leads', query: 'sort=full_name:desc', shared: false }));
    expect(again.id).toBe(mine.id);
    expect((await listViews(t.database.db, sara, 'contact')).find((v) => v.name === 'My leads')?.query).toBe('?sort=full_name%3Adesc');
  });

  it('lets only the owner delete a view, and refuses a nameless one', async () => {
    const shared = (await listViews(t.database.db, omid, 'contact')).find((v) => v.name === 'Team VIPs');
    expect(failure(await deleteView(t.database.db, omid, shared?.id ?? '')).code).toBe('not-found');
    expect(must(await deleteView(t.database.db, sara, shared?.id ?? '')).id).toBe(shared?.id);
    expect(failure(await saveView(t.database.db, sara, { entity: 'contact', name: '  ', query: '', shared: false })).code).toBe('invalid');
  });
});
