/** Saved import templates are shared, but only their author or an administrator may replace or delete one. */
import { buildAccess, SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { MEMBER_ROLE } from '../support/access.ts';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { deleteTemplate, saveTemplate } from '../../src/lib/server/data/import-templates.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));
const user = (id: string, isAdmin = false): AuthUser => ({ id, email: `${id.slice(0, 4)}@example.com`, name: id, isAdmin, mustChangePassword: false });

describe.each(BACKENDS)('import templates (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_tpl'));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok) throw new Error('apply');
    await runtime.refresh();
    for (const name of ['sara', 'reza', 'admin']) {
      const row = await runtime.database.db
        .insertInto('peyvand.users')
        .values({ id: crypto.randomUUID(), email: `${name}@example.com`, name, password_hash: 'x', is_admin: name === 'admin', must_change_password: false })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids[name] = row.id;
    }
  });
  afterAll(async () => {
    await dispose?.();
  });

  // An importer who is not an administrator (the role lets them import every entity).
  const IMPORTER = buildAccess({ userId: '00000000-0000-7000-8000-0000000000aa', isAdmin: false, roles: [MEMBER_ROLE] });

  it('keeps another user from replacing or deleting a template, and lets the author and an admin', async () => {
    const model = runtime.current().model;
    const mapping = { columns: { Email: 'email', Name: 'full_name' } };
    const db = runtime.database.db;
    expect((await saveTemplate(db, { model, user: user(ids.sara ?? ''), access: IMPORTER, entity: 'contact', name: 'fair-leads', mapping })).ok).toBe(true);
    const stolen = await saveTemplate(db, { model, user: user(ids.reza ?? ''), access: IMPORTER, entity: 'contact', name: 'fair-leads', mapping: { ...mapping, onDuplicate: 'update', dedupeOn: ['full_name'] } });
    expect(stolen).toMatchObject({ ok: false });
    expect(await deleteTemplate(db, { user: user(ids.reza ?? ''), access: IMPORTER, entity: 'contact', name: 'fair-leads' })).toBe(false);
    const stored = await sql<{ mapping: unknown }>`select mapping from peyvand.import_templates where name = 'fair-leads'`.execute(db);
    expect(JSON.stringify(stored.rows[0]?.mapping)).not.toContain('update');
    expect((await saveTemplate(db, { model, user: user(ids.sara ?? ''), access: IMPORTER, entity: 'contact', name: 'fair-leads', mapping: { ...mapping, onDuplicate: 'merge', dedupeOn: ['email'] } })).ok).toBe(true);
    expect((await saveTemplate(db, { model, user: user(ids.admin ?? '', true), access: SYSTEM_ACCESS, entity: 'contact', name: 'fair-leads', mapping })).ok).toBe(true);
    expect(await deleteTemplate(db, { user: user(ids.admin ?? '', true), access: SYSTEM_ACCESS, entity: 'contact', name: 'fair-leads' })).toBe(true);
  });
});
