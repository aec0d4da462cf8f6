import { describe, expect, it } from 'vitest';
import { booleanField } from './boolean.ts';
import { makeField } from './field-fixture.ts';

const field = makeField(booleanField, { type: 'boolean' }, 'is_active');

describe('booleanField', () => {
  it('recognises type boolean', () => {
    expect(booleanField.recognise({ type: 'boolean' })).toBe(true);
    expect(booleanField.recognise({ type: 'string' })).toBe(false);
  });

  it('validates a boolean, keeping default', () => {
    expect(booleanField.valueSchema({ type: 'boolean', default: false, 'x-label': { en: 'Active' } })).toEqual({ type: 'boolean', default: false });
  });

  it('reads yes/no words in English, Persian and Arabic, case-insensitively', () => {
    for (const text of ['true', 'TRUE', 'Yes', '1', '۱', 'بله', 'نعم']) expect(booleanField.parseCsv(field, text), text).toEqual({ ok: true, value: true });
    for (const text of ['false', 'No', '0', '۰', 'خیر', 'خير', 'لا']) expect(booleanField.parseCsv(field, text), text).toEqual({ ok: true, value: false });
    expect(booleanField.parseCsv(field, ' ')).toEqual({ ok: true, value: null });
  });

  it('refuses anything else', () => {
    expect(booleanField.parseCsv(field, 'maybe')).toEqual({
      ok: false,
      message: '"maybe" is not a yes/no value (expected true, false, yes, no, 1, 0, بله or خیر)',
    });
  });

  it('stores a boolean column, round-trips and prints true/false', () => {
    expect(booleanField.columns(field)).toEqual([{ name: 'is_active', sqlType: 'boolean' }]);
    expect(booleanField.fromRow(field, booleanField.toRow(field, true))).toBe(true);
    expect(booleanField.fromRow(field, booleanField.toRow(field, null))).toBeNull();
    expect(booleanField.printCsv(field, false)).toBe('false');
    expect(booleanField.operators).toEqual(['eq', 'neq', 'is_null']);
  });
});
