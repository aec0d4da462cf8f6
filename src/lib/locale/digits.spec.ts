import { describe, expect, it } from 'vitest';
import { normaliseDigits } from './digits.ts';

describe('normaliseDigits', () => {
  it('turns Persian digits into ASCII', () => {
    expect(normaliseDigits('۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789');
  });

  it('turns Arabic-Indic digits into ASCII', () => {
    expect(normaliseDigits('٠١٢٣٤٥٦٧٨٩')).toBe('0123456789');
  });

  it('turns the Arabic decimal and thousands separators into . and ,', () => {
    expect(normaliseDigits('۱٬۲۵۰٫۷۵')).toBe('1,250.75');
  });

  it('leaves other text alone, including the Persian percent sign', () => {
    expect(normaliseDigits('فاکتور ۱۲ − 7٪ abc')).toBe('فاکتور 12 − 7٪ abc');
  });
});
