import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
import { phoneField, toE164 } from './phone.ts';

const field = makeField(phoneField, { type: 'string', format: 'phone' }, 'mobile');

function parse(text: string) {
  return phoneField.parseCsv(field, text);
}

describe('phoneField', () => {
  it('recognises format phone only', () => {
    expect(phoneField.recognise({ type: 'string', format: 'phone' })).toBe(true);
    expect(phoneField.recognise({ type: 'string', format: 'email' })).toBe(false);
    expect(phoneField.recognise({ type: 'string' })).toBe(false);
  });

  it('validates with the phone format, dropping x- keywords', () => {
    expect(phoneField.valueSchema({ type: 'string', format: 'phone', 'x-default-country': '44', title: 'Mobile' })).toEqual({
      type: 'string',
      format: 'phone',
      title: 'Mobile',
    });
  });

  it('reads Iranian mobiles in the forms people write them', () => {
    for (const text of ['09123456789', '0912 345 6789', '0912-345-6789', '(0912) 345 6789', '۰۹۱۲۳۴۵۶۷۸۹', '٠٩١٢٣٤٥٦٧٨٩', '9123456789']) {
      expect(parse(text), text).toEqual({ ok: true, value: '+989123456789' });
    }
  });

  it('reads international forms', () => {
    expect(parse('+98 912 345 6789')).toEqual({ ok: true, value: '+989123456789' });
    expect(parse('0098 912 345 6789')).toEqual({ ok: true, value: '+989123456789' });
    expect(parse('+98 (0) 912 345 6789')).toEqual({ ok: true, value: '+989123456789' });
    expect(parse('989123456789')).toEqual({ ok: true, value: '+989123456789' });
    expect(parse('+1 (415) 555-2671')).toEqual({ ok: true, value: '+14155552671' });
    expect(parse('+44 20 7946 0958')).toEqual({ ok: true, value: '+442079460958' });
  });

  it('uses x-default-country for a leading single 0', () => {
    const uk = makeField(phoneField, { type: 'string', format: 'phone', 'x-default-country': '44' });
    expect(phoneField.parseCsv(uk, '020 7946 0958')).toEqual({ ok: true, value: '+442079460958' });
  });

  it('refuses what cannot be a phone number', () => {
    expect(parse('call me')).toEqual({
      ok: false,
      message: '"call me" is not a valid phone number (expected an international number such as +98 912 345 6789, or a local number starting with 0)',
    });
    expect(parse('123').ok).toBe(false);
    expect(parse('+0 123 456 789').ok).toBe(false);
    expect(parse('+98 912 345 6789 1234 56').ok).toBe(false);
    expect(parse('')).toEqual({ ok: true, value: null });
  });

  it('reports a malformed x-default-country', () => {
    expect(configureReports(phoneField, { type: 'string', format: 'phone', 'x-default-country': '+98' })).toHaveLength(1);
    expect(configureReports(phoneField, { type: 'string', format: 'phone', 'x-default-country': 98 })).toHaveLength(1);
    expect(configureReports(phoneField, { type: 'string', format: 'phone', 'x-default-country': '1' })).toEqual([]);
  });

  it('stores a text column and round-trips', () => {
    expect(phoneField.columns(field)).toEqual([{ name: 'mobile', sqlType: 'text' }]);
    expect(phoneField.fromRow(field, phoneField.toRow(field, '+989123456789'))).toBe('+989123456789');
    expect(phoneField.printCsv(field, '+989123456789')).toBe('+989123456789');
    expect(phoneField.searchable).toBe(true);
  });

  it('toE164 strips bidi marks pasted from right-to-left text', () => {
    expect(toE164('\u200E+98 912 345 6789\u200F', '98')).toBe('+989123456789');
  });
});
