/** The interface languages. Adding one: add it here and a column to every file in messages/. */
export const LOCALES = ['en', 'fa', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

export const CALENDARS = ['gregory', 'persian', 'islamic-umalqura'] as const;
export type CalendarName = (typeof CALENDARS)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function isCalendar(value: unknown): value is CalendarName {
  return typeof value === 'string' && (CALENDARS as readonly string[]).includes(value);
}

export function direction(locale: Locale): 'ltr' | 'rtl' {
  return locale === 'fa' || locale === 'ar' ? 'rtl' : 'ltr';
}

/** Iran uses the Solar Hijri calendar; Arab business uses the Gregorian one (Hijri on request). */
export function defaultCalendar(locale: Locale): CalendarName {
  return locale === 'fa' ? 'persian' : 'gregory';
}

export function defaultTimeZone(locale: Locale): string {
  return locale === 'fa' ? 'Asia/Tehran' : locale === 'ar' ? 'Asia/Riyadh' : 'UTC';
}

/** Language names shown in the language menu, each in its own language. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', fa: 'فارسی', ar: 'العربية' };
