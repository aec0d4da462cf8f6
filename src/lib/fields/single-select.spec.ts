import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
import { singleSelectField } from './single-select.ts';

const schema = {
  type: 'string',
  enum: ['open', 'won', 'lost'],
  'x-options': { open: { en: 'Open', fa: 'باز' }, won: { fa: 'برنده', ar: 'فائز' } },
} as const;
const field = makeField(singleSelectField, schema, 'stage');

describe('singleSelectField', () => {
  it('recognises a string enum', () => {
    expect(singleSelectField.recognise(schema)).toBe(true);
    expect(singleSelectField.recognise({ type: 'string' })).toBe(false);
    expect(singleSelectField.recognise({ type: 'string', enum: [1, 2] })).toBe(false);
    expect(singleSelectField.recognise({ type: 'array', items: { type: 'string', enum: ['a'] } })).toBe(false);
  });

  it('validates against the enum, without x-options', () => {
    expect(singleSelectField.valueSchema(schema)).toEqual({ type: 'string', enum: ['open', 'won', 'lost'] });
  });

  it('configures options with en defaulting to the value', () => {
    expect(field.options).toEqual([
      { value: 'open', label: { en: 'Open', fa: 'باز' } },
      { value: 'won', label: { en: 'won', fa: 'برنده', ar: 'فائز' } },
      { value: 'lost', label: { en: 'lost' } },
    ]);
  });

  it('reports labels for unknown values and duplicate enum values', () => {
    expect(configureReports(singleSelectField, { type: 'string', enum: ['a', 'b', 'a'], 'x-options': { c: { en: 'C' } } })).toEqual([
      { path: '/enum/2', message: 'enum lists "a" more than once' },
      { path: '/x-options/c', message: 'x-options has labels for "c", which is not one of the enum values' },
    ]);
    expect(configureReports(singleSelectField, { type: 'string', enum: ['a'], 'x-options': { a: 'A' } })).toHaveLength(1);
    expect(configureReports(singleSelectField, schema)).toEqual([]);
  });

  it('reads a value or any label, ignoring case, spaces and letter forms', () => {
    expect(singleSelectField.parseCsv(field, 'won')).toEqual({ ok: true, value: 'won' });
    expect(singleSelectField.parseCsv(field, '  OPEN ')).toEqual({ ok: true, value: 'open' });
    expect(singleSelectField.parseCsv(field, 'باز')).toEqual({ ok: true, value: 'open' });
    expect(singleSelectField.parseCsv(field, 'برنده')).toEqual({ ok: true, value: 'won' });
    expect(singleSelectField.parseCsv(field, 'فائز')).toEqual({ ok: true, value: 'won' });
    expect(singleSelectField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('lists the allowed values when nothing matches', () => {
    expect(singleSelectField.parseCsv(field, 'pending')).toEqual({ ok: false, message: '"pending" is not one of the allowed values (open, won, lost)' });
  });

  it('round-trips through a text column and filters on the enum', () => {
    expect(singleSelectField.columns(field)).toEqual([{ name: 'stage', sqlType: 'text' }]);
    expect(singleSelectField.fromRow(field, singleSelectField.toRow(field, 'won'))).toBe('won');
    expect(singleSelectField.printCsv(field, 'won')).toBe('won');
    expect(singleSelectField.filterKind).toBe('scalar');
    expect(singleSelectField.operators).toEqual(['eq', 'neq', 'in', 'not_in', 'is_null']);
    expect(singleSelectField.filterValueSchema(field)).toEqual({ type: 'string', enum: ['open', 'won', 'lost'] });
  });
});
