import { describe, expect, it } from 'vitest';
import type { SelectOption } from '../model/types.ts';
import type { Report } from './field-fixture.ts';
import { matchOption, readOptions } from './select-options.ts';

function read(values: string[], labels?: Record<string, Record<string, string> | string>) {
  const reports: Report[] = [];
  const options = readOptions({ values, labels, enumPath: '/enum', optionsPath: '/x-options', ctx: { report: (path, message) => reports.push({ path, message }) } });
  return { options, reports };
}

describe('readOptions', () => {
  it('labels each distinct value, en defaulting to the value', () => {
    expect(read(['a', 'b', 'a'], { b: { fa: 'ب', en: 'Bee' } }).options).toEqual([
      { value: 'a', label: { en: 'a' } },
      { value: 'b', label: { en: 'Bee', fa: 'ب' } },
    ]);
  });

  it('reports empty enums, duplicates, stray labels and bad label entries', () => {
    expect(read([]).reports).toEqual([{ path: '/enum', message: 'enum must list at least one value' }]);
    expect(read(['a'], { a: { fa: '' } }).reports).toEqual([{ path: '/x-options/a/fa', message: 'the fa label must be non-empty text' }]);
    expect(read(['a'], { a: 'A' }).reports.map((r) => r.path)).toEqual(['/x-options/a']);
  });
});

describe('matchOption', () => {
  const options: SelectOption[] = [
    { value: 'yes', label: { en: 'No way' } },
    { value: 'no', label: { en: 'Nope', fa: 'خیر' } },
  ];

  it('prefers values over labels', () => {
    expect(matchOption(options, 'no')).toBe('no');
    expect(matchOption(options, 'NO WAY')).toBe('yes');
  });

  it('matches Arabic spellings of Persian labels', () => {
    expect(matchOption(options, 'خير')).toBe('no');
    expect(matchOption(options, 'maybe')).toBeUndefined();
  });
});
