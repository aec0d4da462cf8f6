/**
 * The one permission check every procedure goes through. Roles come later; until then the rules
 * are: public is open, everything else needs a signed-in user, a user who must change the password
 * may do nothing but that, and changing the model or administering needs an admin.
 *
 *   const decision = can(ctx.user, { action: 'record.read', entity: 'contact' });
 *   if (!decision.allowed) throw toTRPCError(decision); // reason + message
 */

/** The signed-in user as every procedure sees it (never the password hash). */
export type AuthUser = {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly isAdmin: boolean;
  readonly mustChangePassword: boolean;
};

export type RecordAction = 'record.read' | 'record.create' | 'record.update' | 'record.delete';

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

export const DENIAL_REASONS = ['unauthenticated', 'forbidden', 'password-change-required'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

export type PermissionDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: DenialReason; readonly message: string };

const ALLOWED: PermissionDecision = { allowed: true };

function deny(reason: DenialReason, message: string): PermissionDecision {
  return { allowed: false, reason, message };
}

export function can(user: AuthUser | null, permission: Permission): PermissionDecision {
  if (permission.action === 'public') return ALLOWED;
  if (!user) return deny('unauthenticated', 'Sign in to continue.');
  if (user.mustChangePassword && permission.action !== 'authenticated') {
    return deny('password-change-required', 'Change your password to continue.');
  }

  const action = permission.action;
  switch (action) {
    case 'authenticated':
    case 'self':
    case 'record.read':
    case 'record.create':
    case 'record.update':
    case 'record.delete':
    case 'model.read':
      return ALLOWED;
    case 'admin':
      return user.isAdmin ? ALLOWED : deny('forbidden', 'Only administrators can do this.');
    case 'model.change':
      return user.isAdmin ? ALLOWED : deny('forbidden', 'Only administrators can change the data model.');
    default: {
      const unhandled: never = action;
      throw new Error(`Unhandled permission action: ${String(unhandled)}`);
    }
  }
}
