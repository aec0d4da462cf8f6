import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { printList, splitListText, textArrayFromRow } from './list-text.ts';
import { tagsField } from './tags.ts';

describe('splitListText', () => {
  it('splits on ; , and ، and drops blanks', () => {
    expect(splitListText(' a ;b,, c،د ; ')).toEqual(['a', 'b', 'c', 'د']);
    expect(splitListText('   ')).toEqual([]);
  });
});

describe('printList', () => {
  it('joins with "; "', () => {
    expect(printList(['a', 'b'])).toBe('a; b');
    expect(printList(null)).toBe('');
  });
});

describe('textArrayFromRow', () => {
  it('copies a string array and refuses anything else', () => {
    const field = makeField(tagsField, { type: 'array', items: { type: 'string' } }, 'tags');
    const stored = ['a'];
    const read = textArrayFromRow(field, { tags: stored });
    expect(read).toEqual(['a']);
    expect(read).not.toBe(stored);
    expect(textArrayFromRow(field, {})).toBeNull();
    expect(() => textArrayFromRow(field, { tags: '{a}' })).toThrow(TypeError);
  });
});
