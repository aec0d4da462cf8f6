/**
 * The one permission check every procedure goes through: public is open, everything else needs a
 * signed-in user; a user who must change the password may do nothing but that; a bearer token may
 * do only what its scopes allow; record actions need a role that grants them on the entity
 * (`Access`, built from the user's roles); administering needs an administrator.
 *
 *   const decision = can(ctx.user, { action: 'record.read', entity: 'contact' }, access);
 *   if (!decision.allowed) throw toTRPCError(decision); // reason + message
 *
 * Which records and fields a granted action reaches is the records service's part (record-access.ts),
 * asked with the same `Access`.
 */
import { rightsFor, type Access } from '../../access/access.ts';

/** What a bearer token may be used for; sessions (and tokens made before scopes) may do all. */
export const TOKEN_SCOPES = ['read', 'write', 'export', 'import', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The signed-in user as every procedure sees it (never the password hash). */
export type AuthUser = {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly isAdmin: boolean;
  readonly mustChangePassword: boolean;
  /** Set when the request came with a scoped bearer token; absent or null: every scope. */
  readonly scopes?: readonly TokenScope[] | null;
};

export type RecordAction = 'record.read' | 'record.create' | 'record.update' | 'record.delete' | 'record.export' | 'record.import';

export type Permission =
  | { readonly action: 'public' }
  | { readonly action: 'authenticated' }
  /** The signed-in user managing their own account (tokens); not while a password change is due. */
  | { readonly action: 'self' }
  | { readonly action: 'admin' }
  | { readonly action: RecordAction; readonly entity: string }
  | { readonly action: 'model.read' }
  | { readonly action: 'model.change' };

export type PermissionAction = Permission['action'];

export const DENIAL_REASONS = ['unauthenticated', 'forbidden', 'password-change-required', 'scope'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

export type PermissionDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: DenialReason; readonly message: string };

const ALLOWED: PermissionDecision = { allowed: true };

function deny(reason: DenialReason, message: string): PermissionDecision {
  return { allowed: false, reason, message };
}

/** The token scope an action needs; null: none (any signed-in caller). */
export function scopeOf(action: PermissionAction): TokenScope | null {
  switch (action) {
    case 'public':
    case 'authenticated':
      return null;
    case 'record.read':
    case 'model.read':
      return 'read';
    case 'record.create':
    case 'record.update':
    case 'record.delete':
      return 'write';
    case 'record.export':
      return 'export';
    case 'record.import':
      return 'import';
    // Managing tokens with a token could mint a wider one: only full sessions and admin tokens may.
    case 'self':
    case 'admin':
    case 'model.change':
      return 'admin';
    default: {
      const unhandled: never = action;
      throw new Error(`Unhandled permission action: ${String(unhandled)}`);
    }
  }
}

function recordAllowed(access: Access | null, action: RecordAction, entity: string): boolean {
  if (!access) return false;
  const rights = rightsFor(access, entity);
  switch (action) {
    case 'record.read':
      return rights.read !== 'none';
    case 'record.create':
      return rights.create;
    case 'record.update':
      return rights.update !== 'none';
    case 'record.delete':
      return rights.delete !== 'none';
    case 'record.export':
      return rights.export && rights.read !== 'none';
    case 'record.import':
      return rights.import && rights.create;
    default: {
      const unhandled: never = action;
      throw new Error(`Unhandled record action: ${String(unhandled)}`);
    }
  }
}

const VERB: Readonly<Record<RecordAction, string>> = {
  'record.read': 'read',
  'record.create': 'create',
  'record.update': 'change',
  'record.delete': 'delete',
  'record.export': 'export',
  'record.import': 'import',
};

/**
 * `access` is the user's combined roles (null when not loaded: record actions are then refused
 * unless the user is an administrator).
 */
export function can(user: AuthUser | null, permission: Permission, access: Access | null = null): PermissionDecision {
  if (permission.action === 'public') return ALLOWED;
  if (!user) return deny('unauthenticated', 'Sign in to continue.');
  if (user.mustChangePassword && permission.action !== 'authenticated') {
    return deny('password-change-required', 'Change your password to continue.');
  }
  const scope = scopeOf(permission.action);
  if (scope && user.scopes && !user.scopes.includes(scope)) {
    return deny('scope', `This token lacks the "${scope}" scope.`);
  }
  const isAdmin = user.isAdmin || access?.isAdmin === true;

  const action = permission.action;
  switch (action) {
    case 'authenticated':
    case 'self':
    case 'model.read':
      return ALLOWED;
    case 'record.read':
    case 'record.create':
    case 'record.update':
    case 'record.delete':
    case 'record.export':
    case 'record.import':
      if (isAdmin || recordAllowed(access, action, permission.entity)) return ALLOWED;
      return deny('forbidden', `Your role does not let you ${VERB[action]} ${permission.entity} records.`);
    case 'admin':
      return isAdmin ? ALLOWED : deny('forbidden', 'Only administrators can do this.');
    case 'model.change':
      return isAdmin ? ALLOWED : deny('forbidden', 'Only administrators can change the data model.');
    default: {
      const unhandled: never = action;
      throw new Error(`Unhandled permission action: ${String(unhandled)}`);
    }
  }
}
