import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { tagsField } from './tags.ts';

const field = makeField(tagsField, { type: 'array', items: { type: 'string', maxLength: 40 } }, 'labels');

describe('tagsField', () => {
  it('recognises an array of free strings', () => {
    expect(tagsField.recognise({ type: 'array', items: { type: 'string' } })).toBe(true);
    expect(tagsField.recognise({ type: 'array', items: { type: 'string', enum: ['a'] } })).toBe(false);
    expect(tagsField.recognise({ type: 'array', items: { type: 'integer' } })).toBe(false);
    expect(tagsField.recognise({ type: 'array' })).toBe(false);
  });

  it('keeps item length limits and array limits', () => {
    expect(tagsField.valueSchema({ type: 'array', items: { type: 'string', maxLength: 40, 'x-color': 'red' }, maxItems: 20, 'x-suggest': true })).toEqual({
      type: 'array',
      items: { type: 'string', maxLength: 40 },
      maxItems: 20,
    });
  });

  it('reads lists, trimming and dropping blanks and repeats', () => {
    expect(tagsField.parseCsv(field, 'vip; wholesale ,vip،  تهران ; ')).toEqual({ ok: true, value: ['vip', 'wholesale', 'تهران'] });
    expect(tagsField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('stores text[], round-trips and prints joined with "; "', () => {
    expect(tagsField.columns(field)).toEqual([{ name: 'labels', sqlType: 'text[]' }]);
    expect(tagsField.fromRow(field, tagsField.toRow(field, ['a', 'b']))).toEqual(['a', 'b']);
    expect(tagsField.printCsv(field, ['a', 'b'])).toBe('a; b');
    expect(tagsField.printCsv(field, null)).toBe('');
    expect(tagsField.searchable).toBe(false);
    expect(tagsField.filterKind).toBe('array');
  });
});
