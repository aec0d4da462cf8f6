/**
 * Enough of semantic versioning for packs: compare versions, and check a version against the
 * ranges `requires` may use — `*`, `1.2.3`, `1.2.x`, `^1.2.0`, `~1.2.0`, `>=1.2.0 <2.0.0`, `a || b`.
 *
 *   satisfies('1.4.0', '^1.2.0')   // true
 *   compareVersions('1.10.0', '1.9.0') > 0
 */
type Triple = readonly [number, number, number];

const RANGE_PART = /^(\^|~|>=|>|<=|<|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/;

export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return range
    .split('||')
    .map((r) => r.trim())
    .some((r) => satisfiesOne(v, r));
}

/** True when `range` is written in the syntax `satisfies` understands. */
export function isVersionRange(range: string): boolean {
  return range
    .split('||')
    .map((r) => r.trim())
    .every((r) => r === '*' || r === '' || r.split(/\s+/).every((part) => RANGE_PART.test(part)));
}

/** Negative when a < b, 0 when equal, positive when a > b; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (!x || !y) return a.localeCompare(b);
  const d = compare(x, y);
  if (d !== 0) return d;
  const [pa, pb] = [preRelease(a), preRelease(b)];
  if (pa === pb) return 0;
  if (pa === null) return 1;
  if (pb === null) return -1;
  return pa.localeCompare(pb, 'en', { numeric: true });
}

function satisfiesOne(v: Triple, range: string): boolean {
  if (range === '*' || range === '') return true;
  const parts = range.split(/\s+/).filter(Boolean);
  if (parts.length > 1) return parts.every((p) => satisfiesOne(v, p));
  const match = RANGE_PART.exec(range);
  if (!match) return false;
  const op = match[1] ?? '=';
  const r: [number, number, number] = [Number(match[2]), wildcard(match[3]), wildcard(match[4])];
  const cmp = compare(v, r.map((n) => (n < 0 ? 0 : n)) as [number, number, number]);
  switch (op) {
    case '^':
      return cmp >= 0 && (r[0] > 0 ? v[0] === r[0] : r[1] > 0 ? v[0] === 0 && v[1] === r[1] : v[0] === 0 && v[1] === 0 && v[2] === Math.max(r[2], 0));
    case '~':
      return cmp >= 0 && v[0] === r[0] && (r[1] < 0 || v[1] === r[1]);
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    case '<':
      return cmp < 0;
    default:
      return v[0] === r[0] && (r[1] < 0 || v[1] === r[1]) && (r[2] < 0 || v[2] === r[2]);
  }
}

function wildcard(part: string | undefined): number {
  return part === undefined || part === 'x' || part === '*' ? -1 : Number(part);
}

function parseVersion(version: string): Triple | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function preRelease(version: string): string | null {
  return /^\d+\.\d+\.\d+-([0-9A-Za-z.-]+)/.exec(version)?.[1] ?? null;
}

function compare(a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
