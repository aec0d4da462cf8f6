/**
 * Showing and reading numbers, money and dates in the user's language and calendar. Pure and
 * browser-safe: the same code renders on the server and in the form.
 *
 *   formatDecimal('fa', '12345678901234567890.12')             // '۱۲٬۳۴۵٬۶۷۸٬۹۰۱٬۲۳۴٬۵۶۷٬۸۹۰٫۱۲'
 *   formatMoney('fa', { amount: '1500000', currency: 'IRR' }, { toman: true }) // '۱۵۰٬۰۰۰ تومان'
 *   formatDate('fa', 'persian', '2024-08-02')                  // '۱۲ مرداد ۱۴۰۳'
 *   fromCalendarDate('persian', 1403, 12, 30)                  // '2025-03-20'
 *   normaliseNumberInput('۱۲٬۵۰۰٫۷۵')                           // '12500.75'
 *
 * Decimals and amounts arrive as strings and are formatted digit by digit: only the integer part
 * goes through Intl, and only as a BigInt, so no amount is ever rounded through a float.
 */
import { CalendarDate, GregorianCalendar, createCalendar, fromAbsolute, startOfWeek, toCalendar, type Calendar } from '@internationalized/date';
import { formatDate as isoDate, isValidDate } from '../fields/calendar-date.ts';
import { readConsent } from '../fields/consent.ts';
import type { FieldTypeName } from '../fields/names.ts';
import { normaliseDigits } from '../locale/digits.ts';
import type { FieldModel, JsonValue } from '../model/types.ts';
import { localized, t } from './index.ts';
import type { CalendarName, Locale } from './locales.ts';

export interface FormatContext {
  readonly locale: Locale;
  readonly calendar: CalendarName;
  readonly timeZone: string;
  /** Show IRR amounts in toman (rial / 10). */
  readonly toman?: boolean;
}

export interface Money {
  readonly amount: string;
  readonly currency: string;
}

export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DIGITS: Readonly<Record<Locale, string>> = {
  en: '0123456789',
  fa: '\u06F0\u06F1\u06F2\u06F3\u06F4\u06F5\u06F6\u06F7\u06F8\u06F9',
  ar: '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669',
};

/** ICU's plain `ar` uses Latin digits; Arabic-Indic ones must be asked for. */
const NUMBERING: Readonly<Record<Locale, string>> = { en: 'latn', fa: 'arabext', ar: 'arab' };

/** Region subtags only where they decide the first day of the week (Saturday in Iran). */
const WEEK_LOCALE: Readonly<Record<Locale, string>> = { en: 'en-US', fa: 'fa-IR', ar: 'ar-EG' };

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = locale + JSON.stringify(options);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { numberingSystem: NUMBERING[locale], ...options });
    numberFormats.set(key, format);
  }
  return format;
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(options);
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { numberingSystem: NUMBERING[locale], ...options });
    dateFormats.set(key, format);
  }
  return format;
}

/** ASCII digits → the locale's digits; everything else unchanged. `localiseDigits('fa', '1403/05/12')` → '۱۴۰۳/۰۵/۱۲'. */
export function localiseDigits(locale: Locale, text: string): string {
  const digits = DIGITS[locale];
  return text.replace(/[0-9]/g, (d) => digits[Number(d)] ?? d);
}

/**
 * A stored number as a number box shows it: the locale's digits and decimal separator, no
 * grouping (so that what is shown reads back unchanged). `formatNumberInput('fa', '12.5')` → '۱۲٫۵'.
 */
export function formatNumberInput(locale: Locale, text: string): string {
  return localiseDigits(locale, text).replace('.', decimalSeparator(locale));
}

export function formatNumber(locale: Locale, value: number | bigint): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return '';
  return numberFormat(locale, { maximumFractionDigits: 10 }).format(value);
}

interface DecimalParts {
  readonly negative: boolean;
  /** Digits without leading zeros ('0' for zero). */
  readonly integer: string;
  readonly fraction: string;
}

function decimalParts(text: string): DecimalParts | null {
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return null;
  return { negative: match[1] === '-', integer: (match[2] ?? '0').replace(/^0+(?=\d)/, ''), fraction: match[3] ?? '' };
}

function decimalSeparator(locale: Locale): string {
  return numberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/** The unsigned number in the locale's digits, grouping and decimal separator. */
function numberText(locale: Locale, parts: DecimalParts): string {
  const integer = numberFormat(locale, { maximumFractionDigits: 0 }).format(BigInt(parts.integer));
  return parts.fraction === '' ? integer : integer + decimalSeparator(locale) + localiseDigits(locale, parts.fraction);
}

/**
 * Intl's pattern for a sign and unit (currency symbol, percent sign, bidi marks) around our own
 * exact number text: a sample ±1 is formatted and its integer part replaced.
 */
function withPattern(format: Intl.NumberFormat, sample: number, negative: boolean, text: string): string {
  let placed = false;
  return format
    .formatToParts(negative ? -sample : sample)
    .map((part) => {
      if (part.type === 'integer') {
        if (placed) return '';
        placed = true;
        return text;
      }
      return part.type === 'group' || part.type === 'decimal' || part.type === 'fraction' ? '' : part.value;
    })
    .join('');
}

function isZero(parts: DecimalParts): boolean {
  return /^0*$/.test(parts.integer + parts.fraction);
}

/** An exact decimal string (`'-1234.50'`) in the locale's digits and separators; other text as given. */
export function formatDecimal(locale: Locale, decimal: string): string {
  const parts = decimalParts(decimal);
  if (!parts) return decimal;
  return withPattern(numberFormat(locale, { maximumFractionDigits: 0 }), 1, parts.negative && !isZero(parts), numberText(locale, parts));
}

/** "12.5" (the stored form of 12.5 %) → '12.5%', '۱۲٫۵٪'. Numbers are read the same way (12.5 → 12.5 %). */
export function formatPercent(locale: Locale, value: string | number): string {
  const parts = decimalParts(typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value);
  if (!parts) {
    return typeof value === 'number' && Number.isFinite(value) ? numberFormat(locale, { style: 'percent', maximumFractionDigits: 10 }).format(value / 100) : String(value);
  }
  const format = numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  return withPattern(format, 0.01, parts.negative && !isZero(parts), numberText(locale, parts));
}

/** Rial → toman: the decimal point moves one place left, exactly. */
function rialToToman(parts: DecimalParts): DecimalParts {
  const digits = parts.integer + parts.fraction;
  const cut = parts.integer.length - 1;
  const integer = (cut <= 0 ? '0' : digits.slice(0, cut)).replace(/^0+(?=\d)/, '');
  const fraction = (cut <= 0 ? '0'.repeat(-cut) + digits : digits.slice(cut)).replace(/0+$/, '');
  return { negative: parts.negative, integer, fraction };
}

function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().minimumFractionDigits ?? 2;
}

/**
 * An amount with its currency. IRR reads "… ریال" (or "… تومان" with `toman`, rial / 10);
 * other currencies follow Intl, with the fraction padded to the currency's minor unit
 * (12.5 USD → $12.50; KWD has three) and never cut.
 */
export function formatMoney(locale: Locale, money: Money, options: { readonly toman?: boolean } = {}): string {
  const parts = decimalParts(money.amount);
  if (!parts) return `${money.amount} ${money.currency}`;
  if (money.currency === 'IRR') {
    const shown = options.toman ? rialToToman(parts) : parts;
    const amount = withPattern(numberFormat(locale, { maximumFractionDigits: 0 }), 1, shown.negative && !isZero(shown), numberText(locale, shown));
    return t(locale, options.toman ? 'money.toman' : 'money.rial', { amount });
  }
  let format: Intl.NumberFormat;
  let minor: number;
  try {
    format = numberFormat(locale, { style: 'currency', currency: money.currency, minimumFractionDigits: 0, maximumFractionDigits: 0 });
    minor = currencyDigits(money.currency);
  } catch {
    return `${formatDecimal(locale, money.amount)} ${money.currency}`;
  }
  const padded = { ...parts, fraction: parts.fraction.padEnd(minor, '0') };
  return withPattern(format, 1, parts.negative && !isZero(parts), numberText(locale, padded));
}

/** The currency's name in the locale ('ریال ایران'), or the code when Intl does not know it. */
export function currencyName(locale: Locale, code: string): string {
  try {
    return new Intl.DisplayNames(locale, { type: 'currency' }).of(code) ?? code;
  } catch {
    return code;
  }
}

const calendars = new Map<CalendarName, Calendar>();
function calendarOf(name: CalendarName): Calendar {
  let calendar = calendars.get(name);
  if (!calendar) {
    calendar = createCalendar(name);
    calendars.set(name, calendar);
  }
  return calendar;
}

/** A stored `YYYY-MM-DD` as a Gregorian CalendarDate, or null when it is not a real day. */
function storedDate(iso: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isValidDate(year, month, day) ? new CalendarDate(year, month, day) : null;
}

/** `'2024-08-02'` in the Persian calendar → `{ year: 1403, month: 5, day: 12 }`; null when not a real date. */
export function toCalendarDate(iso: string, calendar: CalendarName): CalendarDay | null {
  const date = storedDate(iso);
  if (!date) return null;
  const converted = toCalendar(date, calendarOf(calendar));
  return { year: converted.year, month: converted.month, day: converted.day };
}

/**
 * A day in the given calendar → the stored `YYYY-MM-DD`, or null when the day does not exist
 * (Persian 1403/12/30 exists, 1402/12/30 does not: no rollover) or falls outside years 1–9999.
 */
export function fromCalendarDate(calendar: CalendarName, year: number, month: number, day: number): string | null {
  if (![year, month, day].every((n) => Number.isSafeInteger(n) && n >= 1) || year > 9999) return null;
  // The constructor clamps (1402/12/30 becomes 1402/12/29): a real day survives unchanged.
  const date = new CalendarDate(calendarOf(calendar), year, month, day);
  if (date.year !== year || date.month !== month || date.day !== day) return null;
  const gregorian = toCalendar(date, new GregorianCalendar());
  if (gregorian.era !== 'AD' || gregorian.year < 1 || gregorian.year > 9999) return null;
  return isoDate(gregorian.year, gregorian.month, gregorian.day);
}

/**
 * A date-only value as a calendar day: '2024-08-02' → 'August 2, 2024', '۱۲ مرداد ۱۴۰۳',
 * '٢٧ محرم ١٤٤٦ هـ'. Formatted at midnight UTC in UTC, so no time zone can move it a day.
 */
export function formatDate(locale: Locale, calendar: CalendarName, iso: string): string {
  const date = storedDate(iso);
  if (!date) return iso;
  return dateFormat(locale, { calendar, timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' }).format(date.toDate('UTC'));
}

/** The text a date input shows: '2024-08-02' → '۱۴۰۳/۰۵/۱۲' (fa, Persian); '' when not a date. */
export function formatDateInput(locale: Locale, calendar: CalendarName, iso: string): string {
  const day = toCalendarDate(iso, calendar);
  if (!day) return '';
  const text = `${String(day.year).padStart(4, '0')}/${String(day.month).padStart(2, '0')}/${String(day.day).padStart(2, '0')}`;
  return localiseDigits(locale, text);
}

/** An instant in the user's time zone and calendar; an unknown zone falls back to UTC. */
export function formatDateTime(locale: Locale, calendar: CalendarName, timeZone: string, iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const options = { calendar, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' } as const;
  try {
    return dateFormat(locale, { ...options, timeZone }).format(ms);
  } catch {
    return dateFormat(locale, { ...options, timeZone: 'UTC' }).format(ms);
  }
}

/**
 * The value of an `<input type="datetime-local">` for an instant, on the wall clock of `timeZone`:
 * '2024-03-09T11:00:00.000Z' in Asia/Tehran → '2024-03-09T14:30'. '' when it cannot be read.
 */
export function toDateTimeLocal(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  try {
    const zoned = fromAbsolute(ms, timeZone);
    const pad = (n: number) => String(n).padStart(2, '0');
    // Seconds only when there are some, so that saving an untouched form keeps them.
    const seconds = zoned.second === 0 ? '' : `:${pad(zoned.second)}`;
    return `${isoDate(zoned.year, zoned.month, zoned.day)}T${pad(zoned.hour)}:${pad(zoned.minute)}${seconds}`;
  } catch {
    return '';
  }
}

/** The months of a year in the calendar, in the locale: fa + persian → ['فروردین', …, 'اسفند']. */
export function monthNames(locale: Locale, calendar: CalendarName): string[] {
  const cal = calendarOf(calendar);
  const year = toCalendar(new CalendarDate(2024, 6, 1), cal).year;
  const reference = new CalendarDate(cal, year, 1, 1);
  const format = dateFormat(locale, { calendar, timeZone: 'UTC', month: 'long' });
  const count = cal.getMonthsInYear(reference);
  return Array.from({ length: count }, (_, i) => format.format(new CalendarDate(cal, year, i + 1, 1).toDate('UTC')));
}

/** Short weekday names from the locale's first day of the week (Saturday in fa and ar). */
export function weekdayNames(locale: Locale): string[] {
  const first = startOfWeek(new CalendarDate(2024, 8, 7), WEEK_LOCALE[locale]);
  const format = dateFormat(locale, { timeZone: 'UTC', weekday: 'short' });
  return Array.from({ length: 7 }, (_, i) => format.format(first.add({ days: i }).toDate('UTC')));
}

/** The locale to ask @internationalized/date for week layouts. */
export function weekLocale(locale: Locale): string {
  return WEEK_LOCALE[locale];
}

/**
 * What a person typed into a number box → plain ASCII number text: Persian and Arabic digits,
 * ٫ (decimal) and ٬ (thousands), spaces, bidi marks and the minus sign U+2212 are normalised;
 * thousands commas are dropped only when they group by three ("12,5" stays, and fails to parse).
 *
 *   normaliseNumberInput(' −۱٬۲۳۴٫۵ ') // '-1234.5'
 */
export function normaliseNumberInput(text: string): string {
  let s = normaliseDigits(text)
    .replace(/[\s\u061C\u200C-\u200F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/\u2212/g, '-')
    .replace(/^\+/, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) s = s.replaceAll(',', '');
  return s;
}

function isMoney(value: JsonValue | null): value is { readonly amount: string; readonly currency: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, JsonValue>).amount === 'string' && typeof (value as Record<string, JsonValue>).currency === 'string';
}

function strings(value: JsonValue | null): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function listSeparator(locale: Locale): string {
  return locale === 'en' ? ', ' : '\u060C ';
}

function optionLabel(field: FieldModel, value: string, locale: Locale): string {
  const option = field.options.find((o) => o.value === value);
  return option ? localized(option.label, locale, value) : value;
}

type Display = (field: FieldModel, value: JsonValue, ctx: FormatContext) => string;

const asText: Display = (_field, value) => (typeof value === 'string' ? value : '');
const asDecimal: Display = (_field, value, ctx) => (typeof value === 'string' ? formatDecimal(ctx.locale, value) : typeof value === 'number' ? formatNumber(ctx.locale, value) : '');

/** How each field type reads as text; `satisfies` makes a new type without an entry a compile error. */
const DISPLAY = {
  text: asText,
  long_text: asText,
  email: asText,
  phone: asText,
  url: asText,
  auto_number: asText,
  integer: (_field, value, ctx) => (typeof value === 'number' ? formatNumber(ctx.locale, value) : ''),
  decimal: asDecimal,
  percent: (_field, value, ctx) => (typeof value === 'string' || typeof value === 'number' ? formatPercent(ctx.locale, value) : ''),
  money: (_field, value, ctx) => (isMoney(value) ? formatMoney(ctx.locale, value, { toman: ctx.toman === true }) : ''),
  boolean: (_field, value, ctx) => (typeof value === 'boolean' ? t(ctx.locale, value ? 'common.yes' : 'common.no') : ''),
  date: (_field, value, ctx) => (typeof value === 'string' ? formatDate(ctx.locale, ctx.calendar, value.slice(0, 10)) : ''),
  datetime: (_field, value, ctx) => (typeof value === 'string' ? formatDateTime(ctx.locale, ctx.calendar, ctx.timeZone, value) : ''),
  single_select: (field, value, ctx) => (typeof value === 'string' ? optionLabel(field, value, ctx.locale) : ''),
  multi_select: (field, value, ctx) =>
    strings(value)
      .map((v) => optionLabel(field, v, ctx.locale))
      .join(listSeparator(ctx.locale)),
  // The caller looks up and shows the related record's title.
  relation: () => '',
  tags: (_field, value, ctx) => strings(value).join(listSeparator(ctx.locale)),
  // 'Yes (web form, 2 January 2026)'
  consent: (_field, value, ctx) => {
    const consent = readConsent(value);
    if (consent === null) return '';
    const details = [consent.source ?? '', consent.at ? formatDate(ctx.locale, ctx.calendar, consent.at.slice(0, 10)) : ''].filter((d) => d !== '');
    const state = t(ctx.locale, consent.granted ? 'consent.granted' : 'consent.refused');
    return details.length > 0 ? `${state} (${details.join(listSeparator(ctx.locale))})` : state;
  },
} satisfies Record<FieldTypeName, Display>;

/** A record value as display text for any field type ('' for null). Plain text: escape it where it is shown. */
export function formatValue(field: FieldModel, value: JsonValue | null | undefined, ctx: FormatContext): string {
  if (value === null || value === undefined) return '';
  return DISPLAY[field.type](field, value, ctx);
}
