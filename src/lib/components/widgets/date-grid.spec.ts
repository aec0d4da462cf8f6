import { describe, expect, it } from 'vitest';
import { calendarToday, monthGrid, moveDay } from './date-grid.ts';

describe('monthGrid', () => {
  it('lays out Esfand 1403 (30 days, a leap year) from Saturday', () => {
    const grid = monthGrid({ calendar: 'persian', locale: 'fa', year: 1403, month: 12 });
    const days = grid.weeks.flat().filter((cell) => cell !== null);
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: 1, iso: '2025-02-19' });
    expect(days[29]).toEqual({ day: 30, iso: '2025-03-20' });
    // 2025-02-19 is a Wednesday: Saturday-first weeks put four blanks before it.
    expect(grid.weeks[0]?.slice(0, 5)).toEqual([null, null, null, null, { day: 1, iso: '2025-02-19' }]);
    expect(grid.weeks.every((week) => week.length === 7)).toBe(true);
  });

  it('starts weeks on Sunday in en', () => {
    const grid = monthGrid({ calendar: 'gregory', locale: 'en', year: 2024, month: 9 });
    expect(grid.weeks[0]?.[0]).toEqual({ day: 1, iso: '2024-09-01' });
  });
});

describe('moveDay', () => {
  it('moves across month and year ends in the calendar', () => {
    expect(moveDay('persian', { year: 1403, month: 12, day: 30 }, { days: 1 })).toEqual({ year: 1404, month: 1, day: 1 });
    expect(moveDay('islamic-umalqura', { year: 1446, month: 1, day: 27 }, { months: -1 })).toEqual({ year: 1445, month: 12, day: 27 });
  });

  it('knows today in a calendar', () => {
    const today = calendarToday('persian', 'Asia/Tehran');
    expect(today.year).toBeGreaterThan(1400);
    expect(calendarToday('gregory', 'Not/AZone').year).toBeGreaterThan(2000);
  });
});
