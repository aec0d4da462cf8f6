/**
 * Days of a calendar as instants, for the audit filters: "from 1403/05/12 to 1403/05/14" in
 * Asia/Tehran is [the first instant of the 12th, the first instant of the 15th) there.
 *
 *   dayStart('2024-08-02', 'Asia/Tehran')   // 2024-08-01T20:30:00.000Z
 *   dayAfter('2024-08-02', 'Asia/Tehran')   // 2024-08-02T20:30:00.000Z
 */
import { CalendarDate, toZoned } from '@internationalized/date';
import { isValidDate } from '../../fields/calendar-date.ts';

function calendarDate(iso: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isValidDate(year, month, day) ? new CalendarDate(year, month, day) : null;
}

function start(date: CalendarDate, timeZone: string): Date | null {
  try {
    return toZoned(date, timeZone, 'earlier').toDate();
  } catch {
    return null;
  }
}

/** The first instant of a `YYYY-MM-DD` day in `timeZone`; null when either is not valid. */
export function dayStart(iso: string, timeZone: string): Date | null {
  const date = calendarDate(iso);
  return date ? start(date, timeZone) : null;
}

/** The first instant of the day after (the end, exclusive, of a range that includes the day). */
export function dayAfter(iso: string, timeZone: string): Date | null {
  const date = calendarDate(iso);
  return date ? start(date.add({ days: 1 }), timeZone) : null;
}
