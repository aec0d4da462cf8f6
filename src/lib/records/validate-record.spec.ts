import { describe, expect, it } from 'vitest';
import { validateRecord } from './validate-record.ts';
import { loadPack } from '../model/load-pack.ts';
import type { EntityModel } from '../model/types.ts';

function entity(properties: Record<string, unknown>, required: string[] = []): EntityModel {
  const result = loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name: 't', version: '1.0.0', title: 'T' }) },
    entities: [{ path: 'entities/thing.json', text: JSON.stringify({ $id: 'thing', type: 'object', properties, required }) }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const e = result.pack.entities[0];
  if (!e) throw new Error('no entity');
  return e;
}

const thing = entity(
  {
    name: { type: 'string', maxLength: 10 },
    stage: { type: 'string', enum: ['a', 'b'], default: 'a' },
    born: { type: 'string', format: 'date' },
    number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'T-{0000}' },
  },
  ['name', 'stage'],
);

describe('validateRecord', () => {
  it('fills defaults on create and reports every missing required field', () => {
    const ok = validateRecord(thing, { name: 'x' }, 'create');
    expect(ok).toEqual({ ok: true, values: { name: 'x', stage: 'a' } });
    const missing = validateRecord(thing, {}, 'create');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.issues.map((i) => i.field)).toEqual(['name']);
  });

  it('reports one issue per wrong field, with its path', () => {
    const result = validateRecord(thing, { name: 'x'.repeat(11), born: '2023-02-29', stage: 'z' }, 'create');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path).sort()).toEqual(['/born', '/name', '/stage']);
  });

  it('refuses unknown, system, read-only and prototype keys', () => {
    const input = JSON.parse('{"name":"x","id":"1","owner":"u","version":3,"colour":"red","number":"T-0001","__proto__":{"admin":true}}') as unknown;
    const result = validateRecord(thing, input, 'create');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const messages = result.issues.map((i) => `${i.path} ${i.message}`).join('\n');
      expect(messages).toMatch(/\/id .*set by the platform/);
      expect(messages).toMatch(/\/owner /);
      expect(messages).toMatch(/\/version /);
      expect(messages).toMatch(/\/colour .*not a field/);
      expect(messages).toMatch(/\/number .*read-only/);
      expect(messages).toMatch(/\/__proto__ /);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('treats update as a patch: only given fields, null clears an optional one but not a required one', () => {
    expect(validateRecord(thing, { born: null }, 'update')).toEqual({ ok: true, values: { born: null } });
    const cleared = validateRecord(thing, { name: null }, 'update');
    expect(cleared.ok).toBe(false);
  });

  it('refuses text with a NUL character and non-object input', () => {
    expect(validateRecord(thing, { name: 'a\u0000b' }, 'update').ok).toBe(false);
    expect(validateRecord(thing, [], 'create').ok).toBe(false);
    expect(validateRecord(thing, 'x', 'create').ok).toBe(false);
  });
});
