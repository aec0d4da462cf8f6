import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { percentField } from './percent.ts';

const schema = { type: 'string', format: 'decimal', 'x-type': 'percent' } as const;
const field = makeField(percentField, schema, 'discount');

describe('percentField', () => {
  it('is only chosen explicitly, on a decimal string', () => {
    expect(percentField.recognise(schema)).toBe(true);
    expect(percentField.recognise({ type: 'string', format: 'decimal' })).toBe(false);
    expect(percentField.recognise({ type: 'integer', 'x-type': 'percent' })).toBe(false);
  });

  it('validates as a decimal string', () => {
    expect(percentField.valueSchema({ ...schema, 'x-scale': 1 })).toEqual({ type: 'string', format: 'decimal', pattern: '^-?\\d+(\\.\\d{1,1})?$' });
  });

  it('reads percentages with or without the sign, in Latin or Persian', () => {
    expect(percentField.parseCsv(field, '12.5%')).toEqual({ ok: true, value: '12.5' });
    expect(percentField.parseCsv(field, '12.5 %')).toEqual({ ok: true, value: '12.5' });
    expect(percentField.parseCsv(field, '12.5')).toEqual({ ok: true, value: '12.5' });
    expect(percentField.parseCsv(field, '٪۱۲٫۵')).toEqual({ ok: true, value: '12.5' });
    expect(percentField.parseCsv(field, '۱۲٫۵٪')).toEqual({ ok: true, value: '12.5' });
    expect(percentField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('refuses what is not a percentage', () => {
    expect(percentField.parseCsv(field, '%')).toEqual({ ok: false, message: '"%" is not a valid percentage (expected a number such as 12.5 or 12.5%)' });
    expect(percentField.parseCsv(field, 'twelve%').ok).toBe(false);
    expect(percentField.parseCsv(field, '%12%').ok).toBe(false);
  });

  it('keeps the scale message', () => {
    const scaled = makeField(percentField, { ...schema, 'x-scale': 1 });
    expect(percentField.parseCsv(scaled, '12.25%')).toEqual({ ok: false, message: '"12.25" has more than 1 digit after the decimal point' });
  });

  it('stores numeric, round-trips, prints without the sign', () => {
    expect(percentField.columns(field)).toEqual([{ name: 'discount', sqlType: 'numeric' }]);
    expect(percentField.fromRow(field, percentField.toRow(field, '12.5'))).toBe('12.5');
    expect(percentField.printCsv(field, '12.5')).toBe('12.5');
  });
});
