import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/types.ts';
import { mergeDocument, NO_RULES, type MergeRules, type Side } from './merge-documents.ts';

const ENTITY: MergeRules = { collections: [{ pointer: '/properties', renamedFrom: 'x-renamed-from', memberLists: ['required'] }] };
const FILE = 'entities/contact.json';

function merge(base: JsonValue | undefined, mine: JsonValue | undefined, pack: JsonValue | undefined, options: { rules?: MergeRules; resolve?: Record<string, Side> } = {}) {
  return mergeDocument({ base, mine, pack, file: FILE, rules: options.rules ?? ENTITY, resolve: (id) => options.resolve?.[id] ?? null });
}

const contact = (properties: Record<string, JsonValue>, extra: Record<string, JsonValue> = {}): JsonValue => ({ $id: 'contact', type: 'object', properties, ...extra });

describe('mergeDocument (three-way)', () => {
  it('takes the side that changed; equal changes are no conflict', () => {
    const base = { a: 1, b: 1, c: 1 };
    const result = merge(base, { a: 2, b: 1, c: 3 }, { a: 1, b: 2, c: 3 }, { rules: NO_RULES });
    expect(result.value).toEqual({ a: 2, b: 2, c: 3 });
    expect(result.conflicts).toEqual([]);
  });

  it('a value both changed differently is a conflict; unresolved keeps mine, resolved takes the choice', () => {
    const base = contact({ email: { type: 'string', title: 'Email' } });
    const mine = contact({ email: { type: 'string', title: 'E-mail' } });
    const pack = contact({ email: { type: 'string', title: 'Email address', maxLength: 200 } });
    const unresolved = merge(base, mine, pack);
    expect(unresolved.conflicts).toEqual([
      { id: 'entities/contact.json#/properties/email/title', file: FILE, pointer: '/properties/email/title', kind: 'edit', base: 'Email', mine: 'E-mail', pack: 'Email address', resolution: null },
    ]);
    // The pack's other change to the same field is taken.
    expect(unresolved.value).toEqual(contact({ email: { type: 'string', title: 'E-mail', maxLength: 200 } }));
    const taken = merge(base, mine, pack, { resolve: { 'entities/contact.json#/properties/email/title': 'pack' } });
    expect(taken.conflicts[0]?.resolution).toBe('pack');
    expect(taken.value).toEqual(pack);
  });

  it('labels merge per language', () => {
    const base = { 'x-labels': { fa: 'ایمیل', ar: 'البريد' } };
    const result = merge(base, { 'x-labels': { fa: 'رایانامه', ar: 'البريد' } }, { 'x-labels': { fa: 'ایمیل', ar: 'البريد الإلكتروني' } }, { rules: NO_RULES });
    expect(result.value).toEqual({ 'x-labels': { fa: 'رایانامه', ar: 'البريد الإلكتروني' } });
    expect(result.conflicts).toEqual([]);
  });

  it('a field removed on one side and changed on the other is a remove conflict', () => {
    const base = contact({ name: { type: 'string' }, fax: { type: 'string' } });
    const mine = contact({ name: { type: 'string' } });
    const pack = contact({ name: { type: 'string' }, fax: { type: 'string', maxLength: 30 } });
    const result = merge(base, mine, pack);
    expect(result.conflicts.map((c) => [c.id, c.kind])).toEqual([['entities/contact.json#/properties/fax', 'remove']]);
    expect(result.value).toEqual(mine);
    expect(merge(base, mine, pack, { resolve: { 'entities/contact.json#/properties/fax': 'pack' } }).value).toEqual(pack);
  });

  it('a field removed by the pack and untouched here goes; one added here stays, after its neighbour', () => {
    const base = contact({ name: { type: 'string' }, fax: { type: 'string' }, email: { type: 'string' } });
    const mine = contact({ name: { type: 'string' }, nickname: { type: 'string' }, fax: { type: 'string' }, email: { type: 'string' } });
    const pack = contact({ name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } });
    const result = merge(base, mine, pack);
    expect(result.conflicts).toEqual([]);
    expect(Object.keys((result.value as { properties: object }).properties)).toEqual(['name', 'nickname', 'email', 'phone']);
  });

  it('follows a field renamed here (x-renamed-from) while taking the pack’s change to it', () => {
    const base = contact({ job_title: { type: 'string', maxLength: 100 } }, { required: ['job_title'] });
    const mine = contact({ position: { type: 'string', maxLength: 100, 'x-renamed-from': ['job_title'] } }, { required: ['position'] });
    const pack = contact({ job_title: { type: 'string', maxLength: 200 } }, { required: ['job_title'] });
    const result = merge(base, mine, pack);
    expect(result.conflicts).toEqual([]);
    expect(result.value).toEqual(contact({ position: { type: 'string', maxLength: 200, 'x-renamed-from': ['job_title'] } }, { required: ['position'] }));
  });

  it('both renaming a field differently is a rename conflict', () => {
    const base = contact({ a: { type: 'string' } });
    const mine = contact({ b: { type: 'string', 'x-renamed-from': ['a'] } });
    const pack = contact({ c: { type: 'string', 'x-renamed-from': ['a'] } });
    const result = merge(base, mine, pack, { resolve: { 'entities/contact.json#/properties/a': 'pack' } });
    const rename = result.conflicts.find((c) => c.kind === 'rename');
    expect(rename).toMatchObject({ id: 'entities/contact.json#/properties/a', mine: 'b', pack: 'c', resolution: 'pack' });
    expect(Object.keys((result.value as { properties: object }).properties)).toEqual(['c']);
  });

  it('required merges per field: made required here and another made required by the pack', () => {
    const base = contact({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } }, { required: ['a'] });
    const mine = contact({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } }, { required: ['a', 'b'] });
    const pack = contact({ a: { type: 'string', maxLength: 9 }, b: { type: 'string' }, c: { type: 'string' } }, { required: ['c'] });
    const result = merge(base, mine, pack);
    expect(result.conflicts).toEqual([]);
    expect((result.value as { required: string[] }).required).toEqual(['b', 'c']);
  });

  it('reordering on both sides differently is an order conflict', () => {
    const base = contact({ a: {}, b: {}, c: {} });
    const mine = contact({ c: {}, a: {}, b: {} });
    const pack = contact({ b: {}, c: {}, a: {}, d: {} });
    const result = merge(base, mine, pack);
    expect(result.conflicts.map((c) => [c.pointer, c.kind])).toEqual([['/properties', 'order']]);
    // Mine's order (unresolved); the pack's new field follows its neighbour from the pack.
    expect(Object.keys((result.value as { properties: object }).properties)).toEqual(['c', 'a', 'd', 'b']);
    const packOrder = merge(base, mine, pack, { resolve: { 'entities/contact.json#/properties': 'pack' } });
    expect(Object.keys((packOrder.value as { properties: object }).properties)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('without a base (an install that was not recorded) every difference is a conflict', () => {
    const result = merge(undefined, { a: 1, b: 1 }, { a: 1, b: 2 }, { rules: NO_RULES });
    expect(result.conflicts.map((c) => c.pointer)).toEqual(['/b']);
  });

  it('a whole document removed here and changed by the pack is a conflict on the file', () => {
    const result = merge({ a: 1 }, undefined, { a: 2 }, { rules: NO_RULES });
    expect(result.conflicts.map((c) => [c.id, c.kind])).toEqual([['entities/contact.json', 'remove']]);
    expect(result.value).toBeUndefined();
  });

  it('keeps a "__proto__" key as a key', () => {
    const result = merge({ x: 1 }, JSON.parse('{"x":1,"__proto__":{"polluted":true}}') as JsonValue, { x: 2 }, { rules: NO_RULES });
    expect(Object.keys(result.value as object)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
