/**
 * Loads what a user may do: their roles (by name, from the model in force) and their teams (with
 * sub-teams and parents), combined by `buildAccess`. The runtime caches the answer briefly and
 * forgets it on any auth change (NOTIFY), so revoking a role takes effect on the next request.
 *
 *   const access = await loadAccess(db, runtime.current().model, user);
 */
import { sql, type Kysely } from 'kysely';
import { validate as isUuid } from 'uuid';
import { buildAccess, NO_TEAMS, type Access, type TeamMembership } from '../../access/access.ts';
import type { Model } from '../../model/types.ts';
import type { SystemTables } from '../db/system-tables.ts';

export async function loadTeams(db: Kysely<SystemTables>, userId: string): Promise<TeamMembership> {
  if (!isUuid(userId)) return NO_TEAMS;
  const direct = (await db.selectFrom('peyvand.team_members').select('team_id').where('user_id', '=', userId).execute()).map((r) => r.team_id);
  if (direct.length === 0) return { direct: [], tree: [], ancestors: [], users: [userId] };
  const tree = await sql<{ id: string }>`
    with recursive t(id) as (
      select id from peyvand.teams where id = any(${direct}::uuid[])
      union
      select c.id from peyvand.teams c join t on c.parent_id = t.id
    ) select id from t`.execute(db);
  const ancestors = await sql<{ id: string }>`
    with recursive t(id, parent_id) as (
      select id, parent_id from peyvand.teams where id = any(${direct}::uuid[])
      union
      select p.id, p.parent_id from peyvand.teams p join t on p.id = t.parent_id
    ) select id from t`.execute(db);
  const treeIds = tree.rows.map((r) => r.id);
  const members = await db.selectFrom('peyvand.team_members').select('user_id').distinct().where('team_id', 'in', treeIds).execute();
  const users = new Set([userId, ...members.map((m) => m.user_id)]);
  return { direct: [...direct].sort(), tree: treeIds.sort(), ancestors: ancestors.rows.map((r) => r.id).sort(), users: [...users].sort() };
}

export async function loadRoleNames(db: Kysely<SystemTables>, userId: string): Promise<string[]> {
  if (!isUuid(userId)) return [];
  return (await db.selectFrom('peyvand.user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute()).map((r) => r.role);
}

export async function loadAccess(db: Kysely<SystemTables>, model: Model, user: { readonly id: string; readonly isAdmin: boolean }): Promise<Access> {
  const [names, teams] = await Promise.all([loadRoleNames(db, user.id), loadTeams(db, user.id)]);
  const held = new Set(names);
  return buildAccess({ userId: user.id, isAdmin: user.isAdmin, roles: model.roles.filter((r) => held.has(r.name)), teams });
}

/** Loads the access of a user by id (workflow identities): null when the user is gone or disabled. */
export async function loadAccessById(db: Kysely<SystemTables>, model: Model, userId: string): Promise<Access | null> {
  if (!isUuid(userId)) return null;
  const row = await db.selectFrom('peyvand.users').select(['id', 'is_admin']).where('id', '=', userId).where('disabled_at', 'is', null).executeTakeFirst();
  return row ? loadAccess(db, model, { id: row.id, isAdmin: row.is_admin }) : null;
}
