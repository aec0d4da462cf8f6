/**
 * The month grid of the date picker, in any of the supported calendars: weeks start on the
 * locale's first day (Saturday in fa and ar), each day knows its stored `YYYY-MM-DD`.
 *
 *   monthGrid({ calendar: 'persian', locale: 'fa', year: 1403, month: 12 }).weeks.flat().filter(Boolean).length // 30
 */
import { CalendarDate, GregorianCalendar, createCalendar, getDayOfWeek, toCalendar, today } from '@internationalized/date';
import { formatDate as isoDate } from '../../fields/calendar-date.ts';
import { weekLocale } from '../../i18n/format.ts';
import type { CalendarName, Locale } from '../../i18n/locales.ts';

export interface GridDay {
  readonly day: number;
  /** The stored Gregorian `YYYY-MM-DD`. */
  readonly iso: string;
}

export interface YearMonth {
  readonly year: number;
  readonly month: number;
}

export interface MonthGrid extends YearMonth {
  /** Rows of seven cells; null pads the first and last week. */
  readonly weeks: readonly (readonly (GridDay | null)[])[];
}

function firstOfMonth(calendar: CalendarName, { year, month }: YearMonth): CalendarDate {
  return new CalendarDate(createCalendar(calendar), year, month, 1);
}

function toIso(date: CalendarDate): string {
  const g = toCalendar(date, new GregorianCalendar());
  return isoDate(g.year, g.month, g.day);
}

export function monthGrid(input: { readonly calendar: CalendarName; readonly locale: Locale } & YearMonth): MonthGrid {
  const first = firstOfMonth(input.calendar, input);
  const lead = getDayOfWeek(first, weekLocale(input.locale));
  const days = first.calendar.getDaysInMonth(first);
  const cells: (GridDay | null)[] = Array.from({ length: lead }, () => null);
  for (let day = 1; day <= days; day++) cells.push({ day, iso: toIso(first.set({ day })) });
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (GridDay | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return { year: first.year, month: first.month, weeks };
}

/** The day `days` (and `months`) away, in the same calendar. */
export function moveDay(calendar: CalendarName, from: YearMonth & { readonly day: number }, by: { readonly days?: number; readonly months?: number }): YearMonth & { day: number } {
  const date = new CalendarDate(createCalendar(calendar), from.year, from.month, from.day).add({ days: by.days ?? 0, months: by.months ?? 0 });
  return { year: date.year, month: date.month, day: date.day };
}

/** Today in the user's time zone, as a day of their calendar. */
export function calendarToday(calendar: CalendarName, timeZone: string): YearMonth & { day: number } {
  let now: CalendarDate;
  try {
    now = today(timeZone);
  } catch {
    now = today('UTC');
  }
  const date = toCalendar(now, createCalendar(calendar));
  return { year: date.year, month: date.month, day: date.day };
}
