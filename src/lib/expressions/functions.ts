/**
 * The functions an expression may call: this list and nothing else. Each gets its arguments as
 * thunks, so that if() and coalesce() evaluate only what they need; the others take them all.
 * Every function returns null for null input unless it says otherwise, and reports a wrong type
 * with an error naming itself.
 */
import Big from 'big.js';
import { calendarDate, civilDate, dateInZone, dayNumber, daysToAnniversary, formatDate, parseDate, addDaysToDateTime } from './dates.ts';
import type { ExprType, ExprValue } from './types.ts';
import { asText, checkText, compare, decimal, equals, EvaluationError, isList, isNumber, isTruthy, typeName, wholeNumber } from './values.ts';

export interface EvalContext {
  readonly nowMs: number;
  readonly timeZone: string;
}

export type Thunk = () => ExprValue;

export interface FunctionSpec {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The result type, from the argument types where it depends on them. */
  readonly result: ExprType | ((args: readonly ExprType[]) => ExprType);
  readonly call: (args: readonly Thunk[], ctx: EvalContext) => ExprValue;
}

const MANY = 100;
const MAX_DAY_SHIFT = 3_660_000;
const MAX_ROUND_DIGITS = 20;

function fail(name: string, message: string): never {
  throw new EvaluationError(`${name}(): ${message}`);
}

function needNumber(name: string, value: ExprValue): Big | null {
  if (value === null || isNumber(value)) return value;
  return fail(name, `needs a number, not ${article(value)}`);
}

function needText(name: string, value: ExprValue): string | null {
  if (value === null || typeof value === 'string') return value;
  return fail(name, `needs text, not ${article(value)}`);
}

function article(value: ExprValue): string {
  const type = typeName(value);
  return type === 'empty' ? 'an empty value' : type === 'text' ? 'text' : `a ${type}`;
}

function needDate(name: string, value: ExprValue, ctx: EvalContext) {
  if (value === null) return null;
  const date = typeof value === 'string' ? calendarDate(value, ctx.timeZone) : null;
  return date ?? fail(name, `needs a date or a datetime, not ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : article(value)}`);
}

/** A function of evaluated arguments. */
function eager(call: (args: ExprValue[], ctx: EvalContext) => ExprValue): FunctionSpec['call'] {
  return (thunks, ctx) => call(thunks.map((t) => t()), ctx);
}

function fixed(count: number, result: FunctionSpec['result'], call: (args: ExprValue[], ctx: EvalContext) => ExprValue): FunctionSpec {
  return { minArgs: count, maxArgs: count, result, call: eager(call) };
}

function numeric(name: string, op: (n: Big) => Big): FunctionSpec {
  return fixed(1, 'number', ([x]) => {
    const n = needNumber(name, x ?? null);
    return n === null ? null : decimal(op(n));
  });
}

/** The items min() and max() compare: their arguments, or the items of a single list argument. */
function extremes(name: string, args: ExprValue[], pick: (order: number) => boolean): ExprValue {
  const only = args.length === 1 ? args[0] : undefined;
  const items = only !== undefined && isList(only) ? only : args;
  let best: ExprValue = null;
  for (const item of items) {
    if (item === null) continue;
    if (!isNumber(item) && typeof item !== 'string') fail(name, `cannot compare ${article(item)}`);
    if (best === null) best = item;
    else {
      if (isNumber(best) !== isNumber(item)) fail(name, `cannot compare ${article(best)} with ${article(item)}`);
      if (pick(compare(item, best, `${name}()`))) best = item;
    }
  }
  return best;
}

function sameKind(types: readonly ExprType[]): ExprType {
  const known = types.filter((t) => t !== 'any');
  const first = known[0];
  return first !== undefined && known.length === types.length && known.every((t) => t === first) ? first : 'any';
}

export const FUNCTIONS = {
  // Dates
  today: fixed(0, 'date', (_args, ctx) => formatDate(dateInZone(ctx.nowMs, ctx.timeZone), 'today()')),
  now: fixed(0, 'datetime', (_args, ctx) => new Date(ctx.nowMs).toISOString()),
  days_between: fixed(2, 'number', ([a, b], ctx) => {
    const from = needDate('days_between', a ?? null, ctx);
    const to = needDate('days_between', b ?? null, ctx);
    return from === null || to === null ? null : decimal(dayNumber(to) - dayNumber(from));
  }),
  add_days: fixed(2, (args) => (args[0] === 'date' || args[0] === 'datetime' ? args[0] : 'any'), ([d, n], ctx) => {
    if (d === null || d === undefined || n === null || n === undefined) return null;
    const days = wholeNumber(n, 'add_days()', MAX_DAY_SHIFT);
    if (typeof d !== 'string') return fail('add_days', `needs a date or a datetime, not ${article(d)}`);
    const date = parseDate(d);
    if (date) return formatDate(civilDate(dayNumber(date) + days), 'add_days()');
    needDate('add_days', d, ctx);
    return addDaysToDateTime(d, days, 'add_days()');
  }),
  year: fixed(1, 'number', ([d], ctx) => {
    const date = needDate('year', d ?? null, ctx);
    return date === null ? null : decimal(date.year);
  }),
  month: fixed(1, 'number', ([d], ctx) => {
    const date = needDate('month', d ?? null, ctx);
    return date === null ? null : decimal(date.month);
  }),
  day: fixed(1, 'number', ([d], ctx) => {
    const date = needDate('day', d ?? null, ctx);
    return date === null ? null : decimal(date.day);
  }),
  birthday_in_days: fixed(1, 'number', ([d], ctx) => {
    const date = needDate('birthday_in_days', d ?? null, ctx);
    return date === null ? null : decimal(daysToAnniversary(date, dateInZone(ctx.nowMs, ctx.timeZone)));
  }),

  // Text
  lower: fixed(1, 'text', ([t]) => {
    const text = needText('lower', t ?? null);
    return text === null ? null : checkText(text.toLowerCase());
  }),
  upper: fixed(1, 'text', ([t]) => {
    const text = needText('upper', t ?? null);
    return text === null ? null : checkText(text.toUpperCase());
  }),
  contains: fixed(2, 'boolean', ([whole, part]) => {
    if (whole === null || whole === undefined) return false;
    if (isList(whole)) return whole.some((item) => equals(item, part ?? null));
    const text = needText('contains', whole);
    if (part === null || part === undefined) return false;
    if (typeof part !== 'string') return fail('contains', `looks for text in text, not for ${article(part)}`);
    return (text ?? '').includes(part);
  }),
  starts_with: fixed(2, 'boolean', ([t, prefix]) => {
    const text = needText('starts_with', t ?? null);
    const start = needText('starts_with', prefix ?? null);
    return text !== null && start !== null && text.startsWith(start);
  }),
  len: fixed(1, 'number', ([x]) => {
    if (x === null || x === undefined) return decimal(0);
    if (typeof x === 'string') return decimal([...x].length);
    if (isList(x)) return decimal(x.length);
    return fail('len', `needs text or a list, not ${article(x)}`);
  }),
  concat: { minArgs: 1, maxArgs: MANY, result: 'text', call: eager((args) => checkText(args.map((a) => asText(a, 'concat()')).join(''))) },

  // Math
  round: {
    minArgs: 1,
    maxArgs: 2,
    result: 'number',
    call: eager(([x, digits]) => {
      const n = needNumber('round', x ?? null);
      const places = digits === undefined ? 0 : wholeNumber(digits, 'round()', MAX_ROUND_DIGITS);
      return n === null ? null : decimal(n.round(places, Big.roundHalfUp));
    }),
  },
  floor: numeric('floor', (n) => n.round(0, n.s < 0 ? Big.roundUp : Big.roundDown)),
  ceil: numeric('ceil', (n) => n.round(0, n.s < 0 ? Big.roundDown : Big.roundUp)),
  abs: numeric('abs', (n) => n.abs()),
  min: { minArgs: 1, maxArgs: MANY, result: sameKind, call: eager((args) => extremes('min', args, (order) => order < 0)) },
  max: { minArgs: 1, maxArgs: MANY, result: sameKind, call: eager((args) => extremes('max', args, (order) => order > 0)) },

  // Logic
  if: {
    minArgs: 3,
    maxArgs: 3,
    result: (args) => sameKind(args.slice(1)),
    call: ([test, then, otherwise]) => (isTruthy(test?.() ?? null) ? (then?.() ?? null) : (otherwise?.() ?? null)),
  },
  coalesce: {
    minArgs: 1,
    maxArgs: MANY,
    result: sameKind,
    call: (args) => {
      for (const arg of args) {
        const value = arg();
        if (value !== null) return value;
      }
      return null;
    },
  },
  is_empty: fixed(1, 'boolean', ([x]) => x === null || x === undefined || x === '' || (isList(x) && x.length === 0)),
} satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as readonly FunctionName[];

/** Own names only: `toString`, `constructor` and the like are never functions. */
export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

export function functionSpec(name: FunctionName): FunctionSpec {
  return FUNCTIONS[name];
}
