/**
 * A posted record form → record values, the way `validateRecord` takes them. Pure: the same
 * code reads `new FormData(form)` in the browser and `await request.formData()` on the server.
 *
 *   const { values, issues, version } = decodeForm(deal, await request.formData(), { calendar: 'persian', timeZone: 'Asia/Tehran' }, 'edit');
 *   const checked = validateRecord(deal, values, 'update');
 *
 * Input names (what the widgets in components/widgets post):
 *   <name>                      one value: text, number, select, relation id, date in the user's
 *                               calendar (YYYY/MM/DD or YYYY-MM-DD), datetime-local text, tags text
 *   <name>.amount, .currency    money
 *   <name> = "on", <name>.present   boolean: an unchecked box posts nothing, the marker says it was there
 *   <name> (repeated), .present multi-select checkboxes
 *   version                     the version the form was loaded with (edit)
 *
 * A field none of whose inputs were posted is left out. An empty input is `null` in 'edit' mode
 * (it clears the value) and left out in 'create' mode, where there is nothing to clear: then
 * `validateRecord` fills the default or reports the field as required.
 */
import { CalendarDateTime, toZoned } from '@internationalized/date';
import { isValidDate } from '../fields/calendar-date.ts';
import { CONSENT_AT_SUFFIX, CONSENT_SOURCE_SUFFIX, CONSENT_WAS_SUFFIX } from '../fields/consent.ts';
import { MAX_INTEGER_DIGITS, MAX_SCALE, parseDecimalText, readScale } from '../fields/decimal-text.ts';
import { parseIntegerText } from '../fields/integer.ts';
import { splitListText } from '../fields/list-text.ts';
import type { FieldTypeName } from '../fields/names.ts';
import { FIELD_TYPES } from '../fields/registry.ts';
import { readString, readStringArray } from '../fields/schema-keywords.ts';
import { fromCalendarDate, normaliseNumberInput } from '../i18n/format.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { CalendarName } from '../i18n/locales.ts';
import { normaliseDigits } from '../locale/digits.ts';
import type { EntityModel, FieldModel, JsonValue } from '../model/types.ts';
import type { FormMode } from './form-spec.ts';

/** What `FormData` offers; a test can pass a small stand-in. */
export interface FormDataLike {
  getAll(name: string): FormDataEntryValue[];
  get(name: string): FormDataEntryValue | null;
}

export interface DecodeContext {
  /** The calendar dates are typed in. */
  readonly calendar: CalendarName;
  /** The zone a datetime-local value is read in. */
  readonly timeZone: string;
}

export type ValidationMessageKey = Extract<MessageKey, `validation.${string}`>;
export type MessageParams = Readonly<Record<string, string | number>>;

/** An input that could not be read. `params.calendar` is a calendar id, localised when shown. */
export interface FormIssue {
  readonly field: string;
  readonly key: ValidationMessageKey;
  readonly params: MessageParams;
}

export interface DecodeResult {
  readonly values: Record<string, JsonValue | null>;
  readonly issues: readonly FormIssue[];
  /** The `version` hidden input as a number, or null when absent or not a version. */
  readonly version: number | null;
}

export const PRESENT_SUFFIX = '.present';
export const AMOUNT_SUFFIX = '.amount';
export const CURRENCY_SUFFIX = '.currency';
export const VERSION_INPUT = 'version';

type Decoded =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: JsonValue | null }
  | { readonly kind: 'issue'; readonly key: ValidationMessageKey; readonly params?: MessageParams };

type Decoder = (field: FieldModel, data: FormDataLike, ctx: DecodeContext) => Decoded;

const ABSENT: Decoded = { kind: 'absent' };
const EMPTY: Decoded = { kind: 'value', value: null };

function value(v: JsonValue | null): Decoded {
  return { kind: 'value', value: v };
}

function issue(key: ValidationMessageKey, params?: MessageParams): Decoded {
  return params ? { kind: 'issue', key, params } : { kind: 'issue', key };
}

/** One text input: undefined when not posted, null when a file came instead of text. */
function textInput(data: FormDataLike, name: string): string | null | undefined {
  const entry = data.get(name);
  if (entry === null) return undefined;
  return typeof entry === 'string' ? entry : null;
}

/** Reads one trimmed text input and hands a non-empty one to `parse`. */
function fromText(parse: (text: string, field: FieldModel, ctx: DecodeContext) => Decoded): Decoder {
  return (field, data, ctx) => {
    const text = textInput(data, field.name);
    if (text === undefined) return ABSENT;
    if (text === null) return issue('validation.invalid');
    const trimmed = text.trim();
    return trimmed === '' ? EMPTY : parse(trimmed, field, ctx);
  };
}

/** A field type's own CSV reader (phone → E.164, email, url, relation), with a localised message. */
function viaFieldType(key: ValidationMessageKey): Decoder {
  return fromText((text, field) => {
    const parsed = FIELD_TYPES[field.type].parseCsv(field, text);
    return parsed.ok ? value(parsed.value) : issue(key);
  });
}

function decimal(text: string, scale: number | undefined): Decoded {
  const parsed = parseDecimalText(normaliseNumberInput(text), scale);
  if (parsed.ok) return value(parsed.value);
  return parsed.reason === 'range' ? issue('validation.tooManyDigits', { integer: MAX_INTEGER_DIGITS, fraction: scale ?? MAX_SCALE }) : issue('validation.notNumber');
}

const DATE_TEXT = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$/;
const DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const INVISIBLE = /[\s\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export type CalendarDateTextResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: 'syntax' | 'calendar' };

/**
 * A date typed in the user's calendar → the stored `YYYY-MM-DD`: '۱۴۰۳/۰۵/۱۲' (persian) →
 * '2024-08-02'. `syntax`: not YYYY/MM/DD or YYYY-MM-DD; `calendar`: no such day in that calendar.
 */
export function parseCalendarDateText(text: string, calendar: CalendarName): CalendarDateTextResult {
  const match = DATE_TEXT.exec(normaliseDigits(text).replace(INVISIBLE, ''));
  if (!match) return { ok: false, reason: 'syntax' };
  const iso = fromCalendarDate(calendar, Number(match[1]), Number(match[3]), Number(match[4]));
  return iso === null ? { ok: false, reason: 'calendar' } : { ok: true, value: iso };
}

function calendarDate(text: string, ctx: DecodeContext): Decoded {
  const parsed = parseCalendarDateText(text, ctx.calendar);
  if (parsed.ok) return value(parsed.value);
  return parsed.reason === 'syntax' ? issue('validation.notDate') : issue('validation.notInCalendar', { calendar: ctx.calendar });
}

/** A datetime-local value, read as a wall-clock time in the user's zone → ISO 8601 in UTC. */
function localDateTime(text: string, ctx: DecodeContext): Decoded {
  const match = DATE_TIME_TEXT.exec(normaliseDigits(text).replace(/\u200E|\u200F/g, ''));
  if (!match) return issue('validation.notDateTime');
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return issue('validation.notDateTime');
  try {
    // 'compatible': a time skipped by a clock change moves forward, a repeated one takes the first.
    return value(toZoned(new CalendarDateTime(year, month, day, hour, minute, second), ctx.timeZone, 'compatible').toDate().toISOString());
  } catch {
    return issue('validation.notDateTime');
  }
}

function isPresent(data: FormDataLike, name: string): boolean {
  return data.get(name + PRESENT_SUFFIX) !== null || data.get(name) !== null;
}

const asText: Decoder = fromText((text) => value(text));

/** How each field type reads its inputs; `satisfies` makes a new type without an entry a compile error. */
const DECODERS = {
  text: asText,
  // Browsers post line breaks as CRLF; the stored text uses LF.
  long_text: fromText((text) => value(text.replace(/\r\n?/g, '\n'))),
  email: viaFieldType('validation.email'),
  phone: viaFieldType('validation.phone'),
  url: viaFieldType('validation.url'),
  relation: viaFieldType('validation.relation'),
  integer: fromText((text) => {
    const n = parseIntegerText(normaliseNumberInput(text));
    return n === null ? issue('validation.notInteger') : value(n);
  }),
  decimal: fromText((text, field) => decimal(text, readScale(field.schema))),
  percent: fromText((text, field) => {
    // The sign may sit on either side: right-to-left text often puts ٪ first.
    const number = text.replace(/^[%\u066A]\s*|\s*[%\u066A]$/g, '');
    return number === '' || /[%\u066A]/.test(number) ? issue('validation.notNumber') : decimal(number, readScale(field.schema));
  }),
  money: (field, data) => {
    const amount = textInput(data, field.name + AMOUNT_SUFFIX);
    const chosen = textInput(data, field.name + CURRENCY_SUFFIX);
    if (amount === undefined && chosen === undefined) return ABSENT;
    if (amount === null || chosen === null) return issue('validation.invalid');
    if ((amount ?? '').trim() === '') return EMPTY;
    const parsed = decimal(amount ?? '', undefined);
    if (parsed.kind !== 'value' || typeof parsed.value !== 'string') return parsed;
    const currency = (chosen ?? '').trim().toUpperCase() || readString(field.schema, 'x-default-currency');
    const allowed = readStringArray(field.schema, 'x-currencies');
    if (currency === undefined || !/^[A-Z]{3}$/.test(currency) || (allowed !== undefined && !allowed.includes(currency))) return issue('validation.currency');
    return value({ amount: parsed.value, currency });
  },
  boolean: (field, data) => {
    if (!isPresent(data, field.name)) return ABSENT;
    const entry = data.get(field.name);
    return value(entry === 'on' || entry === 'true' || entry === '1');
  },
  date: fromText((text, _field, ctx) => calendarDate(text, ctx)),
  datetime: fromText((text, _field, ctx) => localDateTime(text, ctx)),
  single_select: fromText((text, field) => (field.options.some((o) => o.value === text) ? value(text) : issue('validation.option'))),
  multi_select: (field, data) => {
    if (!isPresent(data, field.name)) return ABSENT;
    const chosen = data.getAll(field.name);
    if (chosen.some((entry) => typeof entry !== 'string' || !field.options.some((o) => o.value === entry))) return issue('validation.option');
    const values = [...new Set(chosen as string[])];
    return values.length === 0 ? EMPTY : value(values);
  },
  tags: fromText((text) => {
    const tags = [...new Set(splitListText(text.replace(/\u061B/g, ';')))];
    return tags.length === 0 ? EMPTY : value(tags);
  }),
  // Numbered by the database; never read from a form.
  auto_number: () => ABSENT,
  // The box and the source; `at` is the server's (fields/consent.ts): the stored one is posted back
  // only while the box keeps the state the form was loaded with, otherwise the write stamps it.
  consent: (field, data) => {
    if (!isPresent(data, field.name)) return ABSENT;
    const source = textInput(data, field.name + CONSENT_SOURCE_SUFFIX);
    const was = textInput(data, field.name + CONSENT_WAS_SUFFIX) ?? '';
    const at = textInput(data, field.name + CONSENT_AT_SUFFIX);
    if (source === null) return issue('validation.invalid');
    const granted = data.get(field.name) === 'on';
    const text = (source ?? '').trim();
    if (!granted && text === '' && was === '') return EMPTY;
    const keepsAt = was === String(granted) && typeof at === 'string' && at !== '';
    return value({ granted, ...(text !== '' ? { source: text } : {}), ...(keepsAt ? { at } : {}) });
  },
} satisfies Record<FieldTypeName, Decoder>;

function readVersion(data: FormDataLike): number | null {
  const text = textInput(data, VERSION_INPUT);
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(normaliseDigits(text.trim()))) return null;
  return Number(normaliseDigits(text.trim()));
}

/**
 * Reads every writable field of `entity` from `data`. Read-only fields are never read, whatever
 * was posted: the server refuses them anyway, and the form does not send them.
 */
export function decodeForm(entity: EntityModel, data: FormDataLike, ctx: DecodeContext, mode: FormMode): DecodeResult {
  const values: Record<string, JsonValue | null> = {};
  const issues: FormIssue[] = [];
  for (const field of entity.fields) {
    if (field.readOnly) continue;
    const decoded: Decoded = DECODERS[field.type](field, data, ctx);
    if (decoded.kind === 'issue') issues.push({ field: field.name, key: decoded.key, params: decoded.params ?? {} });
    else if (decoded.kind === 'value' && (decoded.value !== null || mode === 'edit')) values[field.name] = decoded.value;
  }
  return { values, issues, version: readVersion(data) };
}
