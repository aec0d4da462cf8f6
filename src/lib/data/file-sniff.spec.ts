import { describe, expect, it } from 'vitest';
import { isUtf8, sniffFile } from './file-sniff.ts';

/** Encodes text in a single-byte code page (the inverse of TextDecoder for that page). */
function encodeLegacy(text: string, encoding: string): Uint8Array {
  const decoder = new TextDecoder(encoding);
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(decoder.decode(new Uint8Array([b])), b);
  return new Uint8Array([...text].map((ch) => {
    const b = table.get(ch);
    if (b === undefined) throw new Error(`${ch} is not in ${encoding}`);
    return b;
  }));
}

// windows-1256 has no Persian yeh (U+06CC): files from that era spell it with the Arabic one.
const persian = 'نام,ایمیل,شهر\nسارا محمدی,sara@example.com,تهران\nعلی رضایی,ali@example.com,اصفهان\nپرویز گلچین,p@example.com,شیراز\n'.replace(/ی/g, 'ي');
const western = 'Nom,Société,Ville\nRené Müller,Café Crème,Zürich\nJosé Ñúñez,Niño & Co,São Paulo\nFrançois Dœuf,Bäckerei,Genève\n';

describe('sniffFile', () => {
  it('reads byte-order marks: UTF-8, UTF-16 LE and BE', () => {
    expect(sniffFile(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ kind: 'text', encoding: 'utf-8', bomLength: 3, by: 'bom' });
    expect(sniffFile(new Uint8Array([0xff, 0xfe, 0x61, 0x00]))).toMatchObject({ kind: 'text', encoding: 'utf-16le', bomLength: 2 });
    expect(sniffFile(new Uint8Array([0xfe, 0xff, 0x00, 0x61]))).toMatchObject({ kind: 'text', encoding: 'utf-16be', bomLength: 2 });
  });

  it('recognises UTF-16 without a BOM by its zero bytes', () => {
    const le = new Uint8Array([...'name,email\nSara,s@x.ir\n'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(sniffFile(le)).toMatchObject({ kind: 'text', encoding: 'utf-16le', by: 'utf-16-pattern' });
    const be = new Uint8Array([...'name,email\nSara,s@x.ir\n'].flatMap((c) => [0, c.charCodeAt(0)]));
    expect(sniffFile(be)).toMatchObject({ kind: 'text', encoding: 'utf-16be' });
  });

  it('takes valid UTF-8 (Persian included) as UTF-8', () => {
    expect(sniffFile(new TextEncoder().encode(persian))).toMatchObject({ kind: 'text', encoding: 'utf-8', by: 'utf-8' });
    expect(sniffFile(new TextEncoder().encode('plain,ascii\n1,2\n'))).toMatchObject({ kind: 'text', encoding: 'utf-8' });
  });

  it('accepts a UTF-8 sequence cut off by the end of the prefix', () => {
    const bytes = new TextEncoder().encode('سلام');
    expect(isUtf8(bytes.subarray(0, bytes.length - 1))).toBe(true);
    expect(isUtf8(new Uint8Array([0x61, 0xc3, 0x28]))).toBe(false);
    expect(isUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(false); // a UTF-16 surrogate
    expect(isUtf8(new Uint8Array([0xc0, 0xaf]))).toBe(false); // overlong
  });

  it('recognises Persian in windows-1256 (which chardet alone takes for windows-1252)', () => {
    expect(sniffFile(encodeLegacy(persian, 'windows-1256'))).toMatchObject({ kind: 'text', encoding: 'windows-1256', by: 'guess' });
    expect(sniffFile(encodeLegacy('الاسم,البريد\nمحمد الأحمد,m@x.com\nفاطمة علي,f@x.com\n', 'windows-1256'))).toMatchObject({ encoding: 'windows-1256' });
  });

  it('recognises Western text in windows-1252', () => {
    expect(sniffFile(encodeLegacy(western, 'windows-1252'))).toMatchObject({ kind: 'text', encoding: 'windows-1252' });
  });

  it('refuses an encoding it does not read, naming it', () => {
    const russian = 'Имя,Город,Компания\nИван Петров,Москва,Ромашка\nОльга Смирнова,Санкт-Петербург,Берёзка\nСергей Иванов,Новосибирск,Вектор\n'.repeat(3);
    const sniff = sniffFile(encodeLegacy(russian.replace(/ё/g, 'е'), 'windows-1251'));
    expect(sniff).toMatchObject({ kind: 'refused', code: 'encoding', detected: 'windows-1251' });
    if (sniff.kind === 'refused') expect(sniff.message).toContain('windows-1251');
  });

  it('uses a declared encoding without guessing', () => {
    expect(sniffFile(encodeLegacy(western, 'windows-1252'), 'windows-1256')).toMatchObject({ kind: 'text', encoding: 'windows-1256', by: 'declared' });
  });

  it('refuses binary files with what they are', () => {
    expect(sniffFile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toMatchObject({ kind: 'refused', code: 'binary', message: expect.stringContaining('PNG') });
    expect(sniffFile(new TextEncoder().encode('%PDF-1.7\n'))).toMatchObject({ kind: 'refused', message: expect.stringContaining('PDF') });
    expect(sniffFile(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]))).toMatchObject({ kind: 'refused', code: 'xls' });
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    expect(sniffFile(noise)).toMatchObject({ kind: 'refused', code: 'binary' });
    expect(sniffFile(new Uint8Array([0x61, 0x2c, 0x00, 0x62, 0x0a, 0x31, 0x2c, 0x32, 0x0a, 0x33]))).toMatchObject({ kind: 'refused', code: 'binary' });
  });

  it('knows an XLSX (zip) file and an empty one', () => {
    expect(sniffFile(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0]))).toEqual({ kind: 'xlsx' });
    expect(sniffFile(new Uint8Array())).toMatchObject({ kind: 'refused', code: 'empty' });
  });
});
