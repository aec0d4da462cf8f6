/**
 * The whole API for one model: static routers (meta, auth) plus `entities.<name>` from the model.
 * `buildAppRouter(model)` is called again whenever the model changes; the runtime swaps it in.
 */
import type { Model } from '../../model/types.ts';
import { changePassword, signIn, signOutEverywhere } from '../auth/users.ts';
import { createToken, grantableScopes, listTokens, MAX_TOKEN_DAYS, parseTokenScopes, revokeToken } from '../auth/tokens.ts';
import { listModelVersions } from '../schema/model-store.ts';
import { accessRouter } from './access-router.ts';
import { adminRouter } from './admin-router.ts';
import { auditRouter } from './audit-router.ts';
import { workflowRouter } from './workflow-router.ts';
import { privacyRouter } from './privacy-router.ts';
import { entityRouter } from './entity-router.ts';
import { parseObjectInput, requiredText } from './input.ts';
import { PeyvandApiError, procedure, requireAccess, requireUser, router, type ApiContext } from './trpc.ts';
import { can } from '../auth/permissions.ts';
import { visibleEntity } from '../records/record-access.ts';

const metaRouter = router({
  /** The model as the caller may know it: entities they can read, without fields hidden from them. */
  model: procedure({ action: 'model.read' }).query(({ ctx }) => {
    const current = ctx.runtime.current();
    const access = requireAccess(ctx);
    const entities = current.model.entities.filter((e) => can(ctx.user, { action: 'record.read', entity: e.name }, access).allowed).map((e) => visibleEntity(access, e));
    return { version: current.version, hash: current.model.hash, packs: current.model.packs, entities };
  }),
  versions: procedure({ action: 'admin' }).query(async ({ ctx }) => {
    const rows = await listModelVersions(ctx.runtime.database.db);
    return rows.map((r) => ({ version: r.version, hash: r.hash, source: r.source, appliedBy: r.applied_by, appliedAt: r.applied_at.toISOString(), plan: r.plan as unknown }));
  }),
});

/** The address sign-in failures count against; set by the HTTP handlers (http.ts), absent for in-process callers. */
function clientAddressOf(ctx: ApiContext): string {
  const address = ctx.clientAddress;
  return address !== undefined && address.length > 0 ? address : 'unknown';
}

function badInput(key: string, message: string): never {
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: 'invalid', issues: [{ path: `/${key}`, field: null, message }] });
}

function parseCreateTokenInput(input: Record<string, unknown>) {
  const extra = Object.keys(input).find((k) => !['name', 'scopes', 'expiresInDays'].includes(k));
  if (extra !== undefined) badInput(extra, `unknown input "${extra}"; expected name, scopes, expiresInDays`);
  const name = requiredText(input, 'name', 200).trim();
  if (name.length === 0) badInput('name', 'name must not be blank');
  let scopes = null;
  if (input.scopes !== undefined && input.scopes !== null) {
    if (!Array.isArray(input.scopes)) badInput('scopes', 'scopes must be a list, e.g. ["read", "export"], or null for every scope');
    const parsed = parseTokenScopes(input.scopes);
    if (!parsed.ok) badInput('scopes', parsed.message);
    scopes = parsed.scopes;
  }
  const days = input.expiresInDays;
  if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) {
    badInput('expiresInDays', `expiresInDays must be a whole number from 1 to ${MAX_TOKEN_DAYS}, or null for a token that does not expire`);
  }
  return { name, scopes, expiresInDays: typeof days === 'number' ? days : null };
}

const authRouter = router({
  signIn: procedure({ action: 'public' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const result = await signIn(ctx.runtime.database.db, {
        email: requiredText(input, 'email', 320),
        password: requiredText(input, 'password'),
        clientAddress: clientAddressOf(ctx),
      });
      if (!result.ok) {
        const code = result.error.code === 'too-many-attempts' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED';
        throw new PeyvandApiError(code, result.error.message, { peyvandCode: result.error.code });
      }
      return { token: result.token, expiresAt: result.expiresAt?.toISOString() ?? null, user: result.user };
    }),
  me: procedure({ action: 'authenticated' }).query(({ ctx }) => requireUser(ctx)),
  /** Ends every session of the user (browsers must sign in again); API tokens stay. */
  changePassword: procedure({ action: 'authenticated' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const result = await changePassword(ctx.runtime.database.db, user.id, requiredText(input, 'oldPassword'), requiredText(input, 'newPassword'));
      if (!result.ok) throw new PeyvandApiError('BAD_REQUEST', result.error.message, { peyvandCode: result.error.code });
      ctx.runtime.forgetAuthentications();
      return { changed: true };
    }),
  /**
   * `{ name, scopes?: ['read', …], expiresInDays?: 1…3650 | null }`. A token (which needs the admin
   * scope to get here) can only create tokens within its own scopes; omitted scopes mean the
   * caller's own (every scope for a session).
   */
  createToken: procedure({ action: 'self' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const wanted = parseCreateTokenInput(input);
      const granted = grantableScopes(user.scopes, wanted.scopes);
      if (!granted.ok) throw new PeyvandApiError('FORBIDDEN', granted.message, { peyvandCode: 'scope' });
      const created = await createToken(ctx.runtime.database.db, { userId: user.id, name: wanted.name, kind: 'api', scopes: granted.scopes, expiresInDays: wanted.expiresInDays });
      return { id: created.id, token: created.token, scopes: created.scopes, expiresAt: created.expiresAt?.toISOString() ?? null };
    }),
  listTokens: procedure({ action: 'self' }).query(async ({ ctx }) => {
    const tokens = await listTokens(ctx.runtime.database.db, requireUser(ctx).id);
    return tokens.map((t) => ({ ...t, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null }));
  }),
  revokeToken: procedure({ action: 'self' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const id = requiredText(input, 'id', 100);
      const own = (await listTokens(ctx.runtime.database.db, user.id)).some((t) => t.id === id);
      if (!own) throw new PeyvandApiError('NOT_FOUND', 'no such token', { peyvandCode: 'not-found' });
      const revoked = await revokeToken(ctx.runtime.database.db, id);
      ctx.runtime.forgetAuthentications();
      return { revoked };
    }),
  /** `{ apiTokens?: boolean }`: ends every session of the caller, and every API token when asked. */
  signOutEverywhere: procedure({ action: 'self' })
    .input((input: unknown) => (input === undefined || input === null ? {} : parseObjectInput(input)))
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const extra = Object.keys(input).find((k) => k !== 'apiTokens');
      if (extra !== undefined) badInput(extra, `unknown input "${extra}"; expected apiTokens`);
      if (input.apiTokens !== undefined && typeof input.apiTokens !== 'boolean') badInput('apiTokens', 'apiTokens must be true or false');
      const counts = await signOutEverywhere(ctx.runtime.database.db, { userId: user.id, actorId: user.id, apiTokens: input.apiTokens === true });
      ctx.runtime.forgetAuthentications();
      return counts;
    }),
});

export function buildAppRouter(model: Model) {
  const entities = Object.fromEntries(model.entities.map((e) => [e.name, entityRouter(e)]));
  return router({ meta: metaRouter, auth: authRouter, entities: router(entities), admin: adminRouter, workflows: workflowRouter, audit: auditRouter, access: accessRouter, privacy: privacyRouter });
}

export type AppRouter = ReturnType<typeof buildAppRouter>;
