import { describe, expect, it } from 'vitest';
import { emailField } from './email.ts';
import { makeField } from './field-fixture.ts';

const field = makeField(emailField, { type: 'string', format: 'email' }, 'email');

describe('emailField', () => {
  it('recognises format email only', () => {
    expect(emailField.recognise({ type: 'string', format: 'email' })).toBe(true);
    expect(emailField.recognise({ type: 'string' })).toBe(false);
    expect(emailField.recognise({ type: 'string', format: 'url' })).toBe(false);
  });

  it('validates with the email format', () => {
    expect(emailField.valueSchema({ type: 'string', format: 'email', maxLength: 200, 'x-unique': true })).toEqual({ type: 'string', format: 'email', maxLength: 200 });
  });

  it('is a searchable text column', () => {
    expect(emailField.columns(field)).toEqual([{ name: 'email', sqlType: 'text' }]);
    expect(emailField.filterKind).toBe('text');
    expect(emailField.searchable).toBe(true);
    expect(emailField.fromRow(field, emailField.toRow(field, 'a@b.io'))).toBe('a@b.io');
  });

  it('reads addresses, lower-casing only the domain', () => {
    expect(emailField.parseCsv(field, ' Sara.K@Example.COM ')).toEqual({ ok: true, value: 'Sara.K@example.com' });
    expect(emailField.parseCsv(field, 'mailto:info@acme.ir')).toEqual({ ok: true, value: 'info@acme.ir' });
    expect(emailField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('refuses what is not an address', () => {
    const result = emailField.parseCsv(field, 'sara at example');
    expect(result).toEqual({ ok: false, message: '"sara at example" is not a valid email address (expected name@example.com)' });
    expect(emailField.parseCsv(field, 'a@b').ok).toBe(false);
    expect(emailField.parseCsv(field, 'a@@b.com').ok).toBe(false);
  });
});
