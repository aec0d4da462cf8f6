/**
 * `access.*`: who may do what. Roles, teams and users are administration; sharing a record and
 * giving it a new owner are for whoever may change that record (their role's update right on the
 * entity, and the record inside its scope or shared with them for editing).
 *
 *   await caller.access.roles.save({ document: { name: 'auditor', title: 'Auditor', entities: { '*': { read: 'all' } } } });
 *   const { password } = await caller.access.users.create({ email: 'rep@example.com', name: 'Rep', roles: ['sales_rep'], teams: [teamId] });
 *   await caller.access.shares.add({ entity: 'deal', id, grantee: { kind: 'team', id: teamId }, access: 'read' });
 *   await caller.access.owner.reassign({ entity: 'deal', id, owner: userId });
 */
import type { TRPCError } from '@trpc/server';
import { findEntity, type EntityModel } from '../../model/types.ts';
import type { AccessErrorCode, AccessResult } from '../access/access-result.ts';
import { listRoles, removeRole, roleAsDocument, saveRole } from '../access/role-service.ts';
import { addShare, isShareAccess, listShares, mayChangeRecord, reassignRecordOwner, removeShare, type Grantee } from '../access/share-service.ts';
import { addMember, createTeam, deleteTeam, listTeams, moveTeam, removeMember, renameTeam } from '../access/team-service.ts';
import { createManagedUser, disableUser, enableUser, listUsers, setUserRoles, setUserTeams } from '../access/user-admin-service.ts';
import { can } from '../auth/permissions.ts';
import { parseObjectInput, requiredText } from './input.ts';
import { PeyvandApiError, procedure, requireAccess, requireUser, router, type CheckedContext } from './trpc.ts';

const HTTP_CODE = { invalid: 'BAD_REQUEST', 'not-found': 'NOT_FOUND', conflict: 'CONFLICT', forbidden: 'FORBIDDEN' } as const satisfies Record<AccessErrorCode, TRPCError['code']>;

export function unwrapAccess<T>(result: AccessResult<T>): T {
  if (result.ok) return result.value;
  const issues = (result.error.issues ?? []).map((i) => ({ path: i.pointer, field: null, message: i.message }));
  throw new PeyvandApiError(HTTP_CODE[result.error.code], result.error.message, { peyvandCode: result.error.code, ...(issues.length > 0 ? { issues } : {}) });
}

function invalid(key: string, message: string): never {
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: 'invalid', issues: [{ path: `/${key}`, field: null, message }] });
}

function only(o: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(o).find((k) => !keys.includes(k));
  if (extra !== undefined) invalid(extra, `unknown input "${extra}"; expected ${keys.join(', ')}`);
}

function textList(o: Record<string, unknown>, key: string, max = 200): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 500 || v.some((x) => typeof x !== 'string' || x.length === 0 || x.length > max)) invalid(key, `${key} must be a list of texts`);
  return v as string[];
}

/** A text, or null when absent or null (e.g. a top-level team's parent). */
function optionalId(o: Record<string, unknown>, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return requiredText(o, key, 64);
}

// ---- administration ---------------------------------------------------------------------------

const rolesRouter = router({
  list: procedure({ action: 'admin' }).query(({ ctx }) => listRoles(ctx.runtime.database.db, ctx.runtime.current().model)),
  get: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .query(async ({ ctx, input }) => {
      only(input, ['name']);
      const model = ctx.runtime.current().model;
      const found = unwrapAccess(roleAsDocument(model, requiredText(input, 'name', 63)));
      const listed = await listRoles(ctx.runtime.database.db, model);
      return { name: found.role.name, pack: found.role.pack ?? null, document: found.document, holders: listed.roles.find((r) => r.name === found.role.name)?.holders ?? [] };
    }),
  save: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['document', 'previousName']);
      const previousName = input.previousName === undefined ? undefined : requiredText(input, 'previousName', 63);
      const saved = unwrapAccess(await saveRole(ctx.runtime.database, { document: input.document, ...(previousName === undefined ? {} : { previousName }), actorId: requireUser(ctx).id }));
      await ctx.runtime.refresh();
      ctx.runtime.forgetAuthentications();
      return { name: saved.role.name, status: saved.result.status, version: saved.result.version };
    }),
  remove: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['name']);
      const result = unwrapAccess(await removeRole(ctx.runtime.database, requiredText(input, 'name', 63), requireUser(ctx).id));
      await ctx.runtime.refresh();
      ctx.runtime.forgetAuthentications();
      return { status: result.status, version: result.version };
    }),
});

const teamsRouter = router({
  list: procedure({ action: 'admin' }).query(({ ctx }) => listTeams(ctx.runtime.database.db)),
  /** `{ name, parentId? }` creates; `{ id, name?, parentId? }` renames and/or moves (parentId null: top level). */
  save: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['id', 'name', 'parentId']);
      const db = ctx.runtime.database.db;
      const actorId = requireUser(ctx).id;
      const parentId = optionalId(input, 'parentId');
      let result: { id: string };
      if (input.id === undefined) {
        result = unwrapAccess(await createTeam(db, { name: requiredText(input, 'name', 200), parentId, actorId }));
      } else {
        const id = requiredText(input, 'id', 64);
        if (input.name !== undefined) unwrapAccess(await renameTeam(db, { id, name: requiredText(input, 'name', 200), actorId }));
        if (Object.hasOwn(input, 'parentId')) unwrapAccess(await moveTeam(db, { id, parentId, actorId }));
        result = { id };
      }
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  remove: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['id']);
      const result = unwrapAccess(await deleteTeam(ctx.runtime.database.db, { id: requiredText(input, 'id', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  addMember: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['teamId', 'userId']);
      const result = unwrapAccess(await addMember(ctx.runtime.database.db, { teamId: requiredText(input, 'teamId', 64), userId: requiredText(input, 'userId', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  removeMember: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['teamId', 'userId']);
      const result = unwrapAccess(await removeMember(ctx.runtime.database.db, { teamId: requiredText(input, 'teamId', 64), userId: requiredText(input, 'userId', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
});

const usersRouter = router({
  list: procedure({ action: 'admin' }).query(({ ctx }) => listUsers(ctx.runtime.database.db)),
  /** `{ email, name, roles?, teams? }` → the user and a one-time password (shown once, changed at first sign-in). */
  create: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['email', 'name', 'roles', 'teams']);
      const created = unwrapAccess(
        await createManagedUser(ctx.runtime.database.db, ctx.runtime.current().model, {
          email: requiredText(input, 'email', 320),
          name: requiredText(input, 'name', 200),
          roles: textList(input, 'roles', 63),
          teamIds: textList(input, 'teams', 64),
          actorId: requireUser(ctx).id,
        }),
      );
      return { id: created.user.id, email: created.user.email, name: created.user.name, password: created.password };
    }),
  setRoles: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['userId', 'roles']);
      const result = unwrapAccess(await setUserRoles(ctx.runtime.database.db, ctx.runtime.current().model, { userId: requiredText(input, 'userId', 64), roles: textList(input, 'roles', 63), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  setTeams: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['userId', 'teams']);
      const result = unwrapAccess(await setUserTeams(ctx.runtime.database.db, { userId: requiredText(input, 'userId', 64), teamIds: textList(input, 'teams', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  disable: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['userId']);
      const result = unwrapAccess(await disableUser(ctx.runtime.database.db, { userId: requiredText(input, 'userId', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
  enable: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      only(input, ['userId']);
      const result = unwrapAccess(await enableUser(ctx.runtime.database.db, { userId: requiredText(input, 'userId', 64), actorId: requireUser(ctx).id }));
      ctx.runtime.forgetAuthentications();
      return result;
    }),
});

// ---- one record ---------------------------------------------------------------------------------

/**
 * The permission depends on the entity the input names, so the static one is "signed in" and the
 * real check is `recordTarget`. A user who must change the password is refused before the input is
 * read, like on every procedure but the way out.
 */
const recordProcedure = procedure({ action: 'authenticated' }).use(({ ctx, next }) => {
  if (ctx.user?.mustChangePassword) throw new PeyvandApiError('FORBIDDEN', 'Change your password to continue.', { peyvandCode: 'password-change-required' });
  return next();
});

/** The entity and record of the input, once the caller is known to be allowed to change it. */
async function recordTarget(ctx: CheckedContext, input: Record<string, unknown>): Promise<{ entity: EntityModel; id: string }> {
  const user = requireUser(ctx);
  const access = requireAccess(ctx);
  const name = requiredText(input, 'entity', 63);
  const entity = findEntity(ctx.runtime.current().model, name);
  if (!entity) throw new PeyvandApiError('NOT_FOUND', `there is no entity "${name}"`, { peyvandCode: 'not-found' });
  const decision = can(user, { action: 'record.update', entity: entity.name }, access);
  if (!decision.allowed) throw new PeyvandApiError('FORBIDDEN', decision.message, { peyvandCode: decision.reason });
  const id = requiredText(input, 'id', 64);
  unwrapAccess(await mayChangeRecord(ctx.runtime.database.db, access, entity, id));
  return { entity, id };
}

function parseGrantee(o: Record<string, unknown>): Grantee {
  const g = o.grantee;
  if (g === null || typeof g !== 'object' || Array.isArray(g)) invalid('grantee', 'grantee must be { kind: "user" | "team", id }');
  const grantee = g as Record<string, unknown>;
  const kind = grantee.kind;
  if (kind !== 'user' && kind !== 'team') invalid('grantee/kind', 'grantee.kind must be "user" or "team"');
  if (typeof grantee.id !== 'string' || grantee.id.length === 0 || grantee.id.length > 64) invalid('grantee/id', 'grantee.id must be an id');
  return { kind, id: grantee.id };
}

const sharesRouter = router({
  list: recordProcedure.input(parseObjectInput).query(async ({ ctx, input }) => {
    only(input, ['entity', 'id']);
    const { entity, id } = await recordTarget(ctx, input);
    return listShares(ctx.runtime.database.db, entity, id);
  }),
  add: recordProcedure.input(parseObjectInput).mutation(async ({ ctx, input }) => {
    only(input, ['entity', 'id', 'grantee', 'access']);
    const { entity, id } = await recordTarget(ctx, input);
    if (!isShareAccess(input.access)) invalid('access', 'access must be "read" or "edit"');
    const result = unwrapAccess(await addShare(ctx.runtime.database.db, { entity, recordId: id, grantee: parseGrantee(input), access: input.access, actorId: requireUser(ctx).id }));
    ctx.runtime.forgetAuthentications();
    return result;
  }),
  remove: recordProcedure.input(parseObjectInput).mutation(async ({ ctx, input }) => {
    only(input, ['entity', 'id', 'shareId']);
    const { entity, id } = await recordTarget(ctx, input);
    const result = unwrapAccess(await removeShare(ctx.runtime.database.db, { entity, recordId: id, shareId: requiredText(input, 'shareId', 64), actorId: requireUser(ctx).id }));
    ctx.runtime.forgetAuthentications();
    return result;
  }),
});

const ownerRouter = router({
  /** `{ entity, id, owner }` (owner: a user id, or null for nobody). */
  reassign: recordProcedure.input(parseObjectInput).mutation(async ({ ctx, input }) => {
    only(input, ['entity', 'id', 'owner']);
    const { entity, id } = await recordTarget(ctx, input);
    const result = unwrapAccess(await reassignRecordOwner(ctx.runtime.database.db, { entity, recordId: id, ownerId: optionalId(input, 'owner'), access: requireAccess(ctx), actorId: requireUser(ctx).id }));
    ctx.runtime.forgetAuthentications();
    return result;
  }),
});

export const accessRouter = router({ roles: rolesRouter, teams: teamsRouter, users: usersRouter, shares: sharesRouter, owner: ownerRouter });
