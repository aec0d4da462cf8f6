/**
 * The relation picker's search: `${prefix}?q=<text>` answers JSON `[{ id, title }]`. The answer is
 * checked, not trusted: only well-formed items are kept, titles stay text.
 *
 *   lookupUrl('/e/company/lookup', 'پارس') // '/e/company/lookup?q=%D9%BE%D8%A7%D8%B1%D8%B3'
 */
export interface LookupResult {
  readonly id: string;
  readonly title: string;
}

export const MAX_LOOKUP_RESULTS = 50;

export function lookupUrl(prefix: string, query: string): string {
  return `${prefix}${prefix.includes('?') ? '&' : '?'}q=${encodeURIComponent(query)}`;
}

export function parseLookupResults(body: unknown): LookupResult[] {
  if (!Array.isArray(body)) return [];
  const results: LookupResult[] = [];
  for (const item of body) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, title } = item as { id?: unknown; title?: unknown };
    if (typeof id === 'string' && id !== '') results.push({ id, title: typeof title === 'string' && title !== '' ? title : id });
    if (results.length === MAX_LOOKUP_RESULTS) break;
  }
  return results;
}
