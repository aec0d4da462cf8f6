/**
 * The whole API for one model: static routers (meta, auth) plus `entities.<name>` from the model.
 * `buildAppRouter(model)` is called again whenever the model changes; the runtime swaps it in.
 */
import type { Model } from '../../model/types.ts';
import { changePassword, signIn } from '../auth/users.ts';
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { listModelVersions } from '../schema/model-store.ts';
import { accessRouter } from './access-router.ts';
import { adminRouter } from './admin-router.ts';
import { auditRouter } from './audit-router.ts';
import { workflowRouter } from './workflow-router.ts';
import { entityRouter } from './entity-router.ts';
import { parseObjectInput, requiredText } from './input.ts';
import { PeyvandApiError, procedure, requireUser, router } from './trpc.ts';

const metaRouter = router({
  model: procedure({ action: 'model.read' }).query(({ ctx }) => {
    const current = ctx.runtime.current();
    return { version: current.version, hash: current.model.hash, packs: current.model.packs, entities: current.model.entities };
  }),
  versions: procedure({ action: 'admin' }).query(async ({ ctx }) => {
    const rows = await listModelVersions(ctx.runtime.database.db);
    return rows.map((r) => ({ version: r.version, hash: r.hash, source: r.source, appliedBy: r.applied_by, appliedAt: r.applied_at.toISOString(), plan: r.plan as unknown }));
  }),
});

const authRouter = router({
  signIn: procedure({ action: 'public' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const result = await signIn(ctx.runtime.database.db, { email: requiredText(input, 'email', 320), password: requiredText(input, 'password') });
      if (!result.ok) throw new PeyvandApiError('UNAUTHORIZED', result.error.message, { peyvandCode: result.error.code });
      return { token: result.token, expiresAt: result.expiresAt?.toISOString() ?? null, user: result.user };
    }),
  me: procedure({ action: 'authenticated' }).query(({ ctx }) => requireUser(ctx)),
  changePassword: procedure({ action: 'authenticated' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const result = await changePassword(ctx.runtime.database.db, user.id, requiredText(input, 'oldPassword'), requiredText(input, 'newPassword'));
      if (!result.ok) throw new PeyvandApiError('BAD_REQUEST', result.error.message, { peyvandCode: result.error.code });
      ctx.runtime.forgetAuthentications();
      return { changed: true };
    }),
  createToken: procedure({ action: 'self' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const user = requireUser(ctx);
      const created = await createToken(ctx.runtime.database.db, { userId: user.id, name: requiredText(input, 'name', 200), kind: 'api' });
      return { id: created.id, token: created.token };
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
});

export function buildAppRouter(model: Model) {
  const entities = Object.fromEntries(model.entities.map((e) => [e.name, entityRouter(e)]));
  return router({ meta: metaRouter, auth: authRouter, entities: router(entities), admin: adminRouter, workflows: workflowRouter, audit: auditRouter, access: accessRouter });
}

export type AppRouter = ReturnType<typeof buildAppRouter>;
