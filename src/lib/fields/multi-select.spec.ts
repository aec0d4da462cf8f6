import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
import { multiSelectField } from './multi-select.ts';

const schema = {
  type: 'array',
  items: { type: 'string', enum: ['email', 'sms', 'call'] },
  maxItems: 3,
  'x-options': { sms: { en: 'Text message', fa: 'پیامک' } },
} as const;
const field = makeField(multiSelectField, schema, 'channels');

describe('multiSelectField', () => {
  it('recognises an array of a string enum', () => {
    expect(multiSelectField.recognise(schema)).toBe(true);
    expect(multiSelectField.recognise({ type: 'array', items: { type: 'string' } })).toBe(false);
    expect(multiSelectField.recognise({ type: 'string', enum: ['a'] })).toBe(false);
  });

  it('validates unique items from the enum', () => {
    expect(multiSelectField.valueSchema(schema)).toEqual({
      type: 'array',
      items: { type: 'string', enum: ['email', 'sms', 'call'] },
      uniqueItems: true,
      maxItems: 3,
    });
  });

  it('configures options and reports stray labels, beside or inside items', () => {
    expect(field.options.map((o) => o.label.en)).toEqual(['email', 'Text message', 'call']);
    expect(configureReports(multiSelectField, { type: 'array', items: { type: 'string', enum: ['a'], 'x-options': { b: { en: 'B' } } } })).toEqual([
      { path: '/items/x-options/b', message: 'x-options has labels for "b", which is not one of the enum values' },
    ]);
  });

  it('reads lists split on ; , or the Persian comma, matching labels, without repeats', () => {
    expect(multiSelectField.parseCsv(field, 'email; sms')).toEqual({ ok: true, value: ['email', 'sms'] });
    expect(multiSelectField.parseCsv(field, 'پیامک، Call,EMAIL')).toEqual({ ok: true, value: ['sms', 'call', 'email'] });
    expect(multiSelectField.parseCsv(field, 'sms; Text message')).toEqual({ ok: true, value: ['sms'] });
    expect(multiSelectField.parseCsv(field, ' ; ')).toEqual({ ok: true, value: null });
  });

  it('names every value it does not know', () => {
    expect(multiSelectField.parseCsv(field, 'email; fax; post')).toEqual({
      ok: false,
      message: '"fax", "post" are not among the allowed values (email, sms, call; separate several with ";")',
    });
  });

  it('stores text[], round-trips, prints joined with "; "', () => {
    expect(multiSelectField.columns(field)).toEqual([{ name: 'channels', sqlType: 'text[]' }]);
    expect(multiSelectField.fromRow(field, multiSelectField.toRow(field, ['sms', 'call']))).toEqual(['sms', 'call']);
    expect(multiSelectField.fromRow(field, { channels: null })).toBeNull();
    expect(multiSelectField.printCsv(field, ['sms', 'call'])).toBe('sms; call');
    expect(multiSelectField.filterKind).toBe('array');
    expect(multiSelectField.operators).toEqual(['contains', 'in', 'is_null']);
    expect(multiSelectField.filterValueSchema(field)).toEqual({ type: 'string', enum: ['email', 'sms', 'call'] });
  });
});
