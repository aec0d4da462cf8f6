/**
 * UI strings in English, Persian and Arabic. Messages are grouped by area (messages/<area>.ts, each
 * with the three languages side by side); a key missing in fa/ar falls back to English, and the
 * type of `t` only accepts keys that exist in English.
 *
 *   t('fa', 'signin.title')                       // 'ورود'
 *   t('en', 'search.results', { query: 'Sara' })   // 'Search results for “Sara”'
 */
import type { LocalizedText } from '../model/types.ts';
import { LOCALES, type Locale } from './locales.ts';
import { shell } from './messages/shell.ts';
import { records } from './messages/records.ts';
import { designer } from './messages/designer.ts';
import { forms } from './messages/forms.ts';
import { workflows } from './messages/workflows.ts';
import { data } from './messages/data.ts';
import { packs } from './messages/packs.ts';
import { access } from './messages/access.ts';
import { security } from './messages/security.ts';
import { audit } from './messages/audit.ts';
import { privacy } from './messages/privacy.ts';

const AREAS = [shell, records, designer, forms, workflows, packs, data, access, security, audit, privacy] as const;

type EnglishOf<A> = A extends { en: infer E } ? keyof E : never;
export type MessageKey = EnglishOf<(typeof AREAS)[number]>;

const tables: Readonly<Record<Locale, Readonly<Record<string, string>>>> = Object.fromEntries(
  LOCALES.map((locale) => [locale, Object.assign({}, ...AREAS.map((area) => (area as Record<Locale, Record<string, string>>)[locale]))]),
) as Record<Locale, Record<string, string>>;

export function t(locale: Locale, key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  const text = tables[locale][key] ?? tables.en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A pack label in the user's language, falling back to English, then to the given name. */
export function localized(text: LocalizedText | null | undefined, locale: Locale, fallback = ''): string {
  if (!text) return fallback;
  return text[locale] ?? text.en ?? fallback;
}

export * from './locales.ts';
