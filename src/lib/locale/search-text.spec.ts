import { describe, expect, it } from 'vitest';
import { normaliseSearchText } from './search-text.ts';

describe('normaliseSearchText', () => {
  it('lower-cases, trims and collapses whitespace', () => {
    expect(normaliseSearchText('  Hello \t  WORLD \n')).toBe('hello world');
  });

  it('applies NFKC (full-width letters, Arabic presentation forms)', () => {
    expect(normaliseSearchText('ＡＢＣ')).toBe('abc');
    expect(normaliseSearchText('\uFEFB')).toBe('لا'); // lam-alef ligature
  });

  it('normalises Persian and Arabic digits', () => {
    expect(normaliseSearchText('کد ۱۲۳ و ٤٥٦')).toBe('کد 123 و 456');
  });

  it('writes Arabic letter forms the Persian way', () => {
    expect(normaliseSearchText('علي')).toBe('علی');
    expect(normaliseSearchText('مصطفى')).toBe('مصطفی');
    expect(normaliseSearchText('كتاب')).toBe('کتاب');
    expect(normaliseSearchText('مدرسة')).toBe('مدرسه');
    expect(normaliseSearchText('أحمد إبراهيم آرش')).toBe('احمد ابراهیم ارش');
    expect(normaliseSearchText('مؤسسه')).toBe('موسسه');
  });

  it('removes tatweel and diacritics', () => {
    expect(normaliseSearchText('مـــحمد')).toBe('محمد');
    expect(normaliseSearchText('مُحَمَّد')).toBe('محمد');
    expect(normaliseSearchText('رحمٰن')).toBe('رحمن');
  });

  it('treats zero-width joiners as spaces', () => {
    expect(normaliseSearchText('کتاب\u200Cها')).toBe('کتاب ها');
    expect(normaliseSearchText('a\u200Db')).toBe('a b');
  });

  it('makes Arabic and Persian spellings of one word equal', () => {
    expect(normaliseSearchText('  كتاب‌هاي ')).toBe(normaliseSearchText('کتاب های'));
  });
});
