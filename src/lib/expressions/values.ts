/**
 * Values while evaluating: exact decimals (big.js), text, booleans, lists and null. Conversions
 * from record JSON, to JSON, and the arithmetic every operator and function shares.
 */
import Big from 'big.js';
import type { JsonValue } from '../model/types.ts';
import { EXPRESSION_LIMITS, type ExprType, type ExprValue } from './types.ts';

/**
 * Our own constructor, so that the settings division needs never touch the application's `Big`.
 * Instances of every big.js constructor share one prototype, so `instanceof Big` holds for them all.
 */
const Decimal = Big();
Decimal.RM = Big.roundDown;
Decimal.DP = EXPRESSION_LIMITS.divisionDigits;

/** A failure while evaluating: bad types, division by zero, a value over a limit. */
export class EvaluationError extends Error {}

export function isNumber(value: ExprValue): value is Big {
  return value instanceof Big;
}

export function isList(value: ExprValue): value is readonly ExprValue[] {
  return Array.isArray(value);
}

const DECIMAL_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Refuses numbers past the digit limits (they would only grow into something no column holds). */
export function checked(value: Big): Big {
  if (value.c.length > EXPRESSION_LIMITS.maxDigits || Math.abs(value.e) > EXPRESSION_LIMITS.maxDigits) {
    throw new EvaluationError(`a number has more than ${EXPRESSION_LIMITS.maxDigits} digits`);
  }
  return value;
}

export function decimal(value: string | number | Big): Big {
  return checked(new Decimal(value));
}

/** Decimal text → Big, or null when it is not one. */
export function parseDecimal(text: string): Big | null {
  const trimmed = text.trim();
  if (!DECIMAL_TEXT.test(trimmed)) return null;
  return decimal(trimmed);
}

export function typeName(value: ExprValue): string {
  if (value === null) return 'empty';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'text';
  if (isNumber(value)) return 'number';
  return 'list';
}

export function checkText(text: string): string {
  if (text.length > EXPRESSION_LIMITS.maxTextLength) throw new EvaluationError(`a text is longer than ${EXPRESSION_LIMITS.maxTextLength} characters`);
  return text;
}

export function checkList(list: readonly ExprValue[]): readonly ExprValue[] {
  if (list.length > EXPRESSION_LIMITS.maxListItems) throw new EvaluationError(`a list has more than ${EXPRESSION_LIMITS.maxListItems} items`);
  return list;
}

/**
 * A record value (JSON) → an expression value, guided by the declared type: number-typed fields
 * read decimal text and money's `{ amount }`; other objects read as null. Only own properties are read.
 */
export function fromJson(value: JsonValue | undefined, type: ExprType, name: string): ExprValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EvaluationError(`${name} is not a finite number`);
    return decimal(value);
  }
  if (typeof value === 'string') {
    if (type !== 'number') return value;
    const parsed = parseDecimal(value);
    if (!parsed) throw new EvaluationError(`${name} is not a number: ${JSON.stringify(value.slice(0, 40))}`);
    return parsed;
  }
  if (Array.isArray(value)) {
    if (value.length > EXPRESSION_LIMITS.maxListItems) throw new EvaluationError(`${name} has more than ${EXPRESSION_LIMITS.maxListItems} items`);
    return value.map((item: JsonValue) => fromJson(item, 'any', name));
  }
  const record = value as { readonly [key: string]: JsonValue };
  if (Object.hasOwn(record, 'amount')) {
    const amount = record.amount;
    if (typeof amount === 'string' || typeof amount === 'number') return fromJson(amount, 'number', name);
  }
  // A consent reads as whether it is granted.
  if (Object.hasOwn(record, 'granted') && typeof record.granted === 'boolean') return record.granted;
  return null;
}

/** Big → canonical decimal text ("0.3", never exponent notation); lists recursively. */
export function toJson(value: ExprValue): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (isNumber(value)) return value.toFixed();
  return value.map(toJson);
}

/** null, false, 0, '' and the empty list are false; everything else is true. */
export function isTruthy(value: ExprValue): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (isNumber(value)) return !value.eq(0);
  return value.length > 0;
}

/** Equality without conversions: 1 == "1" is false; lists compare item by item. */
export function equals(a: ExprValue, b: ExprValue): boolean {
  if (a === null || b === null) return a === b;
  if (isNumber(a)) return isNumber(b) && a.eq(b);
  if (isList(a)) return isList(b) && a.length === b.length && a.every((item, i) => equals(item, b[i] ?? null));
  return a === b;
}

/** -1, 0 or 1 for two numbers or two texts (dates and datetimes compare as their ISO text). */
export function compare(a: ExprValue, b: ExprValue, operator: string): number {
  if (isNumber(a) && isNumber(b)) return a.cmp(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new EvaluationError(`${operator} cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** The text form used by `||` and concat(): numbers canonical, booleans true/false, null empty. */
export function asText(value: ExprValue, where: string): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isNumber(value)) return value.toFixed();
  throw new EvaluationError(`${where} cannot join a list as text`);
}

export function divide(a: Big, b: Big): Big {
  if (b.eq(0)) throw new EvaluationError('division by zero');
  if (a.eq(0)) return decimal(0);
  // Enough places for `divisionDigits` significant digits, truncated, then rounded half away from
  // zero once: truncating first makes the single rounding exact.
  const places = Math.max(0, EXPRESSION_LIMITS.divisionDigits + 1 - (a.e - b.e));
  Decimal.DP = Math.min(places, 1_000_000);
  try {
    return checked(new Decimal(a).div(b).prec(EXPRESSION_LIMITS.divisionDigits, Big.roundHalfUp));
  } finally {
    Decimal.DP = EXPRESSION_LIMITS.divisionDigits;
  }
}

/** Whole-number value of `n` within ±limit, or an error naming `where`. */
export function wholeNumber(n: ExprValue, where: string, limit: number): number {
  if (!isNumber(n) || !n.eq(n.round(0, Big.roundDown))) throw new EvaluationError(`${where} needs a whole number, not ${n === null ? 'empty' : isNumber(n) ? n.toFixed() : typeName(n)}`);
  if (n.abs().gt(limit)) throw new EvaluationError(`${where} needs a whole number from -${limit} to ${limit}`);
  return n.toNumber();
}

export function power(base: Big, exponent: number): Big {
  // Estimated before computing: a long base to a large power would take long to find out.
  const size = Math.abs(exponent) * Math.max(base.c.length, Math.abs(base.e) + 1);
  if (!base.eq(0) && size > EXPRESSION_LIMITS.maxDigits * 2) throw new EvaluationError(`^: the result would have more than ${EXPRESSION_LIMITS.maxDigits} digits`);
  if (exponent >= 0) return checked(base.pow(exponent));
  if (base.eq(0)) throw new EvaluationError('division by zero');
  return divide(decimal(1), checked(base.pow(-exponent)));
}
