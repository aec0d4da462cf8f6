import { describe, expect, it } from 'vitest';
import { can, type AuthUser, type Permission } from './permissions.ts';

const member: AuthUser = { id: '0190a0a0-0000-7000-8000-000000000001', email: 'm@example.com', name: 'Member', isAdmin: false, mustChangePassword: false };
const admin: AuthUser = { ...member, id: '0190a0a0-0000-7000-8000-000000000002', email: 'a@example.com', isAdmin: true };
const memberMustChange: AuthUser = { ...member, mustChangePassword: true };
const adminMustChange: AuthUser = { ...admin, mustChangePassword: true };

const recordPermissions: Permission[] = [
  { action: 'record.read', entity: 'contact' },
  { action: 'record.create', entity: 'contact' },
  { action: 'record.update', entity: 'contact' },
  { action: 'record.delete', entity: 'contact' },
];
const allNonPublic: Permission[] = [
  { action: 'authenticated' },
  { action: 'admin' },
  ...recordPermissions,
  { action: 'model.read' },
  { action: 'model.change' },
];

describe('can', () => {
  it('allows public to anyone, signed in or not', () => {
    for (const user of [null, member, admin, memberMustChange]) {
      expect(can(user, { action: 'public' })).toEqual({ allowed: true });
    }
  });

  it.each(allNonPublic)('refuses $action without a user as unauthenticated', (permission) => {
    expect(can(null, permission)).toMatchObject({ allowed: false, reason: 'unauthenticated' });
  });

  it('allows authenticated, record.* and model.read to any signed-in user', () => {
    for (const permission of [{ action: 'authenticated' } as const, ...recordPermissions, { action: 'model.read' } as const]) {
      expect(can(member, permission)).toEqual({ allowed: true });
      expect(can(admin, permission)).toEqual({ allowed: true });
    }
  });

  it.each([{ action: 'admin' }, { action: 'model.change' }] satisfies Permission[])('refuses $action to a non-admin as forbidden', (permission) => {
    const decision = can(member, permission);
    expect(decision).toMatchObject({ allowed: false, reason: 'forbidden' });
    expect(decision.allowed ? '' : decision.message).not.toBe('');
  });

  it.each([{ action: 'admin' }, { action: 'model.change' }] satisfies Permission[])('allows $action to an admin', (permission) => {
    expect(can(admin, permission)).toEqual({ allowed: true });
  });

  it('lets a user who must change the password pass authenticated only', () => {
    expect(can(memberMustChange, { action: 'authenticated' })).toEqual({ allowed: true });
    for (const permission of allNonPublic.filter((p) => p.action !== 'authenticated')) {
      expect(can(memberMustChange, permission)).toMatchObject({ allowed: false, reason: 'password-change-required' });
      expect(can(adminMustChange, permission)).toMatchObject({ allowed: false, reason: 'password-change-required' });
    }
  });
});
