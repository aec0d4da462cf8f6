/** Text sorts the way Persian and Arabic readers expect (Unicode collation), not by code point. */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, modelOf } from '../support/packs.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { bulkCreate, listRecords } from '../../src/lib/server/records/record-service.ts';
import { must } from '../support/runtime.ts';

// In the Persian alphabet پ follows ب, ژ follows ز, ک and گ come before ل and م, ی is last —
// by code point پ, ژ, ک, گ and ی would all sort after م.
const PERSIAN_ORDER = ['آرش', 'بابک', 'پرویز', 'تینا', 'ژاله', 'کامران', 'گلناز', 'مریم', 'یاسمن'];

describe.each(BACKENDS)('sorting Persian text on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('sorts names in Persian alphabetical order, with and without the sort index, across pages', async () => {
    const model = modelOf([entity('person', { name: { type: 'string' } }, { 'x-default-sort': [{ field: 'name', direction: 'asc' }] })]);
    expect((await applyModel(t.database, { model, source: 'test', actorId: null })).status).toBe('applied');
    const person = model.entities[0];
    if (!person) throw new Error('no entity');
    const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };
    must(await bulkCreate(ctx, person, [...PERSIAN_ORDER].reverse().map((name) => ({ name }))));
    const all = must(await listRecords(ctx, person, { sort: [{ field: 'name', direction: 'asc' }] }));
    expect(all.items.map((r) => r.name)).toEqual(PERSIAN_ORDER);
    const first = must(await listRecords(ctx, person, { limit: 4 }));
    const rest = must(await listRecords(ctx, person, { limit: 10, cursor: first.nextCursor }));
    expect([...first.items, ...rest.items].map((r) => r.name)).toEqual(PERSIAN_ORDER);
    const desc = must(await listRecords(ctx, person, { sort: [{ field: 'name', direction: 'desc' }] }));
    expect(desc.items.map((r) => r.name)).toEqual([...PERSIAN_ORDER].reverse());
  });
});
