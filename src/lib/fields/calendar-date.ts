/** Gregorian calendar dates as `YYYY-MM-DD` text, with no time zone anywhere near them. */

export function isValidDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  // Date.UTC rolls 2023-02-29 over to 03-01: a date is real when it survives the round trip.
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A Date's calendar day in UTC: the driver's midnight-UTC Dates must not shift a day. */
export function formatUtcDate(date: Date): string {
  return formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}
