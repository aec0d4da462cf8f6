import { describe, expect, it } from 'vitest';
import { frozen } from './field-fixture.ts';
import { hasXType, pickKeywords, pointer, readStringArray } from './schema-keywords.ts';

describe('pickKeywords', () => {
  it('copies the listed and annotation keywords into a new, unfrozen, deep copy', () => {
    const schema = frozen({ type: 'string', maxLength: 5, title: 'T', default: 'a', enum: ['a'], 'x-label': { en: 'L' }, examples: ['a'] });
    const picked = pickKeywords(schema, ['maxLength', 'enum']);
    expect(picked).toEqual({ maxLength: 5, enum: ['a'], title: 'T', default: 'a' });
    expect(picked.enum).not.toBe(schema.enum);
    expect(Object.isFrozen(picked.enum)).toBe(false);
  });

  it('never copies an x- keyword, even when asked to', () => {
    expect(pickKeywords({ 'x-type': 'money' }, ['x-type'])).toEqual({});
  });
});

describe('hasXType', () => {
  it('accepts no x-type or its own name, and requires its name when the type is explicit-only', () => {
    expect(hasXType({}, 'text', false)).toBe(true);
    expect(hasXType({ 'x-type': 'text' }, 'text', false)).toBe(true);
    expect(hasXType({ 'x-type': 'money' }, 'text', false)).toBe(false);
    expect(hasXType({}, 'money', true)).toBe(false);
  });
});

describe('readStringArray', () => {
  it('returns only arrays made entirely of strings', () => {
    expect(readStringArray({ enum: ['a', 'b'] }, 'enum')).toEqual(['a', 'b']);
    expect(readStringArray({ enum: ['a', 1] }, 'enum')).toBeUndefined();
    expect(readStringArray({ enum: 'a' }, 'enum')).toBeUndefined();
  });
});

describe('pointer', () => {
  it('escapes ~ and / as JSON Pointer tokens', () => {
    expect(pointer('x-options', 'a/b~c')).toBe('/x-options/a~1b~0c');
  });
});
