import { describe, expect, it } from 'vitest';
import { can, type AuthUser, type Permission } from './permissions.ts';
import { buildAccess } from '../../access/access.ts';
import { normaliseRole } from '../../access/role-model.ts';

const REP = normaliseRole({ name: 'rep', title: 'Rep', entities: { '*': { read: 'team' }, contact: { create: true, read: 'own', update: 'own' } } });

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

  it('allows authenticated and model.read to any signed-in user, and record actions to administrators', () => {
    for (const permission of [{ action: 'authenticated' } as const, { action: 'model.read' } as const]) {
      expect(can(member, permission)).toEqual({ allowed: true });
      expect(can(admin, permission)).toEqual({ allowed: true });
    }
    for (const permission of recordPermissions) expect(can(admin, permission)).toEqual({ allowed: true });
  });

  it('refuses record actions to a user without a role that grants them', () => {
    for (const permission of recordPermissions) {
      expect(can(member, permission)).toMatchObject({ allowed: false, reason: 'forbidden' });
      expect(can(member, permission, buildAccess({ userId: member.id, isAdmin: false, roles: [] }))).toMatchObject({ allowed: false, reason: 'forbidden' });
    }
  });

  it('allows exactly what the role grants, per entity', () => {
    const access = buildAccess({ userId: member.id, isAdmin: false, roles: [REP] });
    expect(can(member, { action: 'record.read', entity: 'contact' }, access)).toEqual({ allowed: true });
    expect(can(member, { action: 'record.create', entity: 'contact' }, access)).toEqual({ allowed: true });
    expect(can(member, { action: 'record.update', entity: 'contact' }, access)).toEqual({ allowed: true });
    expect(can(member, { action: 'record.delete', entity: 'contact' }, access)).toMatchObject({ allowed: false, reason: 'forbidden' });
    expect(can(member, { action: 'record.export', entity: 'contact' }, access)).toMatchObject({ allowed: false, reason: 'forbidden' });
    // `*` covers entities the role does not name.
    expect(can(member, { action: 'record.read', entity: 'company' }, access)).toEqual({ allowed: true });
    expect(can(member, { action: 'record.create', entity: 'company' }, access)).toMatchObject({ allowed: false });
    expect(can(member, { action: 'admin' }, access)).toMatchObject({ allowed: false, reason: 'forbidden' });
  });

  it('makes holders of an administering role administrators', () => {
    const access = buildAccess({ userId: member.id, isAdmin: false, roles: [normaliseRole({ name: 'boss', title: 'Boss', administer: true, entities: {} })] });
    expect(can(member, { action: 'model.change' }, access)).toEqual({ allowed: true });
    expect(can(member, { action: 'record.delete', entity: 'deal' }, access)).toEqual({ allowed: true });
  });

  it('limits a scoped token to its scopes, whatever the role', () => {
    const reader: AuthUser = { ...admin, scopes: ['read'] };
    expect(can(reader, { action: 'record.read', entity: 'contact' })).toEqual({ allowed: true });
    expect(can(reader, { action: 'record.create', entity: 'contact' })).toMatchObject({ allowed: false, reason: 'scope' });
    expect(can(reader, { action: 'record.export', entity: 'contact' })).toMatchObject({ allowed: false, reason: 'scope' });
    expect(can(reader, { action: 'self' })).toMatchObject({ allowed: false, reason: 'scope' });
    expect(can({ ...admin, scopes: ['read', 'export'] }, { action: 'record.export', entity: 'contact' })).toEqual({ allowed: true });
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
