/** Roles for tests: install roles into the model and grant them, as an administrator would. */
import { normaliseRole, type RoleDefinition, type RoleModel } from '../../src/lib/access/role-model.ts';
import { buildModel } from '../../src/lib/model/compose-model.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { notifyAuthChange } from '../../src/lib/server/auth/tokens.ts';

/** Every record right on every entity, no administration: what a trusted staff member gets. */
export const MEMBER_ROLE: RoleModel = normaliseRole({
  name: 'member',
  title: 'Member',
  entities: { '*': { create: true, read: 'all', update: 'all', delete: 'all', export: true, import: true } },
});

export function role(definition: RoleDefinition): RoleModel {
  return normaliseRole(definition);
}

/** Adds (or replaces) roles in the model. Call `runtime.refresh()` afterwards when a runtime is open. */
export async function installRoles(database: Database, roles: readonly RoleModel[]): Promise<void> {
  const { model } = await loadCurrentModel(database.db);
  const kept = model.roles.filter((r) => !roles.some((x) => x.name === r.name));
  const next = buildModel(model.packs, model.entities, model.workflows, [...kept, ...roles]);
  if (next.hash === model.hash) return;
  const result = await applyModel(database, { model: next, source: 'test: roles', actorId: null });
  if (result.status !== 'applied' && result.status !== 'unchanged') throw new Error(`roles were not applied: ${JSON.stringify(result).slice(0, 300)}`);
}

/** Installs the roles (default: member) and grants them to the users; every server forgets cached access. */
export async function grantRoles(database: Database, userIds: readonly string[], roles: readonly RoleModel[] = [MEMBER_ROLE]): Promise<void> {
  await installRoles(database, roles);
  for (const userId of userIds) {
    for (const r of roles) {
      await database.db.insertInto('peyvand.user_roles').values({ user_id: userId, role: r.name, granted_by: null }).onConflict((oc) => oc.columns(['user_id', 'role']).doNothing()).execute();
    }
  }
  await notifyAuthChange(database.db);
}
