/**
 * The Ajv instances. Record data: strict, no coercion, no `$data`, first error only, and every
 * `pattern` compiled by RE2 (linear time: an admin-written pattern cannot hang the server).
 * Pack files: all errors, so that a consultant sees every problem at once.
 */
import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';

export const DECIMAL_PATTERN = /^-?\d{1,28}(\.\d{1,10})?$/;
export const PHONE_PATTERN = /^\+[1-9]\d{6,14}$/;

function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** RE2 semantics for `pattern`; syntax RE2 lacks (backreferences, lookaround) fails to compile. */
function re2Engine(pattern: string, flags: string): { test: (s: string) => boolean; toString: () => string } {
  const re = RE2JS.compile(pattern);
  // Ajv caches compiled patterns by `toString()`: it must be unique per pattern.
  return { test: (s: string) => re.test(s), toString: () => `re2/${flags}/${pattern}` };
}
re2Engine.code = 're2js';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar day from year 1 on (PostgreSQL has no year 0; no rollover to the next month). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/** RFC 3339 date-time with a real calendar day, a valid time and an offset PostgreSQL accepts. */
export function isDateTime(value: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (!m || !isCalendarDate(m[1] ?? '')) return false;
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7]) {
    const offsetHours = Number(m[8]);
    const offsetMinutes = Number(m[9]);
    if (offsetHours > 14 || offsetMinutes > 59) return false;
  }
  return true;
}

function configure(ajv: Ajv2020): Ajv2020 {
  addFormats.default(ajv, ['email', 'uuid']);
  ajv.addFormat('date', isCalendarDate);
  ajv.addFormat('date-time', isDateTime);
  ajv.addFormat('decimal', DECIMAL_PATTERN);
  ajv.addFormat('phone', PHONE_PATTERN);
  ajv.addFormat('url', isHttpUrl);
  return ajv;
}

const common: Options = {
  strict: true,
  coerceTypes: false,
  $data: false,
  useDefaults: false,
  code: { regExp: re2Engine },
};

/** For record values: one error per validator (bounded work on hostile input). */
export function createRecordAjv(): Ajv2020 {
  return configure(new Ajv2020({ ...common, allErrors: false }));
}

/** For pack files: every problem, so a consultant fixes them in one go. */
export function createPackAjv(): Ajv2020 {
  // `discriminator`: a trigger or action reports the problems of its own kind, not of every kind.
  return configure(new Ajv2020({ ...common, allErrors: true, discriminator: true }));
}

/** Checks that RE2 accepts a pattern; returns a message when it does not. */
export function patternProblem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (error) {
    return `pattern ${JSON.stringify(pattern)} is not supported (${(error as Error).message}); backreferences and lookaround are not allowed`;
  }
}

/** An Ajv error in plain words. */
export function describeAjvError(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown keyword or property "${String(p.additionalProperty)}" is not allowed here`;
    case 'required':
      return `"${String(p.missingProperty)}" is required`;
    case 'type':
      return `must be of type ${String(p.type)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `does not match the expected form ${String(p.pattern)}`;
    case 'format':
      return `is not a valid ${String(p.format)}`;
    case 'maxLength':
      return `is longer than ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `is shorter than ${String(p.limit)} characters`;
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'maxItems':
      return `has more than ${String(p.limit)} items`;
    case 'minItems':
      return `has fewer than ${String(p.limit)} items`;
    case 'uniqueItems':
      return `has duplicate items (${String(p.j)} and ${String(p.i)})`;
    case 'propertyNames':
      return `has an invalid property name "${String(p.propertyName)}"`;
    case 'maxProperties':
      return `has more than ${String(p.limit)} properties`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}
