/**
 * Roles made or edited in the admin page: each save or removal is a new model version (roles are
 * part of the model, like workflows), checked against the model's entities and fields first. The
 * model version's config_log row is written by `applyModel` in its transaction; every server then
 * forgets cached access (a new model version, and NOTIFY on the auth channel).
 *
 *   const saved = await saveRole(database, { document: { name: 'auditor', title: 'Auditor', entities: { '*': { read: 'all' } } }, actorId });
 *   if (!saved.ok) for (const i of saved.error.issues ?? []) console.error(`${i.pointer}: ${i.message}`);
 */
import type { Kysely } from 'kysely';
import { roleDocument, type RoleDefinition, type RoleModel } from '../../access/role-model.ts';
import { buildModel } from '../../model/compose-model.ts';
import { findRole, type LocalizedText, type Model } from '../../model/types.ts';
import { loadRoleDocuments, rolePath } from '../../packs/kinds/roles.ts';
import { notifyAuthChange } from '../auth/tokens.ts';
import type { Database } from '../db/database.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { applyModel, type ApplyResult } from '../schema/apply.ts';
import { loadCurrentModel } from '../schema/model-store.ts';
import { done, refused, type AccessIssue, type AccessResult } from './access-result.ts';

const ROLE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A role document → its model, checked against `model` (its entities and their fields). */
export function checkRoleDocument(model: Model, document: unknown, pack: string | null = null): AccessResult<RoleModel> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return refused('invalid', 'the role must be a JSON object');
  const name = (document as { name?: unknown }).name;
  const path = rolePath(typeof name === 'string' && ROLE_NAME.test(name) ? name : 'role');
  const loaded = loadRoleDocuments([{ path, text: JSON.stringify(document) }], { pack, entities: model.entities });
  if (!loaded.ok) {
    const issues: AccessIssue[] = loaded.issues.map((i) => ({ pointer: i.pointer, message: i.message }));
    return refused('invalid', summary(issues), issues);
  }
  const role = loaded.roles[0];
  return role ? done(role) : refused('invalid', 'the document describes no role');
}

function summary(issues: readonly AccessIssue[]): string {
  const first = issues[0];
  if (!first) return 'the role is invalid';
  const text = `${first.pointer || '/'}: ${first.message}`;
  return issues.length === 1 ? text : `${text} (and ${issues.length - 1} more)`;
}

export interface RoleHolder {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly disabled: boolean;
}

export interface RoleSummary {
  readonly name: string;
  readonly title: LocalizedText;
  readonly description: string | null;
  readonly administer: boolean;
  readonly pack: string | null;
  readonly holders: readonly RoleHolder[];
}

/** The model's roles, each with who holds it; grants of roles the model lacks are listed apart. */
export async function listRoles(db: Kysely<SystemTables>, model: Model): Promise<{ roles: RoleSummary[]; unknown: { role: string; holders: RoleHolder[] }[] }> {
  const rows = await db
    .selectFrom('peyvand.user_roles as r')
    .innerJoin('peyvand.users as u', 'u.id', 'r.user_id')
    .select(['r.role', 'u.id', 'u.email', 'u.name', 'u.disabled_at'])
    .orderBy('u.email')
    .execute();
  const holders = new Map<string, RoleHolder[]>();
  for (const row of rows) {
    const list = holders.get(row.role) ?? [];
    list.push({ id: row.id, email: row.email, name: row.name, disabled: row.disabled_at !== null });
    holders.set(row.role, list);
  }
  const roles = model.roles.map((r) => ({ name: r.name, title: r.title, description: r.description, administer: r.administer, pack: r.pack ?? null, holders: holders.get(r.name) ?? [] }));
  const known = new Set(model.roles.map((r) => r.name));
  const unknown = [...holders.entries()].filter(([role]) => !known.has(role)).map(([role, list]) => ({ role, holders: list }));
  return { roles, unknown };
}

/** A role as its file says (what the editor starts from). */
export function roleAsDocument(model: Model, name: string): AccessResult<{ role: RoleModel; document: RoleDefinition }> {
  const role = findRole(model, name);
  if (!role) return refused('not-found', `there is no role "${name}"`);
  const { $schema: _schema, ...document } = roleDocument(role);
  void _schema;
  return done({ role, document });
}

/**
 * Saves a role as a new model version. A pack's role edited here stays the pack's (an upgrade of
 * the pack merges the edit with the pack's changes). `previousName`, when given, must be the
 * document's name: a role's name is how users hold it, so roles are not renamed.
 */
export async function saveRole(database: Database, input: { readonly document: unknown; readonly previousName?: string; readonly actorId: string | null }): Promise<AccessResult<{ role: RoleModel; result: ApplyResult }>> {
  const current = await loadCurrentModel(database.db);
  const existing = input.previousName === undefined ? undefined : findRole(current.model, input.previousName);
  if (input.previousName !== undefined && !existing) return refused('not-found', `there is no role "${input.previousName}"`);
  const checked = checkRoleDocument(current.model, input.document, existing?.pack ?? null);
  if (!checked.ok) return checked;
  const role = checked.value;
  if (existing && existing.name !== role.name) {
    return refused('invalid', `a role cannot be renamed (users hold it by name); make a new role "${role.name}" and move its holders`, [{ pointer: '/name', message: `must stay "${existing.name}"` }]);
  }
  const clash = !existing ? findRole(current.model, role.name) : undefined;
  if (clash) return refused('conflict', `a role named "${role.name}" already exists`, [{ pointer: '/name', message: 'this name is taken' }]);
  const roles = [...current.model.roles.filter((r) => r !== existing), role];
  const model = buildModel(current.model.packs, current.model.entities, current.model.workflows, roles);
  const result = await applyModel(database, { model, source: `designer: role ${role.name}`, actorId: input.actorId });
  await notifyAuthChange(database.db);
  return done({ role, result });
}

/** Removes a role nobody holds (take it from its holders first: removing it would silently strip them). */
export async function removeRole(database: Database, name: string, actorId: string | null): Promise<AccessResult<ApplyResult>> {
  const current = await loadCurrentModel(database.db);
  const existing = findRole(current.model, name);
  if (!existing) return refused('not-found', `there is no role "${name}"`);
  const held = await database.db.selectFrom('peyvand.user_roles').select((eb) => eb.fn.countAll<string>().as('n')).where('role', '=', name).executeTakeFirst();
  const count = Number(held?.n ?? 0);
  if (count > 0) return refused('conflict', `${count} user${count === 1 ? ' holds' : 's hold'} the role "${name}"; take it from them first`);
  const model = buildModel(current.model.packs, current.model.entities, current.model.workflows, current.model.roles.filter((r) => r !== existing));
  const result = await applyModel(database, { model, source: `designer: removed role ${name}`, actorId });
  await notifyAuthChange(database.db);
  return done(result);
}
