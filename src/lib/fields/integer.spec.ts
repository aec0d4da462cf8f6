import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
import { integerField, parseIntegerText } from './integer.ts';

const field = makeField(integerField, { type: 'integer', minimum: 0 }, 'seats');

describe('integerField', () => {
  it('recognises type integer', () => {
    expect(integerField.recognise({ type: 'integer' })).toBe(true);
    expect(integerField.recognise({ type: 'number' })).toBe(false);
    expect(integerField.recognise({ type: 'string' })).toBe(false);
    expect(integerField.recognise({ type: 'integer', 'x-type': 'money' })).toBe(false);
  });

  it('clamps missing or wider bounds to the safe-integer range', () => {
    expect(integerField.valueSchema({ type: 'integer' })).toEqual({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
    expect(integerField.valueSchema({ type: 'integer', minimum: 0, maximum: 1e20, 'x-unit': 'seat' })).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  });

  it('reports bounds that are not safe whole numbers or are the wrong way round', () => {
    expect(configureReports(integerField, { type: 'integer', minimum: 1.5 })).toEqual([{ path: '/minimum', message: expect.stringContaining('whole number') as string }]);
    expect(configureReports(integerField, { type: 'integer', minimum: 10, maximum: 1 })).toHaveLength(1);
    expect(configureReports(integerField, { type: 'integer', minimum: 1, maximum: 10 })).toEqual([]);
  });

  it('stores a bigint column and reads numbers, strings or bigints back as numbers', () => {
    expect(integerField.columns(field)).toEqual([{ name: 'seats', sqlType: 'bigint' }]);
    expect(integerField.toRow(field, 42)).toEqual({ seats: 42 });
    expect(integerField.fromRow(field, { seats: 42 })).toBe(42);
    expect(integerField.fromRow(field, { seats: '9007199254740991' })).toBe(9007199254740991);
    expect(integerField.fromRow(field, { seats: -7n })).toBe(-7);
    expect(integerField.fromRow(field, { seats: null })).toBeNull();
    expect(() => integerField.fromRow(field, { seats: '9007199254740993' })).toThrow(TypeError);
  });

  it('reads CSV numbers with thousands separators and Persian digits', () => {
    expect(integerField.parseCsv(field, ' 1,250 ')).toEqual({ ok: true, value: 1250 });
    expect(integerField.parseCsv(field, '۱۲۳')).toEqual({ ok: true, value: 123 });
    expect(integerField.parseCsv(field, '-٤٥')).toEqual({ ok: true, value: -45 });
    expect(integerField.parseCsv(field, '12.00')).toEqual({ ok: true, value: 12 });
    expect(integerField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('refuses fractions, words, misplaced commas and unsafe sizes', () => {
    expect(integerField.parseCsv(field, '12.5')).toEqual({ ok: false, message: '"12.5" is not a valid whole number (expected digits such as 42 or -1,250)' });
    expect(integerField.parseCsv(field, 'twelve').ok).toBe(false);
    expect(integerField.parseCsv(field, '12,5').ok).toBe(false);
    expect(integerField.parseCsv(field, '99999999999999999').ok).toBe(false);
    expect(parseIntegerText('-0')).toBe(0);
  });

  it('prints numbers and filters as a scalar', () => {
    expect(integerField.printCsv(field, 1250)).toBe('1250');
    expect(integerField.printCsv(field, null)).toBe('');
    expect(integerField.filterKind).toBe('scalar');
    expect(integerField.operators).toEqual(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', 'is_null']);
  });
});
