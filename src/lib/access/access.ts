/**
 * What one person may do, combined from their roles and teams: the value every read and write
 * path asks (the records service, the API middleware, exports, imports, workflow merge fields).
 * Pure: the server loads roles and teams (auth/access-store.ts) and builds it here.
 *
 *   const access = buildAccess({ userId, isAdmin: false, roles: model.roles.filter(r => names.includes(r.name)), teams });
 *   rightsFor(access, 'deal').read;          // 'own' | 'team' | 'all' | 'none'
 *   isFieldHidden(access, 'deal', 'close_value');
 *
 * Several roles add up: the widest scope wins, a field is hidden only when every role that reads
 * the entity hides it, and writable when any role that writes the entity leaves it open.
 */
import { NO_RIGHTS, type EntityRights, type FieldAccess, type RecordScope, type RoleModel } from './role-model.ts';

export interface TeamMembership {
  /** Teams the user belongs to. */
  readonly direct: readonly string[];
  /** Those teams and all their sub-teams: whose records "team" scope reaches. */
  readonly tree: readonly string[];
  /** Those teams and all their parents: a record shared with a team reaches its sub-teams' members. */
  readonly ancestors: readonly string[];
  /** Members of `tree` (the user included). */
  readonly users: readonly string[];
}

export interface Access {
  /** Null for the platform itself (seed data, pack applies, workflows without an identity). */
  readonly userId: string | null;
  /** Administrators (and the platform) have every right and see every field. */
  readonly isAdmin: boolean;
  readonly roles: readonly string[];
  readonly teams: TeamMembership;
  /** Combined rights per entity named by any role, and `*` for the rest. */
  readonly entities: Readonly<Record<string, EntityRights>>;
}

export const NO_TEAMS: TeamMembership = Object.freeze({ direct: [], tree: [], ancestors: [], users: [] });

const ALL_RIGHTS: EntityRights = Object.freeze({ create: true, read: 'all', update: 'all', delete: 'all', export: true, import: true, fields: Object.freeze({}) });

/** The platform acting for itself: every right, every field. */
export const SYSTEM_ACCESS: Access = Object.freeze({ userId: null, isAdmin: true, roles: [], teams: NO_TEAMS, entities: Object.freeze({ '*': ALL_RIGHTS }) });

const SCOPE_RANK: Readonly<Record<RecordScope, number>> = { none: 0, own: 1, team: 2, all: 3 };

export function widerScope(a: RecordScope, b: RecordScope): RecordScope {
  return SCOPE_RANK[a] >= SCOPE_RANK[b] ? a : b;
}

function roleRights(role: RoleModel, entity: string): EntityRights {
  return role.entities[entity] ?? role.entities['*'] ?? NO_RIGHTS;
}

function combine(roles: readonly RoleModel[], entity: string): EntityRights {
  const each = roles.map((r) => roleRights(r, entity));
  let rights: Omit<EntityRights, 'fields'> = { create: false, read: 'none', update: 'none', delete: 'none', export: false, import: false };
  for (const r of each) {
    rights = {
      create: rights.create || r.create,
      read: widerScope(rights.read, r.read),
      update: widerScope(rights.update, r.update),
      delete: widerScope(rights.delete, r.delete),
      export: rights.export || r.export,
      import: rights.import || r.import,
    };
  }
  const readers = each.filter((r) => r.read !== 'none');
  const writers = each.filter((r) => r.create || r.update !== 'none');
  const named = new Set(each.flatMap((r) => Object.keys(r.fields)));
  const fields: Record<string, FieldAccess> = {};
  for (const field of [...named].sort()) {
    const visible = readers.length === 0 || readers.some((r) => r.fields[field] !== 'hidden');
    const writable = writers.some((r) => r.fields[field] === undefined);
    if (!visible) fields[field] = 'hidden';
    else if (!writable) fields[field] = 'read';
  }
  return { ...rights, fields };
}

export function buildAccess(input: { readonly userId: string; readonly isAdmin: boolean; readonly roles: readonly RoleModel[]; readonly teams?: TeamMembership }): Access {
  const isAdmin = input.isAdmin || input.roles.some((r) => r.administer);
  const names = new Set<string>(['*']);
  for (const role of input.roles) for (const name of Object.keys(role.entities)) names.add(name);
  const entities: Record<string, EntityRights> = {};
  for (const name of [...names].sort()) entities[name] = isAdmin ? ALL_RIGHTS : combine(input.roles, name);
  return Object.freeze({
    userId: input.userId,
    isAdmin,
    roles: input.roles.map((r) => r.name).sort(),
    teams: input.teams ?? NO_TEAMS,
    entities: Object.freeze(entities),
  });
}

export function rightsFor(access: Access, entity: string): EntityRights {
  return access.entities[entity] ?? access.entities['*'] ?? NO_RIGHTS;
}

export function fieldAccess(access: Access, entity: string, field: string): FieldAccess | null {
  return rightsFor(access, entity).fields[field] ?? null;
}

export function isFieldHidden(access: Access, entity: string, field: string): boolean {
  return fieldAccess(access, entity, field) === 'hidden';
}

/** Fields of an entity the user may not see (empty for administrators). */
export function hiddenFields(access: Access, entity: string): ReadonlySet<string> {
  const fields = rightsFor(access, entity).fields;
  return new Set(Object.keys(fields).filter((f) => fields[f] === 'hidden'));
}

/** Fields the user may see but not set (hidden ones included: they cannot be set either). */
export function lockedFields(access: Access, entity: string): ReadonlySet<string> {
  return new Set(Object.keys(rightsFor(access, entity).fields));
}
