import { describe, expect, it } from 'vitest';
import { lookupUrl, MAX_LOOKUP_RESULTS, parseLookupResults } from './lookup.ts';

describe('lookup', () => {
  it('appends the query to the prefix', () => {
    expect(lookupUrl('/e/company/lookup', 'پارس & co')).toBe('/e/company/lookup?q=%D9%BE%D8%A7%D8%B1%D8%B3%20%26%20co');
    expect(lookupUrl('/lookup?entity=company', 'a')).toBe('/lookup?entity=company&q=a');
  });

  it('keeps only well-formed results, capped', () => {
    expect(parseLookupResults({ id: 'x' })).toEqual([]);
    expect(parseLookupResults([{ id: 'a', title: '<b>A</b>' }, { id: 1 }, null, 'x', { id: 'b' }])).toEqual([
      { id: 'a', title: '<b>A</b>' },
      { id: 'b', title: 'b' },
    ]);
    expect(parseLookupResults(Array.from({ length: 80 }, (_, i) => ({ id: String(i), title: 't' })))).toHaveLength(MAX_LOOKUP_RESULTS);
  });
});
