/**
 * What an uploaded file is, from its first bytes: an XLSX workbook, text in an encoding we can
 * decode, or something refused with a reason a person can act on. Pure and browser-safe: the
 * caller reads the prefix (64 KiB is plenty) and decodes the rest with `TextDecoder`.
 *
 *   const sniff = sniffFile(prefix);
 *   if (sniff.kind === 'refused') throw new Error(sniff.message);
 *   if (sniff.kind === 'text') new TextDecoder(sniff.encoding).decode(rest);
 */
import chardet from 'chardet';

/** Encodings an import decodes (TextDecoder labels). ISO-8859-1 is read as its superset windows-1252. */
export const TEXT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1256', 'windows-1252', 'iso-8859-6'] as const;
export type TextEncodingName = (typeof TEXT_ENCODINGS)[number];

export function isTextEncodingName(value: unknown): value is TextEncodingName {
  return (TEXT_ENCODINGS as readonly unknown[]).includes(value);
}

export type RefusalCode = 'empty' | 'binary' | 'encoding' | 'xls';

export type FileSniff =
  | { readonly kind: 'xlsx' }
  | {
      readonly kind: 'text';
      readonly encoding: TextEncodingName;
      /** Bytes of the byte-order mark to skip (TextDecoder skips it too, unless told not to). */
      readonly bomLength: number;
      /** How the encoding was found: a BOM, valid UTF-8, or a statistical guess. */
      readonly by: 'bom' | 'utf-8' | 'utf-16-pattern' | 'guess' | 'declared';
    }
  | { readonly kind: 'refused'; readonly code: RefusalCode; readonly message: string; readonly detected?: string };

const MAGIC: readonly { bytes: readonly number[]; what: string; code: RefusalCode }[] = [
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an Excel 97–2003 workbook (.xls); save it as .xlsx or as CSV UTF-8', code: 'xls' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document', code: 'binary' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image', code: 'binary' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', code: 'binary' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image', code: 'binary' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive', code: 'binary' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'a program (ELF)', code: 'binary' },
  { bytes: [0x4d, 0x5a], what: 'a Windows program', code: 'binary' },
];

function startsWith(prefix: Uint8Array, bytes: readonly number[]): boolean {
  return prefix.length >= bytes.length && bytes.every((b, i) => prefix[i] === b);
}

/**
 * Sniffs a file from its first bytes. `declared` (the mapping's or the command line's
 * `encoding`) skips the guess but not the checks for binary content.
 */
export function sniffFile(prefix: Uint8Array, declared?: TextEncodingName): FileSniff {
  if (prefix.length === 0) return { kind: 'refused', code: 'empty', message: 'the file is empty' };
  if (startsWith(prefix, [0x50, 0x4b, 0x03, 0x04])) return { kind: 'xlsx' };
  for (const m of MAGIC) if (startsWith(prefix, m.bytes)) return { kind: 'refused', code: m.code, message: `this is not a CSV or XLSX file: it is ${m.what}` };
  if (startsWith(prefix, [0xff, 0xfe, 0x00, 0x00]) || startsWith(prefix, [0x00, 0x00, 0xfe, 0xff])) {
    return { kind: 'refused', code: 'encoding', detected: 'UTF-32', message: 'the file is in UTF-32, which is not supported; save it as CSV UTF-8' };
  }
  if (startsWith(prefix, [0xef, 0xbb, 0xbf])) return { kind: 'text', encoding: 'utf-8', bomLength: 3, by: 'bom' };
  if (startsWith(prefix, [0xff, 0xfe])) return { kind: 'text', encoding: 'utf-16le', bomLength: 2, by: 'bom' };
  if (startsWith(prefix, [0xfe, 0xff])) return { kind: 'text', encoding: 'utf-16be', bomLength: 2, by: 'bom' };
  const utf16 = utf16Pattern(prefix);
  if (utf16) return { kind: 'text', encoding: utf16, bomLength: 0, by: 'utf-16-pattern' };
  if (looksBinary(prefix)) return { kind: 'refused', code: 'binary', message: 'this is not a text file (it contains binary data); upload a CSV or an XLSX file' };
  if (declared) return { kind: 'text', encoding: declared, bomLength: 0, by: 'declared' };
  if (isUtf8(prefix)) return { kind: 'text', encoding: 'utf-8', bomLength: 0, by: 'utf-8' };
  return guessLegacy(prefix);
}

/** UTF-16 without a BOM: ASCII characters leave a zero byte in every other position. */
function utf16Pattern(prefix: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(prefix.length, 4096) & ~1;
  if (n < 8) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (prefix[i] === 0) evenZeros++;
    if (prefix[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return null;
}

/** NUL bytes, or more than 2% control characters other than tab, newlines and form feed. */
function looksBinary(prefix: Uint8Array): boolean {
  let controls = 0;
  for (const b of prefix) {
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) controls++;
  }
  return controls > prefix.length * 0.02;
}

/** Valid UTF-8 (a sequence cut off by the end of the prefix counts as valid). */
export function isUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return false;
    if (i + need >= n) {
      // Cut off at the end of the prefix: valid so far when the remaining bytes are continuations.
      for (let j = i + 1; j < n; j++) if (((bytes[j] ?? 0) & 0xc0) !== 0x80) return false;
      return true;
    }
    let code = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let j = 1; j <= need; j++) {
      const c = bytes[i + j] ?? 0;
      if ((c & 0xc0) !== 0x80) return false;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Encodings chardet names that we read, by its name. */
const DECODABLE: Readonly<Record<string, TextEncodingName>> = {
  'windows-1256': 'windows-1256',
  'ISO-8859-6': 'iso-8859-6',
  'windows-1252': 'windows-1252',
  'ISO-8859-1': 'windows-1252',
};

/**
 * Not UTF-8: windows-1256 (Persian/Arabic), windows-1252 (Western) or refused. chardet's models
 * often take Persian windows-1256 text for a Western code page (Persian letters such as پ چ ژ گ
 * sit where windows-1252 has punctuation), so Arabic script is recognised first by its shape:
 * nearly every byte above 0x7F decodes to an Arabic letter, in runs (words), not alone.
 */
function guessLegacy(prefix: Uint8Array): FileSniff {
  if (arabicScriptShare(prefix) >= 0.9) return { kind: 'text', encoding: 'windows-1256', bomLength: 0, by: 'guess' };
  const best = chardet.analyse(prefix)[0];
  const name = best?.name ?? 'unknown';
  const decodable = DECODABLE[name];
  if (decodable) return { kind: 'text', encoding: decodable, bomLength: 0, by: 'guess' };
  return {
    kind: 'refused',
    code: 'encoding',
    detected: name,
    message: `the file is not UTF-8; it looks like ${name}, which is not supported (supported: UTF-8, UTF-16, windows-1256, windows-1252). Save it as "CSV UTF-8" and try again, or name the encoding`,
  };
}

const ARABIC_1256 = new TextDecoder('windows-1256');

/** The share of high bytes that windows-1256 reads as Arabic-script letters next to another such letter. */
function arabicScriptShare(prefix: Uint8Array): number {
  const sample = prefix.subarray(0, 16_384);
  let high = 0;
  for (const b of sample) if (b >= 0x80) high++;
  if (high < 4) return 0;
  const text = ARABIC_1256.decode(sample);
  let arabicInRuns = 0;
  const isArabic = (ch: string | undefined) => ch !== undefined && ch >= '\u0600' && ch <= '\u06ff';
  for (let i = 0; i < text.length; i++) {
    if (isArabic(text[i]) && (isArabic(text[i - 1]) || isArabic(text[i + 1]))) arabicInRuns++;
  }
  return arabicInRuns / high;
}
