import { describe, expect, it } from 'vitest';
import { scanHeader, sniffDelimiter, uniqueHeaders } from './csv-shape.ts';

describe('sniffDelimiter', () => {
  it('finds each of , ; tab |', () => {
    expect(sniffDelimiter('name,email\nSara,s@x.ir\nAli,a@x.ir\n')).toBe(',');
    expect(sniffDelimiter('name;email;amount\nSara;s@x.ir;12,50\nAli;a@x.ir;3,00\n')).toBe(';');
    expect(sniffDelimiter('name\temail\nSara\ts@x.ir\n')).toBe('\t');
    expect(sniffDelimiter('name|email|city\nSara|s@x.ir|Tehran, Iran\n')).toBe('|');
  });

  it('ignores delimiters inside quotes, across quoted newlines', () => {
    const text = 'name;notes;city\n"Sara";"first line,\nsecond, line, with commas";Tehran\nAli;"a,b,c";Shiraz\n';
    expect(sniffDelimiter(text)).toBe(';');
  });

  it('reads a one-column file as comma-separated', () => {
    expect(sniffDelimiter('email\ns@x.ir\na@x.ir\n')).toBe(',');
  });

  it('does not trust a last line cut off by the end of the sample', () => {
    expect(sniffDelimiter('a;b;c\n1;2;3\n4;5;6\n7,8,9,10,11,12')).toBe(';');
  });
});

describe('scanHeader', () => {
  it('counts columns of the first record, quotes and BOM included', () => {
    expect(scanHeader('\uFEFFa,b,"c,d"\n1,2,3', ',', 1000)).toEqual({ columns: 3, complete: true, length: 11 });
    expect(scanHeader('a;"multi\nline";c\r\n1', ';', 1000)).toMatchObject({ columns: 3, complete: true });
  });

  it('stops as soon as there are more columns than allowed', () => {
    const wide = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
    const scan = scanHeader(wide, ',', 1000);
    expect(scan).toMatchObject({ columns: 1001, complete: false });
    expect(scan.length).toBeLessThan(10_000);
  });

  it('says when the header goes on past the text', () => {
    expect(scanHeader('a,b,c', ',', 1000)).toEqual({ columns: 3, complete: false, length: 5 });
  });
});

describe('uniqueHeaders', () => {
  it('names blank columns and numbers repeated ones', () => {
    expect(uniqueHeaders([' Email ', '', 'Email', 'Email'])).toEqual(['Email', 'Column 2', 'Email (2)', 'Email (3)']);
  });
});
