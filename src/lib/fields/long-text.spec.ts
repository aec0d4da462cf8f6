import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { longTextField } from './long-text.ts';

describe('longTextField', () => {
  it('is only chosen explicitly', () => {
    expect(longTextField.recognise({ type: 'string', 'x-type': 'long_text' })).toBe(true);
    expect(longTextField.recognise({ type: 'string' })).toBe(false);
    expect(longTextField.recognise({ type: 'integer', 'x-type': 'long_text' })).toBe(false);
  });

  it('validates as a plain string without the x-type', () => {
    expect(longTextField.valueSchema({ type: 'string', 'x-type': 'long_text', maxLength: 5000 })).toEqual({ type: 'string', maxLength: 5000 });
  });

  it('is a searchable, unsortable textarea over a text column', () => {
    const field = makeField(longTextField, { type: 'string', 'x-type': 'long_text' }, 'notes');
    expect(longTextField.widget).toBe('textarea');
    expect(longTextField.searchable).toBe(true);
    expect(longTextField.sortable).toBe(false);
    expect(longTextField.columns(field)).toEqual([{ name: 'notes', sqlType: 'text' }]);
    expect(longTextField.operators).toEqual(['contains', 'starts_with', 'is_null', 'eq', 'neq']);
  });

  it('keeps line breaks inside the text and round-trips it', () => {
    const field = makeField(longTextField, { type: 'string', 'x-type': 'long_text' }, 'notes');
    const parsed = longTextField.parseCsv(field, '\nline one\nline two\n');
    expect(parsed).toEqual({ ok: true, value: 'line one\nline two' });
    expect(longTextField.fromRow(field, longTextField.toRow(field, 'a\nb'))).toBe('a\nb');
    expect(longTextField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });
});
