/**
 * `peyvand user …`, `peyvand team …` and `peyvand role …`: access administration from the command
 * line, through the same services as the admin pages (config_log rows, NOTIFY to running servers).
 * Exit codes as in main.ts: 0 success, 1 refused (the message says why), 2 usage error.
 *
 *   peyvand user create rep@example.com --name "Rep" --role sales_rep --team "Tehran office"
 *   peyvand user roles rep@example.com sales_rep,sales_manager
 *   peyvand team create "Tehran office" --parent Sales
 *   peyvand team add "Tehran office" rep@example.com
 *   peyvand role list --json
 */
import { parseArgs } from 'node:util';
import { localized } from '../lib/i18n/index.ts';
import { createManagedUser, findManagedUser, setUserRoles } from '../lib/server/access/user-admin-service.ts';
import { addMember, createTeam, findTeamByName } from '../lib/server/access/team-service.ts';
import { listRoles } from '../lib/server/access/role-service.ts';
import type { AccessResult } from '../lib/server/access/access-result.ts';
import { migrateSystemTables, openDatabase, type Database } from '../lib/server/db/database.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';

export const ACCESS_USAGE = `  user create <email> --name N [--role R]… [--team T]…
                                           a user with roles and teams, and a one-time password (shown once)
  user roles <email> R1,R2                 the roles the user holds from now on ("" for none)
  team create <name> [--parent P]          a team, under team P when given
  team add <team> <email>                  make the user a member of the team
  role list [--json]                       the roles of the model and who holds them`;

class AccessUsageError extends Error {}

async function withDatabase<T>(purpose: string, run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose, poolSize: 2 });
  try {
    await migrateSystemTables(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

function report<T>(result: AccessResult<T>, success: (value: T) => string): number {
  if (!result.ok) {
    process.stderr.write(`peyvand: ${result.error.message}\n`);
    for (const issue of result.error.issues ?? []) process.stderr.write(`  ${issue.pointer || '/'}: ${issue.message}\n`);
    return 1;
  }
  process.stdout.write(`${success(result.value)}\n`);
  return 0;
}

function refuse(message: string): number {
  process.stderr.write(`peyvand: ${message}\n`);
  return 1;
}

async function teamIds(database: Database, names: readonly string[]): Promise<string[] | string> {
  const ids: string[] = [];
  for (const name of names) {
    const team = await findTeamByName(database.db, name);
    if (!team) return `there is no team "${name}"`;
    ids.push(team.id);
  }
  return ids;
}

async function user(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, role: { type: 'string', multiple: true }, team: { type: 'string', multiple: true } } });
  const [verb, email, list, ...extra] = positionals;
  if (verb === 'create') {
    if (!email || !values.name || list !== undefined) throw new AccessUsageError('user create needs <email> and --name');
    const name = values.name;
    return withDatabase('peyvand user create', async (database) => {
      const teams = await teamIds(database, values.team ?? []);
      if (typeof teams === 'string') return refuse(teams);
      const { model } = await loadCurrentModel(database.db);
      return report(await createManagedUser(database.db, model, { email, name, roles: values.role ?? [], teamIds: teams, actorId: null }), (created) =>
        [`created ${created.user.email}`, `one-time password (must be changed at first sign-in): ${created.password}`].join('\n'),
      );
    });
  }
  if (verb === 'roles') {
    if (!email || list === undefined || extra.length > 0 || values.name || values.role || values.team) throw new AccessUsageError('user roles needs <email> and a comma-separated list of roles');
    const roles = list.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
    return withDatabase('peyvand user roles', async (database) => {
      const found = await findManagedUser(database.db, email);
      if (!found) return refuse(`no user with email ${email}`);
      const { model } = await loadCurrentModel(database.db);
      return report(await setUserRoles(database.db, model, { userId: found.id, roles, actorId: null }), (r) => `${found.email}: ${r.roles.length > 0 ? r.roles.join(', ') : 'no roles'}`);
    });
  }
  throw new AccessUsageError(`unknown user command "${verb ?? ''}"`);
}

async function team(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { parent: { type: 'string' } } });
  const [verb, name, email, ...extra] = positionals;
  if (verb === 'create') {
    if (!name || email !== undefined) throw new AccessUsageError('team create needs <name>');
    return withDatabase('peyvand team create', async (database) => {
      const parent = values.parent === undefined ? null : await findTeamByName(database.db, values.parent);
      if (values.parent !== undefined && !parent) return refuse(`there is no team "${values.parent}"`);
      return report(await createTeam(database.db, { name, parentId: parent?.id ?? null, actorId: null }), (t) => `created team ${t.name}${parent ? ` under ${parent.name}` : ''}`);
    });
  }
  if (verb === 'add') {
    if (!name || !email || extra.length > 0 || values.parent !== undefined) throw new AccessUsageError('team add needs <team> and <email>');
    return withDatabase('peyvand team add', async (database) => {
      const found = await findTeamByName(database.db, name);
      if (!found) return refuse(`there is no team "${name}"`);
      const member = await findManagedUser(database.db, email);
      if (!member) return refuse(`no user with email ${email}`);
      return report(await addMember(database.db, { teamId: found.id, userId: member.id, actorId: null }), (r) => (r.added ? `${member.email} is now in ${found.name}` : `${member.email} was already in ${found.name}`));
    });
  }
  throw new AccessUsageError(`unknown team command "${verb ?? ''}"`);
}

async function role(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals[0] !== 'list' || positionals.length > 1) throw new AccessUsageError('role list takes only --json');
  return withDatabase('peyvand role list', async (database) => {
    const { model } = await loadCurrentModel(database.db);
    const listed = await listRoles(database.db, model);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
      return 0;
    }
    if (listed.roles.length === 0) process.stdout.write('no roles (packs ship them in roles/<name>.json; administrators make them on /admin/access)\n');
    for (const r of listed.roles) {
      const holders = r.holders.map((h) => h.email + (h.disabled ? ' (disabled)' : '')).join(', ');
      process.stdout.write(`${r.name}\t${localized(r.title, 'en', r.name)}${r.administer ? ' [administers]' : ''}\t${r.pack ? `pack ${r.pack}` : 'admin page'}\t${holders || '-'}\n`);
    }
    for (const u of listed.unknown) process.stdout.write(`${u.role}\t(not in the model: grants nothing)\t\t${u.holders.map((h) => h.email).join(', ')}\n`);
    return 0;
  });
}

/** `command` is `user`, `team` or `role`. */
export async function access(command: 'user' | 'team' | 'role', args: string[]): Promise<number> {
  try {
    if (command === 'user') return await user(args);
    if (command === 'team') return await team(args);
    return await role(args);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof AccessUsageError || code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`peyvand: ${(error as Error).message}\n\nUsage:\n${ACCESS_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
