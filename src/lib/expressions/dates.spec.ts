import { describe, expect, it } from 'vitest';
import { civilDate, dayNumber, daysToAnniversary, parseDate, parseDateTime } from './dates.ts';
import { evalError, scopeWith, value } from './expression-fixture.ts';

const BIRTHDAY = scopeWith({ born: 'date' });
const born = (date: string) => ({ variables: { born: date }, objects: {} });

describe('calendar arithmetic', () => {
  it('day numbers round-trip over four centuries, leap days included', () => {
    expect(dayNumber({ year: 1970, month: 1, day: 1 })).toBe(0);
    expect(dayNumber({ year: 2000, month: 3, day: 1 })).toBe(11_017);
    for (let days = -200_000; days < 200_000; days += 997) {
      expect(dayNumber(civilDate(days))).toBe(days);
    }
    expect(civilDate(dayNumber({ year: 2024, month: 2, day: 29 }))).toEqual({ year: 2024, month: 2, day: 29 });
  });

  it('reads only valid dates and datetimes with a zone', () => {
    expect(parseDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseDate('2023-02-29')).toBeNull();
    expect(parseDate('2024-13-01')).toBeNull();
    expect(parseDate('2024-1-01')).toBeNull();
    expect(parseDateTime('2024-03-01T20:45:00Z')).toBe(Date.UTC(2024, 2, 1, 20, 45));
    expect(parseDateTime('2024-03-01T20:45:00.123456+03:30')).toBe(Date.UTC(2024, 2, 1, 17, 15, 0, 123));
    expect(parseDateTime('2024-03-01T20:45:00')).toBeNull();
    expect(parseDateTime('2024-02-30T00:00:00Z')).toBeNull();
    expect(parseDateTime('2024-03-01T24:00:00Z')).toBeNull();
  });
});

describe('29 February', () => {
  it('counts as 28 February in years without it', () => {
    expect(daysToAnniversary({ year: 2000, month: 2, day: 29 }, { year: 2025, month: 2, day: 28 })).toBe(0);
    expect(daysToAnniversary({ year: 2000, month: 2, day: 29 }, { year: 2025, month: 2, day: 27 })).toBe(1);
    expect(daysToAnniversary({ year: 2000, month: 2, day: 29 }, { year: 2025, month: 3, day: 1 })).toBe(364);
    expect(daysToAnniversary({ year: 2000, month: 2, day: 29 }, { year: 2024, month: 2, day: 28 })).toBe(1);
    expect(daysToAnniversary({ year: 2000, month: 2, day: 29 }, { year: 2024, month: 2, day: 29 })).toBe(0);
  });

  it('through birthday_in_days', () => {
    const options = (now: string) => ({ scope: BIRTHDAY, vars: born('1992-02-29'), now: new Date(now) });
    expect(value('birthday_in_days(born)', options('2025-02-28T12:00:00Z'))).toBe('0');
    expect(value('birthday_in_days(born)', options('2025-02-27T12:00:00Z'))).toBe('1');
    // 1 March 2025 → 28 February 2026.
    expect(value('birthday_in_days(born)', options('2025-03-01T12:00:00Z'))).toBe('364');
    // In a leap year the day itself comes first.
    expect(value('birthday_in_days(born)', options('2028-02-28T12:00:00Z'))).toBe('1');
  });

  it('birthday_in_days is 0 on the day and counts to next year after it', () => {
    const at = (now: string) => ({ scope: BIRTHDAY, vars: born('1990-06-15'), now: new Date(now) });
    expect(value('birthday_in_days(born)', at('2025-06-15T00:00:00Z'))).toBe('0');
    expect(value('birthday_in_days(born)', at('2025-06-14T23:59:59Z'))).toBe('1');
    expect(value('birthday_in_days(born)', at('2025-06-16T00:00:00Z'))).toBe('364');
    expect(value('birthday_in_days(born)', { ...at('2025-06-16T00:00:00Z'), vars: born('1990-01-01') })).toBe('199');
    expect(value('birthday_in_days(born)', { scope: BIRTHDAY, vars: { variables: { born: null }, objects: {} } })).toBeNull();
  });

  it('adding days across 29 February', () => {
    expect(value('add_days("2024-02-28", 1)')).toBe('2024-02-29');
    expect(value('add_days("2023-02-28", 1)')).toBe('2023-03-01');
    expect(value('days_between("2024-02-01", "2024-03-01")')).toBe('29');
    expect(value('days_between("2023-02-01", "2023-03-01")')).toBe('28');
  });
});

describe('time zones', () => {
  // 20:45 UTC on 1 March is 00:15 on 2 March in Tehran (UTC+03:30).
  const lateEvening = new Date('2024-03-01T20:45:00Z');

  it('today() is the date in the given zone, UTC by default', () => {
    expect(value('today()', { now: lateEvening })).toBe('2024-03-01');
    expect(value('today()', { now: lateEvening, timeZone: 'UTC' })).toBe('2024-03-01');
    expect(value('today()', { now: lateEvening, timeZone: 'Asia/Tehran' })).toBe('2024-03-02');
    // And just before midnight in Tehran, both agree.
    expect(value('today()', { now: new Date('2024-03-01T20:29:00Z'), timeZone: 'Asia/Tehran' })).toBe('2024-03-01');
    expect(value('today()', { now: new Date('2024-03-01T23:59:00Z'), timeZone: 'America/Los_Angeles' })).toBe('2024-03-01');
    expect(value('today()', { now: new Date('2024-03-02T07:59:00Z'), timeZone: 'America/Los_Angeles' })).toBe('2024-03-01');
  });

  it('birthday_in_days counts from the date in the zone', () => {
    const options = { scope: BIRTHDAY, vars: born('1990-03-02'), now: lateEvening };
    expect(value('birthday_in_days(born)', options)).toBe('1');
    expect(value('birthday_in_days(born)', { ...options, timeZone: 'Asia/Tehran' })).toBe('0');
  });

  it('an unknown zone is an evaluation error', () => {
    expect(evalError('today()', { timeZone: 'Mars/Olympus' })).toBe('unknown time zone "Mars/Olympus"');
  });
});
