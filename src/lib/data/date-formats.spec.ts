import { describe, expect, it } from 'vitest';
import { compileDateFormats, parseLocalDate, parseLocalDateTime, tryCompileDateFormats } from './date-formats.ts';

describe('local date formats', () => {
  it('tries the formats in order and takes the first real day', () => {
    const formats = compileDateFormats(['DD/MM/YYYY', 'MM/DD/YYYY']);
    expect(parseLocalDate('25/12/2024', formats)).toBe('2024-12-25');
    expect(parseLocalDate('12/25/2024', formats)).toBe('2024-12-25');
    expect(parseLocalDate('03/04/2024', formats)).toBe('2024-04-03');
  });

  it('reads one-digit parts, two-digit years, dots and Persian digits', () => {
    expect(parseLocalDate('3/9/2024', compileDateFormats(['M/D/YYYY']))).toBe('2024-03-09');
    expect(parseLocalDate('09.03.24', compileDateFormats(['DD.MM.YY']))).toBe('2024-03-09');
    expect(parseLocalDate('09.03.85', compileDateFormats(['DD.MM.YY']))).toBe('1985-03-09');
    expect(parseLocalDate('۲۵/۱۲/۲۰۲۴', compileDateFormats(['DD/MM/YYYY']))).toBe('2024-12-25');
  });

  it('never rolls an impossible day over', () => {
    const formats = compileDateFormats(['DD/MM/YYYY']);
    expect(parseLocalDate('31/02/2024', formats)).toBeNull();
    expect(parseLocalDate('29/02/2023', formats)).toBeNull();
    expect(parseLocalDate('29/02/2024', formats)).toBe('2024-02-29');
  });

  it('reads a time as UTC for instants', () => {
    expect(parseLocalDateTime('25/12/2024 14:30', compileDateFormats(['DD/MM/YYYY HH:mm']))).toBe('2024-12-25T14:30:00.000Z');
    expect(parseLocalDateTime('25/12/2024', compileDateFormats(['DD/MM/YYYY']))).toBe('2024-12-25T00:00:00.000Z');
    expect(parseLocalDateTime('25/12/2024 24:00', compileDateFormats(['DD/MM/YYYY HH:mm']))).toBeNull();
  });

  it('refuses formats without a year, month and day, or with unknown letters', () => {
    expect(tryCompileDateFormats(['DD/MM'])).toMatchObject({ ok: false });
    expect(tryCompileDateFormats(['DD/MMM/YYYY'])).toMatchObject({ ok: false });
    expect(tryCompileDateFormats(['YYYY-MM-DD', 'D/M/YYYY H:mm:ss'])).toMatchObject({ ok: true });
  });
});
