/**
 * Exact decimals as text: how decimal, percent and money read numbers from CSV cells.
 * Values stay strings end to end (a float would lose cents).
 */
import { normaliseDigits } from '../locale/digits.ts';
import type { JsonObject } from '../model/types.ts';
import type { CsvParseResult, FieldTypeContext } from './field-type.ts';
import { quote } from './schema-keywords.ts';

export const MAX_INTEGER_DIGITS = 28;
export const MAX_SCALE = 10;

export type DecimalTextResult =
  | { readonly ok: true; readonly value: string }
  /** `syntax`: not a number at all; `range`: a number with too many digits. */
  | { readonly ok: false; readonly message: string; readonly reason: 'syntax' | 'range' };

/** The Ajv pattern that limits the digits after the point to `scale`. */
export function scalePattern(scale: number): string {
  return scale === 0 ? '^-?\\d+$' : `^-?\\d+(\\.\\d{1,${scale}})?$`;
}

/** `x-scale` when it is a whole number from 0 to 10, else undefined. */
export function readScale(schema: JsonObject): number | undefined {
  const scale = schema['x-scale'];
  return typeof scale === 'number' && Number.isInteger(scale) && scale >= 0 && scale <= MAX_SCALE ? scale : undefined;
}

export function checkScale(schema: JsonObject, ctx: FieldTypeContext): void {
  if (schema['x-scale'] !== undefined && readScale(schema) === undefined) {
    ctx.report('/x-scale', `x-scale must be a whole number from 0 to ${MAX_SCALE} (digits after the decimal point)`);
  }
}

/**
 * Reads "12.50", "-3", "+0.5", "12,500.00" (thousands commas, only in groups of three so that a
 * decimal comma such as "12,5" is refused rather than read as 125), with Persian or Arabic digits.
 * With a `scale`, the fraction is padded to that many digits and longer fractions are refused:
 * rounding is a decision the person importing should make.
 */
export function parseDecimalText(text: string, scale?: number): DecimalTextResult {
  const shown = text.trim();
  let s = normaliseDigits(shown).replace(/^\u2212/, '-');
  const invalid = { ok: false, reason: 'syntax', message: `${quote(shown)} is not a valid number (expected digits with an optional decimal point, e.g. -12.50)` } as const;

  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s.includes(',')) {
    if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return invalid;
    s = s.replaceAll(',', '');
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!match) return invalid;
  let integer = match[1] ?? '';
  let fraction = match[2] ?? '';
  if (integer === '' && fraction === '') return invalid;

  integer = integer.replace(/^0+(?=\d)/, '') || '0';
  if (integer.length > MAX_INTEGER_DIGITS) {
    return { ok: false, reason: 'range', message: `${quote(shown)} has more than ${MAX_INTEGER_DIGITS} digits before the decimal point` };
  }
  const limit = scale ?? MAX_SCALE;
  if (fraction.length > limit) {
    return {
      ok: false,
      reason: 'range',
      message:
        limit === 0
          ? `${quote(shown)} must be a whole number (no digits after the decimal point)`
          : `${quote(shown)} has more than ${limit} ${limit === 1 ? 'digit' : 'digits'} after the decimal point`,
    };
  }
  if (scale !== undefined) fraction = fraction.padEnd(scale, '0');

  const isZero = /^0*$/.test(integer) && /^0*$/.test(fraction);
  const sign = negative && !isZero ? '-' : '';
  return { ok: true, value: sign + integer + (fraction === '' ? '' : '.' + fraction) };
}

/** A result as a CSV parse result: the failure's `reason` is for callers inside this folder. */
export function toCsvResult(result: DecimalTextResult): CsvParseResult {
  return result.ok ? result : { ok: false, message: result.message };
}
