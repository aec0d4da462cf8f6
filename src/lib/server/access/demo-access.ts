/**
 * The demo's people (`peyvand serve --demo`): a team "Sales" with the sub-teams "Tehran office" and
 * "Dubai office", a sales manager and one sales rep per office with one-time passwords (printed
 * once), the first administrator holding the `admin` role, and the demo records' owners spread
 * between the two reps. Idempotent: what exists is left alone, and records are spread only when
 * the reps are first made (so a restart does not undo an administrator's reassignments).
 *
 *   await installDemoAccess(runtime, (line) => console.log(line));
 */
import { SYSTEM_ACCESS } from '../../access/access.ts';
import { findEntity, findRole } from '../../model/types.ts';
import { FIRST_ADMIN_EMAIL, findUserByEmail } from '../auth/users.ts';
import { reassignOwner } from '../records/reassign-owner.ts';
import { listRecords, type RecordContext } from '../records/record-service.ts';
import type { Runtime } from '../runtime.ts';
import { createTeam, findTeamByName } from './team-service.ts';
import { createManagedUser, findManagedUser, setUserRoles } from './user-admin-service.ts';

export const DEMO_TEAMS = [
  { name: 'Sales', parent: null },
  { name: 'Tehran office', parent: 'Sales' },
  { name: 'Dubai office', parent: 'Sales' },
] as const;

export const DEMO_USERS = [
  { email: 'manager@peyvand.local', name: 'Sales manager', role: 'sales_manager', team: 'Sales' },
  { email: 'rep.tehran@peyvand.local', name: 'Tehran rep', role: 'sales_rep', team: 'Tehran office' },
  { email: 'rep.dubai@peyvand.local', name: 'Dubai rep', role: 'sales_rep', team: 'Dubai office' },
] as const;

/** The entities whose demo records the reps share out. */
const SPREAD = ['company', 'contact', 'deal'] as const;

export async function installDemoAccess(runtime: Runtime, log: (line: string) => void): Promise<void> {
  const db = runtime.database.db;
  const model = runtime.current().model;
  const teams = new Map<string, string>();
  for (const team of DEMO_TEAMS) {
    const found = await findTeamByName(db, team.name);
    if (found) {
      teams.set(team.name, found.id);
      continue;
    }
    const created = await createTeam(db, { name: team.name, parentId: team.parent ? (teams.get(team.parent) ?? null) : null, actorId: null });
    if (!created.ok) throw new Error(`demo team ${team.name}: ${created.error.message}`);
    teams.set(team.name, created.value.id);
    log(`demo team: ${team.name}${team.parent ? ` (in ${team.parent})` : ''}`);
  }

  const admin = await findManagedUser(db, FIRST_ADMIN_EMAIL);
  if (admin && findRole(model, 'admin') && !admin.roles.includes('admin')) {
    const granted = await setUserRoles(db, model, { userId: admin.id, roles: [...admin.roles, 'admin'], actorId: null });
    if (granted.ok) log(`${FIRST_ADMIN_EMAIL} holds the admin role`);
  }

  const made: string[] = [];
  for (const person of DEMO_USERS) {
    if (await findUserByEmail(db, person.email)) continue;
    const teamId = teams.get(person.team);
    const roles = findRole(model, person.role) ? [person.role] : [];
    const created = await createManagedUser(db, model, { email: person.email, name: person.name, roles, teamIds: teamId ? [teamId] : [], actorId: null });
    if (!created.ok) throw new Error(`demo user ${person.email}: ${created.error.message}`);
    log(`demo user: ${person.email} (${roles.join(', ') || 'no role'}, ${person.team})`);
    log(`  password: ${created.value.password}   (one-time: change it at first sign-in)`);
    made.push(person.email);
  }

  const reps = await Promise.all(['rep.tehran@peyvand.local', 'rep.dubai@peyvand.local'].map((email) => findUserByEmail(db, email)));
  const repIds = reps.flatMap((r) => (r ? [r.id] : []));
  if (!made.some((email) => email.startsWith('rep.')) || repIds.length === 0) return;
  const ctx: RecordContext = { db, actorId: null, access: SYSTEM_ACCESS };
  for (const name of SPREAD) {
    const entity = findEntity(model, name);
    if (!entity) continue;
    const listed = await listRecords(ctx, entity, { limit: 200 });
    if (!listed.ok) continue;
    let given = 0;
    for (const [i, record] of listed.value.items.entries()) {
      const owner = repIds[i % repIds.length] ?? null;
      const moved = await reassignOwner(ctx, entity, String(record.id), owner);
      if (moved.ok && moved.value.changed) given++;
    }
    if (given > 0) log(`demo data: ${given} ${name} records shared out between the reps`);
  }
}
