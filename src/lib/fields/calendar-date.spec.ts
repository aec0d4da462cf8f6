import { describe, expect, it } from 'vitest';
import { formatDate, formatUtcDate, isValidDate } from './calendar-date.ts';

describe('isValidDate', () => {
  it('knows month lengths and leap years', () => {
    expect(isValidDate(2024, 2, 29)).toBe(true);
    expect(isValidDate(2023, 2, 29)).toBe(false);
    expect(isValidDate(1900, 2, 29)).toBe(false);
    expect(isValidDate(2000, 2, 29)).toBe(true);
    expect(isValidDate(2024, 4, 31)).toBe(false);
    expect(isValidDate(2024, 0, 1)).toBe(false);
    expect(isValidDate(2024, 1, 0)).toBe(false);
  });

  it('handles years below 100 without the 1900 offset', () => {
    expect(isValidDate(4, 2, 29)).toBe(true);
    expect(isValidDate(5, 2, 29)).toBe(false);
  });
});

describe('formatDate / formatUtcDate', () => {
  it('zero-pads', () => {
    expect(formatDate(987, 3, 9)).toBe('0987-03-09');
  });

  it('takes the UTC day of a Date', () => {
    expect(formatUtcDate(new Date('2024-03-09T23:59:59.999Z'))).toBe('2024-03-09');
    expect(formatUtcDate(new Date('2024-03-10T00:00:00+03:30'))).toBe('2024-03-09');
  });
});
