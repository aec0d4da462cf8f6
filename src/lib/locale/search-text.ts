/**
 * The form text is compared in for search and for matching labels: two strings a Persian or
 * Arabic reader would call the same word normalise to the same text.
 *
 *   normaliseSearchText('  كتاب‌ها ') === normaliseSearchText('کتاب ها') // true
 */
import { normaliseDigits } from './digits.ts';

const LETTERS: Readonly<Record<string, string>> = {
  '\u064A': '\u06CC', // Arabic yeh → Persian yeh
  '\u0649': '\u06CC', // alef maksura → Persian yeh
  '\u0643': '\u06A9', // Arabic kaf → Persian keheh
  '\u0629': '\u0647', // teh marbuta → heh
  '\u0623': '\u0627', // alef with hamza above → alef
  '\u0625': '\u0627', // alef with hamza below → alef
  '\u0622': '\u0627', // alef with madda → alef
  '\u0624': '\u0648', // waw with hamza → waw
};

export function normaliseSearchText(text: string): string {
  return normaliseDigits(text.normalize('NFKC').toLowerCase())
    .replace(/[\u064A\u0649\u0643\u0629\u0623\u0625\u0622\u0624]/g, (ch) => LETTERS[ch] ?? ch)
    .replace(/\u0640|[\u064B-\u065F\u0670]/g, '')
    .replace(/[\u200C\u200D]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
