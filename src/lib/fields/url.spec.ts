import { describe, expect, it } from 'vitest';
import { makeField } from './field-fixture.ts';
import { urlField } from './url.ts';

const field = makeField(urlField, { type: 'string', format: 'url' }, 'website');

describe('urlField', () => {
  it('recognises format url only', () => {
    expect(urlField.recognise({ type: 'string', format: 'url' })).toBe(true);
    expect(urlField.recognise({ type: 'string', format: 'uri' })).toBe(false);
  });

  it('validates with the url format', () => {
    expect(urlField.valueSchema({ type: 'string', format: 'url', maxLength: 2000, 'x-open-in': 'tab' })).toEqual({ type: 'string', format: 'url', maxLength: 2000 });
  });

  it('reads http and https addresses', () => {
    expect(urlField.parseCsv(field, ' https://acme.ir/about?x=1 ')).toEqual({ ok: true, value: 'https://acme.ir/about?x=1' });
    expect(urlField.parseCsv(field, 'HTTP://Acme.ir')).toEqual({ ok: true, value: 'http://Acme.ir' });
    expect(urlField.parseCsv(field, 'www.acme.ir')).toEqual({ ok: true, value: 'https://www.acme.ir' });
  });

  it('refuses other schemes and non-addresses', () => {
    expect(urlField.parseCsv(field, 'ftp://acme.ir')).toEqual({
      ok: false,
      message: '"ftp://acme.ir" is not a valid web address (expected http:// or https:// followed by a domain, e.g. https://example.com)',
    });
    expect(urlField.parseCsv(field, 'javascript:alert(1)').ok).toBe(false);
    expect(urlField.parseCsv(field, 'not a url').ok).toBe(false);
    expect(urlField.parseCsv(field, 'https://' + 'a'.repeat(2050) + '.ir').ok).toBe(false);
    expect(urlField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('round-trips through its text column', () => {
    expect(urlField.columns(field)).toEqual([{ name: 'website', sqlType: 'text' }]);
    expect(urlField.fromRow(field, urlField.toRow(field, 'https://acme.ir'))).toBe('https://acme.ir');
    expect(urlField.printCsv(field, 'https://acme.ir')).toBe('https://acme.ir');
  });
});
