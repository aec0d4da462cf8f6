import { describe, expect, it } from 'vitest';
import { dateField } from './date.ts';
import { makeField } from './field-fixture.ts';

const field = makeField(dateField, { type: 'string', format: 'date' }, 'born_on');

describe('dateField', () => {
  it('recognises format date only', () => {
    expect(dateField.recognise({ type: 'string', format: 'date' })).toBe(true);
    expect(dateField.recognise({ type: 'string', format: 'date-time' })).toBe(false);
  });

  it('validates with the date format', () => {
    expect(dateField.valueSchema({ type: 'string', format: 'date', description: 'Birthday', 'x-widget': 'x' })).toEqual({
      type: 'string',
      format: 'date',
      description: 'Birthday',
    });
  });

  it('reads ISO and slashed dates, with Persian or Arabic digits', () => {
    expect(dateField.parseCsv(field, '2024-03-09')).toEqual({ ok: true, value: '2024-03-09' });
    expect(dateField.parseCsv(field, '2024/3/9')).toEqual({ ok: true, value: '2024-03-09' });
    expect(dateField.parseCsv(field, '۲۰۲۴-۰۲-۲۹')).toEqual({ ok: true, value: '2024-02-29' });
    expect(dateField.parseCsv(field, '٢٠٢٤/٠٣/٠٩')).toEqual({ ok: true, value: '2024-03-09' });
    expect(dateField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('refuses impossible dates instead of rolling them over', () => {
    expect(dateField.parseCsv(field, '2023-02-29')).toEqual({
      ok: false,
      message: '"2023-02-29" is not a valid date (there is no day 29 in month 2 of 2023; expected YYYY-MM-DD)',
    });
    expect(dateField.parseCsv(field, '2024-04-31').ok).toBe(false);
    expect(dateField.parseCsv(field, '2024-13-01').ok).toBe(false);
  });

  it('refuses other layouts and mixed separators', () => {
    expect(dateField.parseCsv(field, '31/02/2024')).toEqual({ ok: false, message: '"31/02/2024" is not a valid date (expected YYYY-MM-DD)' });
    expect(dateField.parseCsv(field, '2024-03/09').ok).toBe(false);
    expect(dateField.parseCsv(field, '2024-03-09T10:00:00Z').ok).toBe(false);
  });

  it('refuses Solar Hijri dates rather than misreading them', () => {
    const result = dateField.parseCsv(field, '۱۴۰۲/۱۲/۱۹');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain('Solar Hijri');
  });

  it('reads the driver text, or a Date by its UTC day', () => {
    expect(dateField.columns(field)).toEqual([{ name: 'born_on', sqlType: 'date' }]);
    expect(dateField.fromRow(field, dateField.toRow(field, '2024-03-09'))).toBe('2024-03-09');
    expect(dateField.fromRow(field, { born_on: new Date(Date.UTC(2024, 2, 9)) })).toBe('2024-03-09');
    expect(dateField.fromRow(field, { born_on: new Date('2024-12-31T23:30:00Z') })).toBe('2024-12-31');
    expect(dateField.fromRow(field, { born_on: null })).toBeNull();
  });

  it('prints YYYY-MM-DD', () => {
    expect(dateField.printCsv(field, '2024-03-09')).toBe('2024-03-09');
    expect(dateField.printCsv(field, null)).toBe('');
    expect(dateField.operators).toContain('between');
  });
});
