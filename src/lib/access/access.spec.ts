import { describe, expect, it } from 'vitest';
import { buildAccess, hiddenFields, lockedFields, rightsFor, SYSTEM_ACCESS } from './access.ts';
import { normaliseRole, roleDocument, roleProblems } from './role-model.ts';

const USER = '0190a0a0-0000-7000-8000-000000000001';
const rep = normaliseRole({
  name: 'rep',
  title: 'Rep',
  entities: { '*': { read: 'team' }, deal: { create: true, read: 'own', update: 'own', fields: { close_value: 'hidden', probability: 'read' } } },
});
const analyst = normaliseRole({ name: 'analyst', title: 'Analyst', entities: { deal: { read: 'all', export: true, fields: { probability: 'hidden' } } } });
const auditor = normaliseRole({ name: 'auditor', title: 'Auditor', entities: { deal: { read: 'team' } } });

describe('buildAccess', () => {
  it('gives nothing without roles', () => {
    const access = buildAccess({ userId: USER, isAdmin: false, roles: [] });
    expect(rightsFor(access, 'deal')).toMatchObject({ create: false, read: 'none', update: 'none', delete: 'none', export: false, import: false });
  });

  it('takes a named entity over `*`, and `*` for the rest', () => {
    const access = buildAccess({ userId: USER, isAdmin: false, roles: [rep] });
    expect(rightsFor(access, 'deal')).toMatchObject({ create: true, read: 'own', update: 'own', delete: 'none' });
    expect(rightsFor(access, 'contact')).toMatchObject({ create: false, read: 'team', update: 'none' });
  });

  it('adds roles up: the widest scope, any flag', () => {
    const access = buildAccess({ userId: USER, isAdmin: false, roles: [rep, analyst] });
    expect(rightsFor(access, 'deal')).toMatchObject({ create: true, read: 'all', update: 'own', export: true });
  });

  it('hides a field only when every role that reads the entity hides it', () => {
    expect([...hiddenFields(buildAccess({ userId: USER, isAdmin: false, roles: [rep] }), 'deal')]).toEqual(['close_value']);
    // The analyst reads deals and shows close_value: visible; probability hidden by the analyst, read-only for the rep: visible.
    expect([...hiddenFields(buildAccess({ userId: USER, isAdmin: false, roles: [rep, analyst] }), 'deal')]).toEqual([]);
    // The auditor reads deals with every field shown.
    expect([...hiddenFields(buildAccess({ userId: USER, isAdmin: false, roles: [analyst, auditor] }), 'deal')]).toEqual([]);
    expect([...hiddenFields(buildAccess({ userId: USER, isAdmin: false, roles: [analyst] }), 'deal')]).toEqual(['probability']);
  });

  it('locks a field unless a role that writes the entity leaves it open', () => {
    const access = buildAccess({ userId: USER, isAdmin: false, roles: [rep, analyst] });
    expect([...lockedFields(access, 'deal')].sort()).toEqual(['close_value', 'probability']);
    expect(rightsFor(access, 'deal').fields).toEqual({ close_value: 'read', probability: 'read' });
  });

  it('makes administrators (by flag or by role) see and do everything', () => {
    const boss = normaliseRole({ name: 'boss', title: 'Boss', administer: true, entities: {} });
    for (const access of [buildAccess({ userId: USER, isAdmin: true, roles: [rep] }), buildAccess({ userId: USER, isAdmin: false, roles: [rep, boss] }), SYSTEM_ACCESS]) {
      expect(access.isAdmin).toBe(true);
      expect(rightsFor(access, 'deal')).toMatchObject({ create: true, read: 'all', update: 'all', delete: 'all', export: true, import: true });
      expect(hiddenFields(access, 'deal').size).toBe(0);
    }
  });
});

describe('role documents', () => {
  it('normalise and write back the same document', () => {
    const document = roleDocument(rep);
    expect(normaliseRole(document)).toEqual(rep);
    expect(document).toEqual({
      $schema: '../../../schemas/role.schema.json',
      name: 'rep',
      title: 'Rep',
      entities: { '*': { read: 'team' }, deal: { create: true, read: 'own', update: 'own', fields: { close_value: 'hidden', probability: 'read' } } },
    });
  });

  it('name unknown entities and fields, with a pointer', () => {
    const problems = roleProblems(rep, [{ name: 'deal', fields: [{ name: 'probability' }] }]);
    expect(problems).toEqual([{ pointer: '/entities/deal/fields/close_value', message: 'deal has no field "close_value"' }]);
    expect(roleProblems(analyst, [])).toEqual([{ pointer: '/entities/deal', message: 'there is no entity named "deal"' }]);
  });
});
