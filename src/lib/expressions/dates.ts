/**
 * Calendar arithmetic on `YYYY-MM-DD` dates and ISO datetimes, by day numbers (days since
 * 1970-01-01) so that nothing depends on the process time zone. A datetime's calendar date is
 * taken in the evaluation's time zone (IANA name, default UTC).
 */
import { EvaluationError } from './values.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const MS_PER_DAY = 86_400_000;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function dayNumber({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function civilDate(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

export function formatDate({ year, month, day }: CivilDate, where: string): string {
  if (year < 1 || year > 9999) throw new EvaluationError(`${where}: the date falls outside the years 1 to 9999`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A valid `YYYY-MM-DD` → its parts; null when the text is not one (2024-02-30 is not). */
export function parseDate(text: string): CivilDate | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= daysInMonth(date.year, date.month) ? date : null;
}

/** An ISO 8601 datetime with a zone (`…Z` or `…+03:30`) → epoch milliseconds; null when not one. */
export function parseDateTime(text: string): number | null {
  const m = DATETIME.exec(text);
  if (!m || !parseDate(`${m[1]}-${m[2]}-${m[3]}`) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, calendar: 'gregory', numberingSystem: 'latn', year: 'numeric', month: 'numeric', day: 'numeric', era: 'short' });
    } catch {
      throw new EvaluationError(`unknown time zone ${JSON.stringify(timeZone)}`);
    }
    if (formatters.size >= 100) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date of an instant in a time zone. */
export function dateInZone(ms: number, timeZone: string): CivilDate {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - part('year') : part('year');
  return { year, month: part('month'), day: part('day') };
}

/** A date or datetime value → its calendar date (a datetime's in `timeZone`); null when neither. */
export function calendarDate(text: string, timeZone: string): CivilDate | null {
  const date = parseDate(text);
  if (date) return date;
  const ms = parseDateTime(text);
  return ms === null ? null : dateInZone(ms, timeZone);
}

export function addDaysToDateTime(text: string, days: number, where: string): string {
  const ms = parseDateTime(text);
  if (ms === null) throw new EvaluationError(`${where} needs a date or a datetime`);
  const shifted = new Date(ms + days * MS_PER_DAY);
  const year = shifted.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) throw new EvaluationError(`${where}: the date falls outside the years 1 to 9999`);
  return shifted.toISOString();
}

/**
 * Days from `today` to the next anniversary of `date` (0 on the day). 29 February is kept on
 * 28 February in years without it.
 */
export function daysToAnniversary(date: CivilDate, today: CivilDate): number {
  const on = (year: number): number => dayNumber({ year, month: date.month, day: Math.min(date.day, daysInMonth(year, date.month)) });
  const now = dayNumber(today);
  const thisYear = on(today.year);
  return thisYear >= now ? thisYear - now : on(today.year + 1) - now;
}
