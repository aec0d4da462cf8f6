import { describe, expect, it } from 'vitest';
import { configureReports, frozen, makeField } from './field-fixture.ts';
import { textField } from './text.ts';

describe('textField', () => {
  it('recognises a plain string, with or without its own x-type', () => {
    expect(textField.recognise({ type: 'string', maxLength: 80 })).toBe(true);
    expect(textField.recognise({ type: 'string', 'x-type': 'text' })).toBe(true);
  });

  it('does not recognise strings with a format, enum, x-ref or another x-type', () => {
    expect(textField.recognise({ type: 'string', format: 'email' })).toBe(false);
    expect(textField.recognise({ type: 'string', enum: ['a'] })).toBe(false);
    expect(textField.recognise({ type: 'string', 'x-ref': 'company' })).toBe(false);
    expect(textField.recognise({ type: 'string', 'x-type': 'long_text' })).toBe(false);
    expect(textField.recognise({ type: 'integer' })).toBe(false);
  });

  it('keeps length and pattern keywords and drops x- keywords in a new object', () => {
    const schema = frozen({ type: 'string', minLength: 1, maxLength: 80, pattern: '^[A-Z]', title: 'Code', 'x-label': { fa: 'کد' }, 'x-indexed': true });
    const value = textField.valueSchema(schema);
    expect(value).toEqual({ type: 'string', minLength: 1, maxLength: 80, pattern: '^[A-Z]', title: 'Code' });
    expect(value).not.toBe(schema);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('configures nothing: patterns are checked where they are compiled', () => {
    expect(configureReports(textField, { type: 'string', pattern: '^[A-Z]' })).toEqual([]);
  });

  it('stores one text column and reads it back', () => {
    const field = makeField(textField, { type: 'string' }, 'name');
    expect(textField.columns(field)).toEqual([{ name: 'name', sqlType: 'text' }]);
    const row = textField.toRow(field, 'Parisa');
    expect(row).toEqual({ name: 'Parisa' });
    expect(textField.fromRow(field, row)).toBe('Parisa');
    expect(textField.fromRow(field, textField.toRow(field, null))).toBeNull();
  });

  it('reads CSV cells trimmed, empty as no value', () => {
    const field = makeField(textField, { type: 'string' });
    expect(textField.parseCsv(field, '  Acme Ltd ')).toEqual({ ok: true, value: 'Acme Ltd' });
    expect(textField.parseCsv(field, '   ')).toEqual({ ok: true, value: null });
    expect(textField.printCsv(field, 'Acme')).toBe('Acme');
    expect(textField.printCsv(field, null)).toBe('');
  });

  it('filters as text and feeds search', () => {
    expect(textField.filterKind).toBe('text');
    expect(textField.searchable).toBe(true);
    expect(textField.operators).toEqual(expect.arrayContaining(['contains', 'starts_with', 'eq', 'in', 'lt', 'is_null']));
  });
});
