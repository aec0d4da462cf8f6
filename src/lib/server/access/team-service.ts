/**
 * Teams: a tree (region → office → team) whose members' records a "team" scope reaches. Every
 * change runs in one transaction with its config_log row, under one lock (so two moves cannot make
 * a cycle together), and tells every server to forget cached access.
 *
 *   const sales = await createTeam(db, { name: 'Sales', parentId: null, actorId });
 *   if (sales.ok) await addMember(db, { teamId: sales.value.id, userId, actorId });
 */
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { logConfigChange } from '../audit/config-log.ts';
import { notifyAuthChange } from '../auth/tokens.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { done, refused, UUID, type AccessResult } from './access-result.ts';

export const MAX_TEAM_NAME = 100;

export interface TeamMember {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

export interface TeamSummary {
  readonly id: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly members: readonly TeamMember[];
}

/** Every team with its members, sorted by name (the caller builds the tree from `parentId`). */
export async function listTeams(db: Kysely<SystemTables>): Promise<TeamSummary[]> {
  const teams = await db.selectFrom('peyvand.teams').select(['id', 'name', 'parent_id']).orderBy('name').execute();
  const members = await db
    .selectFrom('peyvand.team_members as m')
    .innerJoin('peyvand.users as u', 'u.id', 'm.user_id')
    .select(['m.team_id', 'u.id', 'u.email', 'u.name'])
    .orderBy('u.email')
    .execute();
  return teams.map((t) => ({ id: t.id, name: t.name, parentId: t.parent_id, members: members.filter((m) => m.team_id === t.id).map((m) => ({ id: m.id, email: m.email, name: m.name })) }));
}

export async function findTeamByName(db: Kysely<SystemTables>, name: string): Promise<{ id: string; name: string } | null> {
  const row = await db.selectFrom('peyvand.teams').select(['id', 'name']).where('name', '=', name.trim()).executeTakeFirst();
  return row ?? null;
}

function cleanName(name: string): string | null {
  const trimmed = name.trim().normalize('NFC');
  return trimmed.length === 0 || trimmed.length > MAX_TEAM_NAME || /\p{Cc}/u.test(trimmed) ? null : trimmed;
}

const BAD_NAME = `A team name needs 1 to ${MAX_TEAM_NAME} characters (no control characters).`;

/** One change to the tree at a time, across processes: a cycle check sees every committed move. */
async function lockTree(trx: Kysely<SystemTables>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('peyvand.teams'))`.execute(trx);
}

async function teamById(db: Kysely<SystemTables>, id: string): Promise<{ id: string; name: string; parent_id: string | null } | null> {
  if (!UUID.test(id)) return null;
  return (await db.selectFrom('peyvand.teams').select(['id', 'name', 'parent_id']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The team and all its sub-teams, by id. */
async function subtree(db: Kysely<SystemTables>, id: string): Promise<Set<string>> {
  const rows = await sql<{ id: string }>`
    with recursive t(id) as (
      select id from peyvand.teams where id = ${id}::uuid
      union
      select c.id from peyvand.teams c join t on c.parent_id = t.id
    ) select id from t`.execute(db);
  return new Set(rows.rows.map((r) => r.id));
}

async function finish(trx: Kysely<SystemTables>, change: { actorId: string | null; subject: string; action: string; detail?: unknown }): Promise<void> {
  await logConfigChange(trx, { actorId: change.actorId, kind: 'team', subject: change.subject, action: change.action, detail: change.detail ?? {} });
  await notifyAuthChange(trx);
}

export async function createTeam(db: Kysely<SystemTables>, input: { readonly name: string; readonly parentId: string | null; readonly actorId: string | null }): Promise<AccessResult<{ id: string; name: string }>> {
  const name = cleanName(input.name);
  if (!name) return refused('invalid', BAD_NAME);
  return db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const parent = input.parentId === null ? null : await teamById(trx, input.parentId);
    if (input.parentId !== null && !parent) return refused('not-found', 'the parent team does not exist');
    const id = uuidv7();
    const row = await trx.insertInto('peyvand.teams').values({ id, name, parent_id: parent?.id ?? null }).onConflict((oc) => oc.column('name').doNothing()).returning('id').executeTakeFirst();
    if (!row) return refused('conflict', `a team named "${name}" already exists`);
    await finish(trx, { actorId: input.actorId, subject: name, action: 'create', detail: { id, parent: parent?.name ?? null } });
    return done({ id, name });
  });
}

export async function renameTeam(db: Kysely<SystemTables>, input: { readonly id: string; readonly name: string; readonly actorId: string | null }): Promise<AccessResult<{ id: string; name: string }>> {
  const name = cleanName(input.name);
  if (!name) return refused('invalid', BAD_NAME);
  return db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const team = await teamById(trx, input.id);
    if (!team) return refused('not-found', 'there is no such team');
    if (team.name === name) return done({ id: team.id, name });
    const taken = await trx.selectFrom('peyvand.teams').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) return refused('conflict', `a team named "${name}" already exists`);
    await trx.updateTable('peyvand.teams').set({ name }).where('id', '=', team.id).execute();
    await finish(trx, { actorId: input.actorId, subject: name, action: 'rename', detail: { id: team.id, before: team.name, after: name } });
    return done({ id: team.id, name });
  });
}

/** Gives a team a new parent (null: a top-level team); refused when it would make a cycle. */
export async function moveTeam(db: Kysely<SystemTables>, input: { readonly id: string; readonly parentId: string | null; readonly actorId: string | null }): Promise<AccessResult<{ id: string; parentId: string | null }>> {
  return db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const team = await teamById(trx, input.id);
    if (!team) return refused('not-found', 'there is no such team');
    const parent = input.parentId === null ? null : await teamById(trx, input.parentId);
    if (input.parentId !== null && !parent) return refused('not-found', 'the new parent team does not exist');
    if (parent && (await subtree(trx, team.id)).has(parent.id)) {
      return refused('invalid', parent.id === team.id ? `"${team.name}" cannot be its own parent` : `"${parent.name}" is inside "${team.name}"; moving "${team.name}" under it would make a circle`);
    }
    if ((team.parent_id ?? null) === (parent?.id ?? null)) return done({ id: team.id, parentId: team.parent_id });
    const before = team.parent_id ? ((await teamById(trx, team.parent_id))?.name ?? null) : null;
    await trx.updateTable('peyvand.teams').set({ parent_id: parent?.id ?? null }).where('id', '=', team.id).execute();
    await finish(trx, { actorId: input.actorId, subject: team.name, action: 'move', detail: { id: team.id, before, after: parent?.name ?? null } });
    return done({ id: team.id, parentId: parent?.id ?? null });
  });
}

/** Deletes a team without sub-teams; its memberships and the shares made to it go with it. */
export async function deleteTeam(db: Kysely<SystemTables>, input: { readonly id: string; readonly actorId: string | null }): Promise<AccessResult<{ id: string }>> {
  return db.transaction().execute(async (trx) => {
    await lockTree(trx);
    const team = await teamById(trx, input.id);
    if (!team) return refused('not-found', 'there is no such team');
    const child = await trx.selectFrom('peyvand.teams').select('name').where('parent_id', '=', team.id).orderBy('name').executeTakeFirst();
    if (child) return refused('conflict', `"${team.name}" has sub-teams (e.g. "${child.name}"); move or delete them first`);
    const members = await trx.selectFrom('peyvand.team_members').select('user_id').where('team_id', '=', team.id).execute();
    await trx.deleteFrom('peyvand.teams').where('id', '=', team.id).execute();
    await finish(trx, { actorId: input.actorId, subject: team.name, action: 'delete', detail: { id: team.id, members: members.map((m) => m.user_id) } });
    return done({ id: team.id });
  });
}

async function userEmail(db: Kysely<SystemTables>, id: string): Promise<string | null> {
  if (!UUID.test(id)) return null;
  return (await db.selectFrom('peyvand.users').select('email').where('id', '=', id).executeTakeFirst())?.email ?? null;
}

export async function addMember(db: Kysely<SystemTables>, input: { readonly teamId: string; readonly userId: string; readonly actorId: string | null }): Promise<AccessResult<{ added: boolean }>> {
  return db.transaction().execute(async (trx) => {
    const team = await teamById(trx, input.teamId);
    if (!team) return refused('not-found', 'there is no such team');
    const email = await userEmail(trx, input.userId);
    if (!email) return refused('not-found', 'there is no such user');
    const row = await trx.insertInto('peyvand.team_members').values({ team_id: team.id, user_id: input.userId }).onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing()).returning('user_id').executeTakeFirst();
    if (!row) return done({ added: false });
    await finish(trx, { actorId: input.actorId, subject: team.name, action: 'add-member', detail: { team: team.id, user: input.userId, email } });
    return done({ added: true });
  });
}

export async function removeMember(db: Kysely<SystemTables>, input: { readonly teamId: string; readonly userId: string; readonly actorId: string | null }): Promise<AccessResult<{ removed: boolean }>> {
  return db.transaction().execute(async (trx) => {
    const team = await teamById(trx, input.teamId);
    if (!team) return refused('not-found', 'there is no such team');
    if (!UUID.test(input.userId)) return refused('not-found', 'there is no such user');
    const result = await trx.deleteFrom('peyvand.team_members').where('team_id', '=', team.id).where('user_id', '=', input.userId).executeTakeFirst();
    if (result.numDeletedRows === 0n) return done({ removed: false });
    await finish(trx, { actorId: input.actorId, subject: team.name, action: 'remove-member', detail: { team: team.id, user: input.userId, email: await userEmail(trx, input.userId) } });
    return done({ removed: true });
  });
}
