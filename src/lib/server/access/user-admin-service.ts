/**
 * Users as administrators manage them: who exists, which roles and teams each has; create one with
 * a one-time password (shown once, to be changed at first sign-in); grant and revoke roles; move
 * between teams; disable (which ends every session and token at once) and enable. Each change runs
 * in one transaction with its config_log row and tells every server to forget cached access.
 *
 *   const created = await createManagedUser(db, model, { email: 'rep@example.com', name: 'Rep', roles: ['sales_rep'], teamIds: [tehran], actorId });
 *   if (created.ok) console.log(`one-time password: ${created.value.password}`);
 */
import { sql, type Kysely } from 'kysely';
import { findRole, type Model } from '../../model/types.ts';
import { logConfigChange } from '../audit/config-log.ts';
import { generatePassword } from '../auth/passwords.ts';
import { notifyAuthChange } from '../auth/tokens.ts';
import { createUser, normaliseEmail, type User } from '../auth/users.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { done, refused, UUID, type AccessResult } from './access-result.ts';

export interface ManagedUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly isAdmin: boolean;
  readonly mustChangePassword: boolean;
  readonly disabled: boolean;
  readonly roles: readonly string[];
  readonly teams: readonly { readonly id: string; readonly name: string }[];
}

export async function listUsers(db: Kysely<SystemTables>): Promise<ManagedUser[]> {
  const users = await db.selectFrom('peyvand.users').select(['id', 'email', 'name', 'is_admin', 'must_change_password', 'disabled_at']).orderBy('email').execute();
  const roles = await db.selectFrom('peyvand.user_roles').select(['user_id', 'role']).orderBy('role').execute();
  const teams = await db.selectFrom('peyvand.team_members as m').innerJoin('peyvand.teams as t', 't.id', 'm.team_id').select(['m.user_id', 't.id', 't.name']).orderBy('t.name').execute();
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    isAdmin: u.is_admin,
    mustChangePassword: u.must_change_password,
    disabled: u.disabled_at !== null,
    roles: roles.filter((r) => r.user_id === u.id).map((r) => r.role),
    teams: teams.filter((t) => t.user_id === u.id).map((t) => ({ id: t.id, name: t.name })),
  }));
}

export async function findManagedUser(db: Kysely<SystemTables>, idOrEmail: string): Promise<ManagedUser | null> {
  const email = UUID.test(idOrEmail) ? null : normaliseEmail(idOrEmail);
  if (!UUID.test(idOrEmail) && !email) return null;
  const all = await listUsers(db);
  return all.find((u) => (email ? u.email === email : u.id === idOrEmail)) ?? null;
}

function unknownRoles(model: Model, roles: readonly string[]): string[] {
  return roles.filter((r) => !findRole(model, r));
}

async function missingTeams(db: Kysely<SystemTables>, teamIds: readonly string[]): Promise<string[]> {
  const valid = teamIds.filter((id) => UUID.test(id));
  const found = valid.length === 0 ? [] : (await db.selectFrom('peyvand.teams').select('id').where('id', 'in', valid).execute()).map((r) => r.id);
  return teamIds.filter((id) => !found.includes(id));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

async function finish(trx: Kysely<SystemTables>, change: { actorId: string | null; subject: string; action: string; detail?: unknown }): Promise<void> {
  await logConfigChange(trx, { actorId: change.actorId, kind: 'user', subject: change.subject, action: change.action, detail: change.detail ?? {} });
  await notifyAuthChange(trx);
}

export interface CreateManagedUserInput {
  readonly email: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly teamIds: readonly string[];
  readonly actorId: string | null;
  /** Default: a generated one-time password, to be changed at first sign-in. */
  readonly password?: string;
}

/** Creates a user with roles and teams; the password comes back once and is stored only hashed. */
export async function createManagedUser(db: Kysely<SystemTables>, model: Model, input: CreateManagedUserInput): Promise<AccessResult<{ user: User; password: string }>> {
  const roles = unique(input.roles);
  const teamIds = unique(input.teamIds);
  const badRoles = unknownRoles(model, roles);
  if (badRoles.length > 0) return refused('invalid', `there is no role ${badRoles.map((r) => `"${r}"`).join(', ')}`);
  if ((await missingTeams(db, teamIds)).length > 0) return refused('not-found', 'one of the teams does not exist');
  const password = input.password ?? generatePassword();
  return db.transaction().execute(async (trx) => {
    const created = await createUser(trx, { email: input.email, name: input.name, password, mustChangePassword: input.password === undefined });
    if (!created.ok) return refused(created.error.code === 'email-taken' ? 'conflict' : 'invalid', created.error.message);
    const user = created.user;
    if (roles.length > 0) await trx.insertInto('peyvand.user_roles').values(roles.map((role) => ({ user_id: user.id, role, granted_by: input.actorId }))).execute();
    if (teamIds.length > 0) await trx.insertInto('peyvand.team_members').values(teamIds.map((team_id) => ({ team_id, user_id: user.id }))).execute();
    await finish(trx, { actorId: input.actorId, subject: user.email, action: 'create', detail: { id: user.id, roles, teams: teamIds } });
    return done({ user, password });
  });
}

async function userRow(db: Kysely<SystemTables>, id: string): Promise<{ id: string; email: string; is_admin: boolean; disabled_at: Date | null } | null> {
  if (!UUID.test(id)) return null;
  return (await db.selectFrom('peyvand.users').select(['id', 'email', 'is_admin', 'disabled_at']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Replaces the roles a user holds (grants and revocations in one change). */
export async function setUserRoles(db: Kysely<SystemTables>, model: Model, input: { readonly userId: string; readonly roles: readonly string[]; readonly actorId: string | null }): Promise<AccessResult<{ roles: string[]; granted: string[]; revoked: string[] }>> {
  const roles = unique(input.roles);
  const badRoles = unknownRoles(model, roles);
  if (badRoles.length > 0) return refused('invalid', `there is no role ${badRoles.map((r) => `"${r}"`).join(', ')}`);
  return db.transaction().execute(async (trx) => {
    const user = await userRow(trx, input.userId);
    if (!user) return refused('not-found', 'there is no such user');
    const before = (await trx.selectFrom('peyvand.user_roles').select('role').where('user_id', '=', user.id).forUpdate().execute()).map((r) => r.role);
    const granted = roles.filter((r) => !before.includes(r));
    const revoked = before.filter((r) => !roles.includes(r));
    if (granted.length === 0 && revoked.length === 0) return done({ roles, granted, revoked });
    if (input.actorId === user.id && !user.is_admin && revoked.some((r) => findRole(model, r)?.administer) && !roles.some((r) => findRole(model, r)?.administer)) {
      return refused('forbidden', 'you cannot take your own administrator role; ask another administrator');
    }
    if (revoked.length > 0) await trx.deleteFrom('peyvand.user_roles').where('user_id', '=', user.id).where('role', 'in', revoked).execute();
    if (granted.length > 0) await trx.insertInto('peyvand.user_roles').values(granted.map((role) => ({ user_id: user.id, role, granted_by: input.actorId }))).execute();
    await finish(trx, { actorId: input.actorId, subject: user.email, action: 'roles', detail: { before: [...before].sort(), after: roles, granted, revoked } });
    return done({ roles, granted, revoked });
  });
}

/** Replaces the teams a user belongs to. */
export async function setUserTeams(db: Kysely<SystemTables>, input: { readonly userId: string; readonly teamIds: readonly string[]; readonly actorId: string | null }): Promise<AccessResult<{ teamIds: string[] }>> {
  const teamIds = unique(input.teamIds);
  return db.transaction().execute(async (trx) => {
    const user = await userRow(trx, input.userId);
    if (!user) return refused('not-found', 'there is no such user');
    if ((await missingTeams(trx, teamIds)).length > 0) return refused('not-found', 'one of the teams does not exist');
    const before = (await trx.selectFrom('peyvand.team_members').select('team_id').where('user_id', '=', user.id).execute()).map((r) => r.team_id).sort();
    const added = teamIds.filter((t) => !before.includes(t));
    const removed = before.filter((t) => !teamIds.includes(t));
    if (added.length === 0 && removed.length === 0) return done({ teamIds });
    if (removed.length > 0) await trx.deleteFrom('peyvand.team_members').where('user_id', '=', user.id).where('team_id', 'in', removed).execute();
    if (added.length > 0) await trx.insertInto('peyvand.team_members').values(added.map((team_id) => ({ team_id, user_id: user.id }))).execute();
    await finish(trx, { actorId: input.actorId, subject: user.email, action: 'teams', detail: { before, after: teamIds } });
    return done({ teamIds });
  });
}

/** Disables a user and ends every session and token they have, at once on every server. */
export async function disableUser(db: Kysely<SystemTables>, input: { readonly userId: string; readonly actorId: string | null }): Promise<AccessResult<{ disabled: boolean; tokensRevoked: number }>> {
  if (input.actorId !== null && input.actorId === input.userId) return refused('forbidden', 'you cannot disable yourself');
  return db.transaction().execute(async (trx) => {
    const user = await userRow(trx, input.userId);
    if (!user) return refused('not-found', 'there is no such user');
    if (user.disabled_at !== null) return done({ disabled: false, tokensRevoked: 0 });
    await trx.updateTable('peyvand.users').set({ disabled_at: sql<Date>`now()` }).where('id', '=', user.id).execute();
    const revoked = await trx.updateTable('peyvand.api_tokens').set({ revoked_at: sql<Date>`now()` }).where('user_id', '=', user.id).where('revoked_at', 'is', null).executeTakeFirst();
    const tokensRevoked = Number(revoked.numUpdatedRows);
    await finish(trx, { actorId: input.actorId, subject: user.email, action: 'disable', detail: { id: user.id, tokensRevoked } });
    return done({ disabled: true, tokensRevoked });
  });
}

export async function enableUser(db: Kysely<SystemTables>, input: { readonly userId: string; readonly actorId: string | null }): Promise<AccessResult<{ enabled: boolean }>> {
  return db.transaction().execute(async (trx) => {
    const user = await userRow(trx, input.userId);
    if (!user) return refused('not-found', 'there is no such user');
    if (user.disabled_at === null) return done({ enabled: false });
    await trx.updateTable('peyvand.users').set({ disabled_at: null }).where('id', '=', user.id).execute();
    await finish(trx, { actorId: input.actorId, subject: user.email, action: 'enable', detail: { id: user.id } });
    return done({ enabled: true });
  });
}
