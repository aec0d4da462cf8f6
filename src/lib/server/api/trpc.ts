/**
 * tRPC, initialised once. Every procedure is built by `procedure(permission)`: the permission is
 * declared as meta (a test walks the router and fails on a procedure without one) and checked by
 * the one middleware below, which calls `can` — no procedure can skip it.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { can, type AuthUser, type Permission } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';
import type { Access } from '../../access/access.ts';
import type { FieldIssue } from '../../records/validate-record.ts';
import type { JsonValue } from '../../model/types.ts';

export interface ApiContext {
  readonly runtime: Runtime;
  readonly user: AuthUser | null;
  /** The caller's address (sign-in rate limits), set by the HTTP handlers; absent for in-process callers. */
  readonly clientAddress?: string;
}

/** Inside a procedure: the caller's access (roles, teams), loaded once by the permission check. */
export interface CheckedContext extends ApiContext {
  readonly access: Access | null;
}

export interface ApiMeta {
  /** Static, or derived from the input (e.g. the entity a record call names). */
  readonly permission: Permission;
}

/** What a Peyvand error carries to the client beside tRPC's code. */
export interface PeyvandErrorDetail {
  readonly peyvandCode: string;
  readonly issues?: readonly FieldIssue[];
  readonly current?: Readonly<Record<string, JsonValue>>;
}

export class PeyvandApiError extends TRPCError {
  readonly detail: PeyvandErrorDetail;
  constructor(code: TRPCError['code'], message: string, detail: PeyvandErrorDetail) {
    super({ code, message });
    this.detail = detail;
  }
}

/**
 * The detail of a Peyvand API error, recognised by shape rather than by class: the web bundle and
 * the `peyvand serve` process each hold their own copy of this module (see runtime-global.ts).
 */
export function peyvandDetail(error: unknown): PeyvandErrorDetail | null {
  if (!error || typeof error !== 'object' || !('detail' in error)) return null;
  const detail = (error as { detail: unknown }).detail;
  return detail && typeof detail === 'object' && typeof (detail as { peyvandCode?: unknown }).peyvandCode === 'string' ? (detail as PeyvandErrorDetail) : null;
}

const t = initTRPC
  .context<ApiContext>()
  .meta<ApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const detail = error instanceof PeyvandApiError ? error.detail : null;
      // Internal errors say nothing about their cause to the client; the server logs them.
      const message = shape.data.code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : shape.message;
      const { stack: _stack, ...data } = shape.data;
      void _stack;
      return { ...shape, message, data: { ...data, ...(detail ?? {}) } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const checked = t.procedure.use(async ({ ctx, meta, next }) => {
  if (!meta?.permission) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'procedure without a declared permission' });
  const access = ctx.user && !ctx.user.mustChangePassword ? await ctx.runtime.accessOf(ctx.user) : null;
  const decision = can(ctx.user, meta.permission, access);
  if (!decision.allowed) {
    throw new PeyvandApiError(decision.reason === 'unauthenticated' ? 'UNAUTHORIZED' : 'FORBIDDEN', decision.message, { peyvandCode: decision.reason });
  }
  return next({ ctx: { ...ctx, access } satisfies CheckedContext });
});

/** A procedure guarded by `permission`. */
export function procedure(permission: Permission) {
  return checked.meta({ permission });
}

/** The caller's access; only for procedures that need a signed-in user (never null there). */
export function requireAccess(ctx: CheckedContext): Access {
  if (!ctx.access) throw new PeyvandApiError('UNAUTHORIZED', 'sign in first', { peyvandCode: 'unauthenticated' });
  return ctx.access;
}

/** Signed-in user, for procedures whose permission is checked against the user itself. */
export function requireUser(ctx: ApiContext): AuthUser {
  if (!ctx.user) throw new PeyvandApiError('UNAUTHORIZED', 'sign in first', { peyvandCode: 'unauthenticated' });
  return ctx.user;
}
