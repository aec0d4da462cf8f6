/**
 * Consent (رضایت / الموافقة) to be contacted on one channel, with where it was given and when:
 *
 *   "email_consent": { "type": "object", "x-consent": "email", "title": "Email consent" }
 *   value: { "granted": true, "source": "web form", "at": "2026-01-02T10:00:00.000Z" }
 *
 * Channels: `email` (send_email respects it), `sms` (send_sms respects it) and `phone` (shown
 * and filtered; no action calls yet). Stored like money, in columns: `<name>__granted` (boolean,
 * the one filtered and sorted on), `<name>__source` (text), `<name>__at` (timestamptz).
 *
 * Decisions:
 * - `null` means never asked. Null and `granted: false` both mean "no consent" to the actions.
 * - `at` is the server's: a value written without one is stamped with the write's time, and the
 *   generated form never lets a person type it (the widget posts only the box and the source).
 *   {@link settleConsent} is the write path's rule: on an update, an unchanged `granted` keeps the
 *   stored `at` whatever was sent and a changed one is stamped now; on a create (imports, seed data,
 *   the API carrying consent recorded elsewhere) a supplied `at` is kept unless it is in the future.
 * - CSV: `yes; web form; 2026-01-02T10:00:00.000Z` (granted; source; at), also `بله` / `نعم`,
 *   `no`, `خیر`, `لا`, and ؛ for ; — the last part is the time when it reads as one.
 * - Personal data: the source may name a person ("phone call with Sara"); an erasure blanks it to
 *   "[erased]" and keeps the state and its time, which are evidence of what was allowed.
 */
import { normaliseDigits } from '../locale/digits.ts';
import type { FieldModel, JsonValue } from '../model/types.ts';
import { parseDateTimeText } from './datetime.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, isJsonObject, pickKeywords, quote, readString } from './schema-keywords.ts';

export const CONSENT_CHANNELS = ['email', 'sms', 'phone'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

export const MAX_CONSENT_SOURCE = 200;

/** Form inputs beside the box (`<name>`, `<name>.present`): the source, and the state and time the form was loaded with. */
export const CONSENT_SOURCE_SUFFIX = '.source';
export const CONSENT_AT_SUFFIX = '.at';
export const CONSENT_WAS_SUFFIX = '.was';
export const ERASED_SOURCE = '[erased]';

export interface ConsentValue {
  readonly granted: boolean;
  readonly source?: string;
  readonly at?: string;
}

export function isConsentChannel(value: unknown): value is ConsentChannel {
  return typeof value === 'string' && (CONSENT_CHANNELS as readonly string[]).includes(value);
}

/** The channel a consent field is about (its `x-consent`), or null for any other field. */
export function consentChannel(field: FieldModel): ConsentChannel | null {
  if (field.type !== 'consent') return null;
  const channel = readString(field.schema, 'x-consent');
  return isConsentChannel(channel) ? channel : null;
}

/** A record value read as consent; anything else (null, a malformed value) is null. */
export function readConsent(value: JsonValue | null | undefined): ConsentValue | null {
  if (!isJsonObject(value) || typeof value.granted !== 'boolean') return null;
  return {
    granted: value.granted,
    ...(typeof value.source === 'string' ? { source: value.source } : {}),
    ...(typeof value.at === 'string' ? { at: value.at } : {}),
  };
}

function columnsOf(field: FieldModel) {
  return { granted: `${field.name}__granted`, source: `${field.name}__source`, at: `${field.name}__at` };
}

/** Yes/no words in English, Persian and Arabic (as boolean fields read them). */
const WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true], ['yes', true], ['1', true], ['granted', true], ['بله', true], ['نعم', true],
  ['false', false], ['no', false], ['0', false], ['refused', false], ['خیر', false], ['لا', false],
]);

function readWord(text: string): boolean | undefined {
  return WORDS.get(normaliseDigits(text.trim()).toLowerCase().replace(/\u064A/g, '\u06CC'));
}

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return typeof value === 'string' ? parseDateTimeText(value) : null;
}

/**
 * The write path's rule for `at` (see the module comment). `previous` is undefined on a create,
 * the stored value (possibly null) on an update; `now` is the write's time.
 */
export function settleConsent(next: JsonValue | null, previous: JsonValue | null | undefined, now: Date): JsonValue | null {
  const value = readConsent(next);
  if (value === null) return next;
  const stamp = now.toISOString();
  if (previous === undefined) {
    const supplied = value.at === undefined ? null : parseDateTimeText(value.at);
    return { ...value, at: supplied !== null && supplied <= stamp ? supplied : stamp };
  }
  const before = readConsent(previous);
  if (before !== null && before.granted === value.granted && before.at !== undefined) return { ...value, at: before.at };
  return { ...value, at: stamp };
}

/** `{ type: 'object', 'x-consent': 'email' | 'sms' | 'phone' }` (optionally `'x-type': 'consent'`). */
export const consentField = {
  name: 'consent',
  // Expressions read `granted` (see expressions/values.ts); a consent never asked for is null.
  expressionType: 'boolean',
  widget: 'consent',
  searchable: false,
  sortable: true,
  personal: true,
  settle: settleConsent,
  recognise: (schema) => schema.type === 'object' && hasXType(schema, 'consent', false) && isConsentChannel(schema['x-consent']),
  valueSchema: (schema) => ({
    ...pickKeywords(schema, []),
    type: 'object',
    properties: {
      granted: { type: 'boolean' },
      source: { type: 'string', maxLength: MAX_CONSENT_SOURCE },
      at: { type: 'string', format: 'date-time' },
    },
    required: ['granted'],
    additionalProperties: false,
  }),
  configure: (schema, ctx) => {
    if (!isConsentChannel(schema['x-consent'])) ctx.report('/x-consent', `x-consent must be one of ${CONSENT_CHANNELS.join(', ')}`);
    if (schema['x-unique'] === true) ctx.report('/x-unique', 'a consent field cannot be unique');
    return {};
  },
  columns: (field) => {
    const c = columnsOf(field);
    return [
      { name: c.granted, sqlType: 'boolean' },
      { name: c.source, sqlType: 'text' },
      { name: c.at, sqlType: 'timestamptz' },
    ];
  },
  // Without an `at` (the form, a client that leaves it to the server) the value is stamped now.
  toRow: (field, value) => {
    const c = columnsOf(field);
    const consent = readConsent(value);
    if (consent === null) return { [c.granted]: null, [c.source]: null, [c.at]: null };
    return { [c.granted]: consent.granted, [c.source]: consent.source ?? null, [c.at]: consent.at ?? new Date().toISOString() };
  },
  fromRow: (field, row) => {
    const c = columnsOf(field);
    const granted = row[c.granted];
    if (typeof granted !== 'boolean') return null;
    const source = row[c.source];
    const at = toIso(row[c.at]);
    return { granted, ...(typeof source === 'string' ? { source } : {}), ...(at !== null ? { at } : {}) };
  },
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const parts = shown.split(/[;\u061B]/).map((p) => p.trim());
    const granted = readWord(parts[0] ?? '');
    if (granted === undefined) {
      return { ok: false, message: `${quote(shown)} is not a consent (expected yes or no, then the source and the time, e.g. yes; web form; 2026-01-02T10:00:00Z)` };
    }
    let rest = parts.slice(1);
    let at: string | null = null;
    const last = rest.at(-1);
    if (last !== undefined && /^\d{4}-\d{2}-\d{2}/.test(normaliseDigits(last))) {
      at = parseDateTimeText(last);
      if (at === null) return { ok: false, message: `${quote(last)} is not a valid time (expected ISO 8601, e.g. 2026-01-02T10:00:00Z)` };
      rest = rest.slice(0, -1);
    }
    const source = rest.join('; ').trim();
    if (source.length > MAX_CONSENT_SOURCE) return { ok: false, message: `the consent source is longer than ${MAX_CONSENT_SOURCE} characters` };
    return { ok: true, value: { granted, ...(source !== '' ? { source } : {}), ...(at !== null ? { at } : {}) } };
  },
  printCsv: (_field, value) => {
    const consent = readConsent(value);
    if (consent === null) return '';
    return [consent.granted ? 'yes' : 'no', consent.source ?? '', consent.at ?? ''].join('; ').replace(/(; )+$/, '');
  },
  // Erasing keeps the state and its time; a source naming a person goes.
  erase: (_field, value) => {
    const consent = readConsent(value);
    if (consent === null) return null;
    return { granted: consent.granted, ...(consent.source !== undefined ? { source: ERASED_SOURCE } : {}), ...(consent.at !== undefined ? { at: consent.at } : {}) };
  },
  operators: ['eq', 'neq', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'boolean' }),
} satisfies FieldType;

