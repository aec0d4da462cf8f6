import { describe, expect, it } from 'vitest';
import { b2bEntity } from '../forms/pack-fixture.ts';
import type { FieldModel } from '../model/types.ts';
import {
  formatDate,
  formatDateInput,
  formatDateTime,
  formatDecimal,
  formatMoney,
  formatNumber,
  formatNumberInput,
  formatPercent,
  formatValue,
  fromCalendarDate,
  monthNames,
  normaliseNumberInput,
  toCalendarDate,
  toDateTimeLocal,
  weekdayNames,
} from './format.ts';

/** Bidi marks Intl puts around signs and units; the assertions are about digits and words. */
function plain(text: string): string {
  return text.replace(/[\u061C\u200E\u200F]/g, '');
}

describe('numbers', () => {
  it('uses Persian digits in fa and Arabic-Indic digits in ar', () => {
    expect(formatNumber('fa', 1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    expect(formatNumber('ar', 1234567)).toBe('١٬٢٣٤٬٥٦٧');
    expect(formatNumber('en', 1234567)).toBe('1,234,567');
  });

  it('formats big decimals exactly, digit by digit', () => {
    expect(formatDecimal('en', '12345678901234567890.12')).toBe('12,345,678,901,234,567,890.12');
    expect(formatDecimal('fa', '12345678901234567890.12')).toBe('۱۲٬۳۴۵٬۶۷۸٬۹۰۱٬۲۳۴٬۵۶۷٬۸۹۰٫۱۲');
    expect(formatDecimal('ar', '12345678901234567890.12')).toBe('١٢٬٣٤٥٬٦٧٨٬٩٠١٬٢٣٤٬٥٦٧٬٨٩٠٫١٢');
    // A float would print 0.30000000000000004 or lose the last digits.
    expect(formatDecimal('en', '9999999999999999999999999999.9999999999')).toBe('9,999,999,999,999,999,999,999,999,999.9999999999');
  });

  it('keeps the sign, also of a negative amount below one', () => {
    expect(formatDecimal('en', '-1234.50')).toBe('-1,234.50');
    expect(plain(formatDecimal('en', '-0.5'))).toBe('-0.5');
    expect(plain(formatDecimal('fa', '-0.5'))).toMatch(/^[-−]۰٫۵$/);
    expect(formatDecimal('en', 'abc')).toBe('abc');
  });

  it('shows percent values as stored (12.5 means 12.5 %)', () => {
    expect(formatPercent('en', '12.5')).toBe('12.5%');
    expect(formatPercent('fa', '12.5')).toBe('۱۲٫۵٪');
    expect(plain(formatPercent('ar', '12.5'))).toBe('١٢٫٥٪');
    expect(formatPercent('en', 7)).toBe('7%');
  });

  it('shows a number in an input with the locale digits, no grouping', () => {
    expect(formatNumberInput('fa', '1234.5')).toBe('۱۲۳۴٫۵');
    expect(formatNumberInput('en', '1234.5')).toBe('1234.5');
  });
});

describe('money', () => {
  it('shows IRR in rial, or in toman (rial / 10, exact) on request', () => {
    expect(formatMoney('fa', { amount: '1500000', currency: 'IRR' })).toBe('۱٬۵۰۰٬۰۰۰ ریال');
    expect(formatMoney('fa', { amount: '1500000', currency: 'IRR' }, { toman: true })).toBe('۱۵۰٬۰۰۰ تومان');
    expect(formatMoney('fa', { amount: '1500005', currency: 'IRR' }, { toman: true })).toBe('۱۵۰٬۰۰۰٫۵ تومان');
    expect(formatMoney('en', { amount: '5', currency: 'IRR' }, { toman: true })).toBe('0.5 toman');
    expect(formatMoney('en', { amount: '123456789012345678901234567', currency: 'IRR' }, { toman: true })).toBe('12,345,678,901,234,567,890,123,456.7 toman');
    expect(formatMoney('ar', { amount: '1000', currency: 'IRR' })).toBe('١٬٠٠٠ ريال إيراني');
  });

  it('pads other currencies to their minor unit and never cuts digits', () => {
    expect(formatMoney('en', { amount: '12.5', currency: 'USD' })).toBe('$12.50');
    expect(formatMoney('en', { amount: '-12.5', currency: 'USD' })).toBe('-$12.50');
    expect(plain(formatMoney('ar', { amount: '12.5', currency: 'KWD' }))).toContain('١٢٫٥٠٠');
    expect(formatMoney('en', { amount: '0.125', currency: 'USD' })).toBe('$0.125');
    expect(formatMoney('en', { amount: '92233720368547758070.01', currency: 'EUR' })).toBe('€92,233,720,368,547,758,070.01');
  });
});

describe('calendar dates', () => {
  it('formats a date-only value in the Persian and Islamic calendars', () => {
    expect(formatDate('fa', 'persian', '2024-08-02')).toBe('۱۲ مرداد ۱۴۰۳');
    expect(formatDate('ar', 'islamic-umalqura', '2024-08-02')).toMatch(/^٢٧ محرم ١٤٤٦/);
    expect(formatDate('en', 'gregory', '2024-08-02')).toBe('August 2, 2024');
    expect(formatDateInput('fa', 'persian', '2024-08-02')).toBe('۱۴۰۳/۰۵/۱۲');
    expect(formatDateInput('en', 'islamic-umalqura', '2024-08-02')).toBe('1446/01/27');
  });

  it('does not shift a date-only value, however far east or west the user zone is', () => {
    const expectedClose = b2bEntity('deal').fields.find((f) => f.name === 'expected_close');
    if (!expectedClose) throw new Error('no expected_close');
    // A date read as midnight in a zone would fall on the previous day in Niue (UTC−11) and could
    // move the other way in Kiritimati (UTC+14); a calendar date must not move at all.
    for (const timeZone of ['Pacific/Kiritimati', 'Pacific/Niue', 'Asia/Tehran', 'America/Los_Angeles']) {
      expect(formatValue(expectedClose, '2024-08-02', { locale: 'en', calendar: 'gregory', timeZone })).toBe('August 2, 2024');
      expect(formatValue(expectedClose, '2024-01-01', { locale: 'fa', calendar: 'persian', timeZone })).toBe('۱۱ دی ۱۴۰۲');
      expect(formatValue(expectedClose, '2024-12-31', { locale: 'en', calendar: 'gregory', timeZone })).toBe('December 31, 2024');
    }
    expect(toCalendarDate('2024-12-31', 'gregory')).toEqual({ year: 2024, month: 12, day: 31 });
  });

  it('round-trips Persian 1403/12/30, which exists because 1403 is a leap year', () => {
    expect(fromCalendarDate('persian', 1403, 12, 30)).toBe('2025-03-20');
    expect(toCalendarDate('2025-03-20', 'persian')).toEqual({ year: 1403, month: 12, day: 30 });
    expect(toCalendarDate('2025-03-21', 'persian')).toEqual({ year: 1404, month: 1, day: 1 });
  });

  it('refuses days that do not exist instead of rolling over', () => {
    expect(fromCalendarDate('persian', 1402, 12, 30)).toBeNull();
    expect(fromCalendarDate('persian', 1403, 13, 1)).toBeNull();
    expect(fromCalendarDate('persian', 1403, 7, 31)).toBeNull(); // the second half-year has 30-day months
    expect(fromCalendarDate('gregory', 2023, 2, 29)).toBeNull();
    expect(fromCalendarDate('gregory', 2024, 2, 29)).toBe('2024-02-29');
    expect(fromCalendarDate('gregory', 2024, 0, 1)).toBeNull();
    expect(fromCalendarDate('gregory', 10000, 1, 1)).toBeNull();
    expect(fromCalendarDate('islamic-umalqura', 1446, 1, 27)).toBe('2024-08-02');
    expect(fromCalendarDate('islamic-umalqura', 1446, 1, 31)).toBeNull();
    expect(toCalendarDate('2023-02-29', 'persian')).toBeNull();
    expect(toCalendarDate('not a date', 'persian')).toBeNull();
  });

  it('names months and weekdays in the calendar and locale', () => {
    expect(monthNames('fa', 'persian')).toEqual(['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند']);
    expect(monthNames('ar', 'islamic-umalqura')[8]).toBe('رمضان');
    expect(monthNames('en', 'gregory')[0]).toBe('January');
    expect(weekdayNames('fa')[0]).toBe('شنبه');
    expect(weekdayNames('en')[0]).toBe('Sun');
  });
});

describe('date-times', () => {
  it('shows an instant in the user zone and calendar', () => {
    const text = formatDateTime('fa', 'persian', 'Asia/Tehran', '2024-03-09T11:00:00Z');
    expect(text).toContain('۱۹ اسفند ۱۴۰۲');
    expect(text).toContain('۱۴:۳۰');
    expect(formatDateTime('en', 'gregory', 'Not/AZone', '2024-03-09T11:00:00Z')).toContain('11:00');
  });

  it('gives the datetime-local value on the zone wall clock', () => {
    expect(toDateTimeLocal('2024-03-09T11:00:00.000Z', 'Asia/Tehran')).toBe('2024-03-09T14:30');
    expect(toDateTimeLocal('2024-03-09T11:00:05.000Z', 'UTC')).toBe('2024-03-09T11:00:05');
    expect(toDateTimeLocal('nope', 'UTC')).toBe('');
  });
});

describe('normaliseNumberInput', () => {
  it('reads Persian and Arabic digits and separators', () => {
    expect(normaliseNumberInput('۱۲٬۵۰۰٫۷۵')).toBe('12500.75');
    expect(normaliseNumberInput('١٢٬٥٠٠٫٧٥')).toBe('12500.75');
    expect(normaliseNumberInput(' −۱ ۲۳۴٫۵ ')).toBe('-1234.5');
    expect(normaliseNumberInput('\u200E+12,345')).toBe('12345');
  });

  it('leaves a comma that is not a thousands separator, so the number fails to parse', () => {
    expect(normaliseNumberInput('12,5')).toBe('12,5');
  });
});

describe('formatValue', () => {
  const deal = b2bEntity('deal');
  const contact = b2bEntity('contact');
  const field = (entity: typeof deal, name: string): FieldModel => {
    const found = entity.fields.find((f) => f.name === name);
    if (!found) throw new Error(name);
    return found;
  };
  const fa = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran' } as const;

  it('shows every kind of value in the locale', () => {
    expect(formatValue(field(deal, 'stage'), 'won', fa)).toBe('موفق');
    expect(formatValue(field(deal, 'stage'), 'won', { ...fa, locale: 'en' })).toBe('Won');
    expect(formatValue(field(deal, 'amount'), { amount: '25000000', currency: 'IRR' }, { ...fa, toman: true })).toBe('۲٬۵۰۰٬۰۰۰ تومان');
    expect(formatValue(field(deal, 'probability'), '40', fa)).toBe('۴۰٪');
    expect(formatValue(field(deal, 'expected_close'), '2024-08-02', fa)).toBe('۱۲ مرداد ۱۴۰۳');
    expect(formatValue(field(deal, 'number'), 'DL-000042', fa)).toBe('DL-000042');
    expect(formatValue(field(deal, 'company_id'), '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10', fa)).toBe('');
    expect(formatValue(field(contact, 'tags'), ['vip', 'tehran'], fa)).toBe('vip، tehran');
    expect(formatValue(field(contact, 'full_name'), null, fa)).toBe('');
  });

  it('shows booleans as yes and no in the locale', () => {
    const flag = { ...field(contact, 'full_name'), type: 'boolean' as const };
    expect(formatValue(flag, true, fa)).toBe('بله');
    expect(formatValue(flag, false, { ...fa, locale: 'ar' })).toBe('لا');
  });
});
