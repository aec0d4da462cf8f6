import { describe, expect, it } from 'vitest';
import { datetimeField, parseDateTimeText } from './datetime.ts';
import { makeField } from './field-fixture.ts';

const field = makeField(datetimeField, { type: 'string', format: 'date-time' }, 'met_at');

describe('datetimeField', () => {
  it('recognises format date-time only', () => {
    expect(datetimeField.recognise({ type: 'string', format: 'date-time' })).toBe(true);
    expect(datetimeField.recognise({ type: 'string', format: 'date' })).toBe(false);
  });

  it('validates with the date-time format', () => {
    expect(datetimeField.valueSchema({ type: 'string', format: 'date-time' })).toEqual({ type: 'string', format: 'date-time' });
  });

  it('reads ISO 8601 with Z or an offset into UTC', () => {
    expect(datetimeField.parseCsv(field, '2024-03-09T14:30:00Z')).toEqual({ ok: true, value: '2024-03-09T14:30:00.000Z' });
    expect(datetimeField.parseCsv(field, '2024-03-09T18:00:00+03:30')).toEqual({ ok: true, value: '2024-03-09T14:30:00.000Z' });
    expect(datetimeField.parseCsv(field, '2024-03-09T01:00:00-05:00')).toEqual({ ok: true, value: '2024-03-09T06:00:00.000Z' });
    expect(datetimeField.parseCsv(field, '2024-03-09T14:30:00.123456Z')).toEqual({ ok: true, value: '2024-03-09T14:30:00.123Z' });
    expect(datetimeField.parseCsv(field, '۲۰۲۴-۰۳-۰۹T۱۴:۳۰Z')).toEqual({ ok: true, value: '2024-03-09T14:30:00.000Z' });
  });

  it('assumes UTC when there is no offset', () => {
    expect(datetimeField.parseCsv(field, '2024-03-09 14:30')).toEqual({ ok: true, value: '2024-03-09T14:30:00.000Z' });
    expect(datetimeField.parseCsv(field, '2024-03-09')).toEqual({ ok: true, value: '2024-03-09T00:00:00.000Z' });
  });

  it('refuses invalid instants', () => {
    expect(datetimeField.parseCsv(field, '2024-02-30T10:00:00Z')).toEqual({
      ok: false,
      message: '"2024-02-30T10:00:00Z" is not a valid date and time (expected ISO 8601, e.g. 2024-03-09T14:30:00Z or 2024-03-09T18:00:00+03:30)',
    });
    expect(datetimeField.parseCsv(field, '2024-03-09T24:00:00Z').ok).toBe(false);
    expect(datetimeField.parseCsv(field, '09/03/2024 10:00').ok).toBe(false);
    expect(datetimeField.parseCsv(field, 'yesterday').ok).toBe(false);
    expect(datetimeField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('reads a Date or the PostgreSQL text form back as an ISO UTC string', () => {
    expect(datetimeField.columns(field)).toEqual([{ name: 'met_at', sqlType: 'timestamptz' }]);
    expect(datetimeField.fromRow(field, { met_at: new Date('2024-03-09T14:30:00Z') })).toBe('2024-03-09T14:30:00.000Z');
    expect(datetimeField.fromRow(field, { met_at: '2024-03-09 18:00:00+03:30' })).toBe('2024-03-09T14:30:00.000Z');
    expect(datetimeField.fromRow(field, { met_at: '2024-03-09 14:30:00.5+00' })).toBe('2024-03-09T14:30:00.500Z');
    expect(datetimeField.fromRow(field, datetimeField.toRow(field, null))).toBeNull();
  });

  it('keeps early years intact', () => {
    expect(parseDateTimeText('0050-01-01T00:00:00Z')).toBe('0050-01-01T00:00:00.000Z');
  });

  it('prints the stored ISO string', () => {
    expect(datetimeField.printCsv(field, '2024-03-09T14:30:00.000Z')).toBe('2024-03-09T14:30:00.000Z');
  });
});
