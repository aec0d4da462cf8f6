import { describe, expect, it } from 'vitest';
import { decimalField } from './decimal.ts';
import { configureReports, makeField } from './field-fixture.ts';
// Through the registry: the module's own toRow/filterValueSchema take fewer parameters than FieldType's.
import { fieldType } from './registry.ts';

const field = makeField(decimalField, { type: 'string', format: 'decimal', 'x-scale': 2 }, 'weight');
const free = makeField(decimalField, { type: 'string', format: 'decimal' }, 'ratio');

describe('decimalField', () => {
  it('recognises format decimal without an x-type', () => {
    expect(decimalField.recognise({ type: 'string', format: 'decimal' })).toBe(true);
    expect(decimalField.recognise({ type: 'string', format: 'decimal', 'x-type': 'percent' })).toBe(false);
    expect(decimalField.recognise({ type: 'number' })).toBe(false);
  });

  it('keeps the decimal format and limits the fraction when x-scale is given', () => {
    expect(decimalField.valueSchema({ type: 'string', format: 'decimal' })).toEqual({ type: 'string', format: 'decimal' });
    const scaled = decimalField.valueSchema({ type: 'string', format: 'decimal', 'x-scale': 2 });
    expect(scaled).toEqual({ type: 'string', format: 'decimal', pattern: '^-?\\d+(\\.\\d{1,2})?$' });
    const pattern = new RegExp(String(scaled.pattern), 'u');
    expect(['12', '-12.5', '12.50'].every((v) => pattern.test(v))).toBe(true);
    expect(pattern.test('12.505')).toBe(false);
    expect(decimalField.valueSchema({ type: 'string', format: 'decimal', 'x-scale': 0 }).pattern).toBe('^-?\\d+$');
  });

  it('reports an x-scale outside 0–10', () => {
    expect(configureReports(decimalField, { type: 'string', format: 'decimal', 'x-scale': 11 })).toEqual([
      { path: '/x-scale', message: 'x-scale must be a whole number from 0 to 10 (digits after the decimal point)' },
    ]);
    expect(configureReports(decimalField, { type: 'string', format: 'decimal', 'x-scale': '2' })).toHaveLength(1);
  });

  it('stores numeric and reads the driver text back unchanged', () => {
    expect(decimalField.columns(field)).toEqual([{ name: 'weight', sqlType: 'numeric' }]);
    expect(decimalField.toRow(field, '-12.50')).toEqual({ weight: '-12.50' });
    expect(decimalField.fromRow(field, { weight: '-12.50' })).toBe('-12.50');
    expect(decimalField.fromRow(field, { weight: 3 })).toBe('3');
    expect(decimalField.fromRow(field, { weight: null })).toBeNull();
  });

  it('reads CSV decimals, padding to the scale', () => {
    expect(decimalField.parseCsv(field, '12.5')).toEqual({ ok: true, value: '12.50' });
    expect(decimalField.parseCsv(field, '1,250.75')).toEqual({ ok: true, value: '1250.75' });
    expect(decimalField.parseCsv(field, '۱۲٫۵')).toEqual({ ok: true, value: '12.50' });
    expect(decimalField.parseCsv(free, '-0012.500')).toEqual({ ok: true, value: '-12.500' });
    expect(decimalField.parseCsv(field, ' ')).toEqual({ ok: true, value: null });
  });

  it('refuses non-numbers and fractions longer than the scale', () => {
    expect(decimalField.parseCsv(field, '12.505')).toEqual({ ok: false, message: '"12.505" has more than 2 digits after the decimal point' });
    expect(decimalField.parseCsv(field, '12,5').ok).toBe(false);
    expect(decimalField.parseCsv(field, '1e3').ok).toBe(false);
    expect(decimalField.parseCsv(field, 'abc')).toEqual({ ok: false, message: '"abc" is not a valid number (expected digits with an optional decimal point, e.g. -12.50)' });
  });

  it('filters on a decimal string', () => {
    expect(decimalField.filterKind).toBe('scalar');
    expect(fieldType('decimal').filterValueSchema(field)).toEqual({ type: 'string', format: 'decimal' });
    expect(decimalField.printCsv(field, '12.50')).toBe('12.50');
  });
});
