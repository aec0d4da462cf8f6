/**
 * A first pass over the source text, before expr-eval-fork's parser sees it. It finds what the
 * parser's tokens lose or what should never reach the parser:
 *
 * - the text of each number literal: the parser hands numbers over as JavaScript floats
 *   (0.1 + 0.2 would already be lost), so the compiler takes the digits from here, in order;
 * - statement separators (`;`), refused with a message of their own;
 * - bracket nesting, bounded before the recursive-descent parser recurses into it.
 *
 * It follows the parser's tokenizer rules for whitespace, comments, strings, numbers and names
 * (expr-eval-fork 3.0.3, TokenStream), so that the literals line up with the parser's INUMBER
 * tokens; the compiler checks that they do and refuses the expression if not.
 */

export interface NumberLiteral {
  readonly text: string;
  /** `0x…` / `0b…`: refused (the language has decimals only). */
  readonly isRadix: boolean;
}

export interface SourceScan {
  readonly numbers: readonly NumberLiteral[];
  readonly hasSemicolon: boolean;
  readonly maxNesting: number;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
/** The tokenizer's notion of a letter: a character with case. */
const isCased = (c: string) => c.toUpperCase() !== c.toLowerCase();

function radixEnd(source: string, pos: number): number {
  if (pos >= source.length - 2 || source[pos] !== '0') return -1;
  const marker = source[pos + 1];
  const valid = marker === 'x' ? /^[0-9a-f]$/i : marker === 'b' ? /^[01]$/ : null;
  if (!valid) return -1;
  let end = pos + 2;
  while (end < source.length && valid.test(source.charAt(end))) end++;
  return end > pos + 2 ? end : -1;
}

function numberEnd(source: string, pos: number): number {
  let p = pos;
  let foundDot = false;
  let foundDigits = false;
  let valid = false;
  let c = '';
  while (p < source.length) {
    c = source.charAt(p);
    if (isDigit(c) || (!foundDot && c === '.')) {
      if (c === '.') foundDot = true;
      else foundDigits = true;
      p++;
      valid = foundDigits;
    } else break;
  }
  const reset = p;
  if (valid && (c === 'e' || c === 'E')) {
    let q = p + 1;
    let acceptSign = true;
    let validExponent = false;
    while (q < source.length) {
      const e = source.charAt(q);
      if (acceptSign && (e === '+' || e === '-')) acceptSign = false;
      else if (isDigit(e)) {
        validExponent = true;
        acceptSign = false;
      } else break;
      q++;
    }
    p = validExponent ? q : reset;
  }
  return valid ? p : -1;
}

/** End of a quoted string (after the closing quote), or -1 when it is not closed. */
function stringEnd(source: string, pos: number): number {
  const quote = source.charAt(pos);
  let index = source.indexOf(quote, pos + 1);
  while (index >= 0) {
    if (source.charAt(index - 1) !== '\\') return index + 1;
    index = source.indexOf(quote, index + 1);
  }
  return -1;
}

export function scanSource(source: string): SourceScan {
  const numbers: NumberLiteral[] = [];
  let hasSemicolon = false;
  let nesting = 0;
  let maxNesting = 0;
  let pos = 0;
  while (pos < source.length) {
    const c = source.charAt(pos);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      pos++;
      continue;
    }
    if (c === '/' && source.charAt(pos + 1) === '*') {
      const close = source.indexOf('*/', pos);
      pos = close < 0 ? source.length : close + 2;
      continue;
    }
    const radix = radixEnd(source, pos);
    if (radix > 0) {
      numbers.push({ text: source.slice(pos, radix), isRadix: true });
      pos = radix;
      continue;
    }
    const number = numberEnd(source, pos);
    if (number > 0) {
      numbers.push({ text: source.slice(pos, number), isRadix: false });
      pos = number;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = stringEnd(source, pos);
      // An unclosed string: the parser reports it.
      if (end < 0) break;
      pos = end;
      continue;
    }
    if (isCased(c) || c === '_' || c === '$') {
      pos++;
      while (pos < source.length && (isCased(source.charAt(pos)) || isDigit(source.charAt(pos)) || source.charAt(pos) === '_')) pos++;
      continue;
    }
    if (c === '(' || c === '[') maxNesting = Math.max(maxNesting, ++nesting);
    else if (c === ')' || c === ']') nesting--;
    else if (c === ';') hasSemicolon = true;
    pos++;
  }
  return { numbers, hasSemicolon, maxNesting };
}
