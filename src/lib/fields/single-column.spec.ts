import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { singleColumn, textFromRow } from './single-column.ts';
import { textField } from './text.ts';

describe('singleColumn', () => {
  const field = makeField(textField, { type: 'string' }, 'city');

  it('names the one column after the field and writes the value as is', () => {
    const { columns, toRow } = singleColumn('text');
    expect(columns(field)).toEqual([{ name: 'city', sqlType: 'text' }]);
    expect(toRow(field, 'Shiraz')).toEqual({ city: 'Shiraz' });
    expect(toRow(field, null)).toEqual({ city: null });
  });

  it('reads strings back, a missing column as null, and throws on other shapes', () => {
    expect(textFromRow(field, { city: 'Shiraz' })).toBe('Shiraz');
    expect(textFromRow(field, {})).toBeNull();
    expect(() => textFromRow(field, { city: 5 })).toThrow('column city (text) returned an unexpected number value');
  });
});
