/**
 * Deterministic benchmark data: the `contact` entity document, contact number `i` of a series, the
 * UUIDv7-looking ids of the COPY-filled rows, and the search text computed the way
 * `peyvand.search_text` (migrations/0001-system-tables.ts) computes it.
 */
import { entity, type EntityDoc } from '../support/packs.ts';

export const STAGES = ['lead', 'prospect', 'qualified', 'customer', 'churned'] as const;
export const COUNTRIES = ['IR', 'DE', 'US', 'GB', 'FR', 'TR', 'AE', 'IN', 'CA', 'JP'] as const;
const FIRST = ['Sara', 'Reza', 'Maryam', 'Ali', 'Neda', 'Omid', 'Leila', 'Hossein', 'Anna', 'John', 'Maria', 'Peter', 'Yuki', 'Arjun', 'Fatima', 'Lucas'];
const LAST = ['Ahmadi', 'Karimi', 'Hosseini', 'Rahimi', 'Moradi', 'Schmidt', 'Smith', 'Garcia', 'Tanaka', 'Patel', 'Dubois', 'Yilmaz', 'Brown', 'Novak', 'Rossi', 'Kowalski'];
const CITIES = ['Tehran', 'Shiraz', 'Tabriz', 'Isfahan', 'Berlin', 'Hamburg', 'London', 'Paris', 'Istanbul', 'Dubai', 'Mumbai', 'Toronto', 'Tokyo', 'New York'];
const TAGS = ['vip', 'partner', 'newsletter', 'trade-show', 'referral', 'inbound', 'outbound', 'reseller'];
const WORDS = ['met', 'at', 'the', 'fair', 'asked', 'for', 'a', 'quote', 'follow', 'up', 'next', 'quarter', 'budget', 'approved', 'call', 'back', 'prefers', 'email', 'renewal', 'due'];

/** The 12 fields of the benchmark entity. */
export const CONTACT_PROPERTIES: Readonly<Record<string, Record<string, unknown>>> = {
  full_name: { type: 'string', maxLength: 200 },
  email: { type: 'string', format: 'email', 'x-unique': true },
  phone: { type: 'string', format: 'phone' },
  city: { type: 'string' },
  country: { type: 'string', enum: [...COUNTRIES] },
  stage: { type: 'string', enum: [...STAGES], 'x-index': true },
  score: { type: 'integer', minimum: 0, maximum: 100 },
  revenue: { type: 'string', format: 'decimal', 'x-scale': 2 },
  birthday: { type: 'string', format: 'date' },
  is_vip: { type: 'boolean' },
  tags: { type: 'array', items: { type: 'string' } },
  notes: { type: 'string', 'x-type': 'long_text' },
};

/** The entity document; `extra` names optional text fields added after the 12 (the nullable-add phase). */
export function contactEntity(name: string, extra: readonly string[] = []): EntityDoc {
  const properties: Record<string, unknown> = { ...CONTACT_PROPERTIES };
  for (const field of extra) properties[field] = { type: 'string' };
  return entity(name, properties, { required: ['full_name'], 'x-default-sort': [{ field: 'full_name', direction: 'asc' }] });
}

export interface Contact {
  full_name: string;
  email: string;
  phone: string | null;
  city: string | null;
  country: string | null;
  stage: string;
  score: number | null;
  revenue: string | null;
  birthday: string | null;
  is_vip: boolean;
  tags: string[] | null;
  notes: string | null;
}

/** 32-bit integer hash (lowbias32): the same input always gives the same output. */
export function hash32(x: number): number {
  let h = (x ^ 0x9e3779b9) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

function pick<T>(list: readonly T[], h: number): T {
  return list[h % list.length] as T;
}

/**
 * Contact number `i` of series `series` (a short tag such as `c` for COPY, `b` for bulkCreate):
 * the series keeps the unique emails of different phases apart.
 */
export function contact(i: number, series: string): Contact {
  const h = (k: number) => hash32(i * 16 + k);
  const first = pick(FIRST, h(1));
  const last = pick(LAST, h(2));
  const sparse = h(3) % 10; // some optional fields left empty
  const tagCount = h(4) % 3;
  const tags = tagCount === 0 ? null : [...new Set(Array.from({ length: tagCount }, (_, k) => pick(TAGS, hash32(h(5) + k))))];
  const noteLength = 6 + (h(8) % 10);
  const notes = sparse === 0 ? null : Array.from({ length: noteLength }, (_, k) => pick(WORDS, hash32(h(9) + k))).join(' ');
  const day = h(10) % 20_000; // 1950-01-01 + up to ~55 years
  return {
    full_name: `${first} ${last} ${i}`,
    email: `${first.toLowerCase()}.${series}${i}@example.com`,
    phone: sparse === 1 ? null : `+98912${String(h(11) % 10_000_000).padStart(7, '0')}`,
    city: sparse === 2 ? null : pick(CITIES, h(12)),
    country: pick(COUNTRIES, h(13)),
    stage: pick(STAGES, h(14)),
    score: sparse === 3 ? null : h(15) % 101,
    revenue: sparse === 4 ? null : `${h(6) % 1_000_000}.${String(h(7) % 100).padStart(2, '0')}`,
    birthday: sparse === 5 ? null : new Date(Date.UTC(1950, 0, 1) + day * 86_400_000).toISOString().slice(0, 10),
    is_vip: h(0) % 7 === 0,
    tags,
    notes,
  };
}

/** The record as the API takes it (optional fields left out rather than null). */
export function contactInput(i: number, series: string): Record<string, unknown> {
  const c = contact(i, series);
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null));
}

// ---- search text, as peyvand.search_text(concat_ws(' ', <searchable fields>)) ------------------

const SEARCH_FOLD: ReadonlyMap<string, string> = new Map([
  ['\u064A', '\u06CC'],
  ['\u0649', '\u06CC'],
  ['\u0643', '\u06A9'],
  ['\u0629', '\u0647'],
  ['\u0623', '\u0627'],
  ['\u0625', '\u0627'],
  ['\u0622', '\u0627'],
  ['\u0624', '\u0648'],
  ['\u200C', ' '],
  ['\u200D', ' '],
  ...[...'۰۱۲۳۴۵۶۷۸۹'].map((d, i) => [d, String(i)] as [string, string]),
  ...[...'٠١٢٣٤٥٦٧٨٩'].map((d, i) => [d, String(i)] as [string, string]),
]);
const SEARCH_DROP = new Set('\u0640\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0653\u0654\u0655\u0670');

let searchWhitespace = /\s+/g;

/**
 * What the deployed `peyvand.search_text` replaces with one space: whitespace runs as intended, or
 * what the function really does (run.ts probes it and picks the pattern that reproduces it).
 */
export function useSearchWhitespace(pattern: RegExp): void {
  searchWhitespace = pattern;
}

export function searchText(value: string): string | null {
  let folded = '';
  for (const ch of value.toLowerCase()) {
    if (SEARCH_DROP.has(ch)) continue;
    folded += SEARCH_FOLD.get(ch) ?? ch;
  }
  // btrim trims spaces only.
  const text = folded.replace(searchWhitespace, ' ').replace(/^ +| +$/g, '');
  return text === '' ? null : text;
}

/** The searchable fields of `contact` in field order: text, email, phone, text, long_text. */
export function contactSearch(c: Contact): string | null {
  const parts = [c.full_name, c.email, c.phone, c.city, c.notes].filter((v): v is string => v !== null);
  return parts.length > 0 ? searchText(parts.join(' ')) : null;
}

// ---- ids ---------------------------------------------------------------------------------------

const BASE_MS = Date.UTC(2024, 0, 1);

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** A UUIDv7-shaped id for COPY row `i`: the timestamp is 2024-01-01 plus `i` milliseconds, so ids are unique and ascending. */
export function copyId(i: number): string {
  const ts = hex(BASE_MS + i, 12);
  const a = hash32(i * 3 + 1);
  const b = hash32(i * 3 + 2);
  const c = hash32(i * 3 + 3);
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${hex(a & 0xfff, 3)}-${hex(8 | ((a >>> 12) & 3), 1)}${hex(b & 0xfff, 3)}-${hex(b >>> 12, 4)}${hex(c, 8)}`;
}

export function copyCreatedAt(i: number): string {
  return new Date(BASE_MS + i).toISOString();
}

// ---- rows for COPY and raw INSERT ----------------------------------------------------------------

/** Columns written by COPY and by the raw INSERT baselines, in order. */
export const ROW_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'created_by',
  'owner',
  'version',
  '_search',
  'full_name',
  'email',
  'phone',
  'city',
  'country',
  'stage',
  'score',
  'revenue',
  'birthday',
  'is_vip',
  'tags',
  'notes',
] as const;

export type RowValue = string | number | boolean | string[] | null;

export function rowValues(id: string, createdAt: string, actorId: string | null, c: Contact): RowValue[] {
  return [id, createdAt, createdAt, actorId, actorId, 1, contactSearch(c), c.full_name, c.email, c.phone, c.city, c.country, c.stage, c.score, c.revenue, c.birthday, c.is_vip, c.tags, c.notes];
}

function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

function copyArrayElement(value: string): string {
  return /^[A-Za-z0-9_.@+-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** One line of COPY text format. */
export function copyLine(values: readonly RowValue[]): string {
  return (
    values
      .map((v) => {
        if (v === null) return '\\N';
        if (typeof v === 'boolean') return v ? 't' : 'f';
        if (typeof v === 'number') return String(v);
        if (Array.isArray(v)) return copyText(`{${v.map(copyArrayElement).join(',')}}`);
        return copyText(v);
      })
      .join('\t') + '\n'
  );
}
