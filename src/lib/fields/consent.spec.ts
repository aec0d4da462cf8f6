import { describe, expect, it } from 'vitest';
import { createPackAjv } from '../model/ajv.ts';
import { consentChannel, consentField, settleConsent } from './consent.ts';
import { configureReports, makeField } from './field-fixture.ts';
import { erasedValue, isPersonalField } from './personal-data.ts';
import { fieldType, resolveFieldType } from './registry.ts';
import { textField } from './text.ts';
import { moneyField } from './money.ts';
import { emailField } from './email.ts';

const schema = { type: 'object', 'x-consent': 'sms' } as const;
const field = makeField(consentField, schema, 'sms_consent');
const value = { granted: true, source: 'web form', at: '2026-01-02T10:00:00.000Z' };

describe('consentField', () => {
  it('is recognised by x-consent on an object, with a known channel', () => {
    expect(resolveFieldType(schema)).toBe('consent');
    expect(resolveFieldType({ type: 'object', 'x-type': 'consent', 'x-consent': 'email' })).toBe('consent');
    expect(consentField.recognise({ type: 'object', 'x-consent': 'fax' })).toBe(false);
    expect(consentField.recognise({ type: 'object' })).toBe(false);
    expect(consentChannel(field)).toBe('sms');
    expect(configureReports(consentField, { type: 'object', 'x-type': 'consent', 'x-consent': 'fax' })).toEqual([{ path: '/x-consent', message: 'x-consent must be one of email, sms, phone' }]);
  });

  it('validates { granted, source ≤ 200, at } and nothing else', () => {
    const validate = createPackAjv().compile(consentField.valueSchema(schema));
    expect(validate(value)).toBe(true);
    expect(validate({ granted: false })).toBe(true);
    expect(validate({ granted: 'yes' })).toBe(false);
    expect(validate({ source: 'web form' })).toBe(false);
    expect(validate({ granted: true, source: 'x'.repeat(201) })).toBe(false);
    expect(validate({ granted: true, at: 'yesterday' })).toBe(false);
    expect(validate({ granted: true, extra: 1 })).toBe(false);
  });

  it('stores granted, source and time in three columns, granted first, and reads them back', () => {
    expect(consentField.columns(field)).toEqual([
      { name: 'sms_consent__granted', sqlType: 'boolean' },
      { name: 'sms_consent__source', sqlType: 'text' },
      { name: 'sms_consent__at', sqlType: 'timestamptz' },
    ]);
    const row = consentField.toRow(field, value);
    expect(row).toEqual({ sms_consent__granted: true, sms_consent__source: 'web form', sms_consent__at: '2026-01-02T10:00:00.000Z' });
    expect(consentField.fromRow(field, { ...row, sms_consent__at: new Date('2026-01-02T10:00:00Z') })).toEqual(value);
    expect(consentField.toRow(field, null)).toEqual({ sms_consent__granted: null, sms_consent__source: null, sms_consent__at: null });
    expect(consentField.fromRow(field, { sms_consent__granted: null })).toBeNull();
  });

  it('stamps a value written without a time with the time of the write', () => {
    const before = new Date().toISOString();
    const at = consentField.toRow(field, { granted: true }).sms_consent__at;
    expect(typeof at === 'string' && at >= before).toBe(true);
  });

  it('round-trips CSV cells, in English, Persian and Arabic', () => {
    const cell = consentField.printCsv(field, value);
    expect(cell).toBe('yes; web form; 2026-01-02T10:00:00.000Z');
    expect(consentField.parseCsv(field, cell)).toEqual({ ok: true, value });
    expect(consentField.parseCsv(field, 'no')).toEqual({ ok: true, value: { granted: false } });
    expect(consentField.printCsv(field, { granted: false })).toBe('no');
    expect(consentField.parseCsv(field, 'بله؛ فرم وب؛ ۲۰۲۶-۰۱-۰۲T10:00:00Z')).toEqual({ ok: true, value: { granted: true, source: 'فرم وب', at: '2026-01-02T10:00:00.000Z' } });
    expect(consentField.parseCsv(field, 'لا; مكالمة')).toEqual({ ok: true, value: { granted: false, source: 'مكالمة' } });
    expect(consentField.parseCsv(field, 'yes; call; with Sara; 2026-01-02T10:00:00Z')).toEqual({ ok: true, value: { granted: true, source: 'call; with Sara', at: '2026-01-02T10:00:00.000Z' } });
    expect(consentField.parseCsv(field, '')).toEqual({ ok: true, value: null });
    expect(consentField.parseCsv(field, 'maybe').ok).toBe(false);
    expect(consentField.parseCsv(field, 'yes; web; 2026-02-30T10:00:00Z')).toEqual({ ok: false, message: '"2026-02-30T10:00:00Z" is not a valid time (expected ISO 8601, e.g. 2026-01-02T10:00:00Z)' });
    expect(consentField.parseCsv(field, `yes; ${'x'.repeat(201)}`).ok).toBe(false);
  });

  it('filters on granted: eq, neq and is_null with a boolean', () => {
    expect(consentField.operators).toEqual(['eq', 'neq', 'is_null']);
    expect(consentField.filterKind).toBe('scalar');
    expect(fieldType('consent').filterValueSchema(field)).toEqual({ type: 'boolean' });
  });
});

describe('settleConsent (the server owns `at`)', () => {
  const now = new Date('2026-03-01T09:00:00.000Z');
  it('keeps the stored time while granted is unchanged, whatever was sent', () => {
    expect(settleConsent({ granted: true, source: 'web form', at: '2020-01-01T00:00:00.000Z' }, value, now)).toEqual(value);
  });
  it('stamps a change of granted with the write time', () => {
    expect(settleConsent({ granted: false, source: 'phone call', at: '2020-01-01T00:00:00.000Z' }, value, now)).toEqual({ granted: false, source: 'phone call', at: now.toISOString() });
    expect(settleConsent({ granted: true }, null, now)).toEqual({ granted: true, at: now.toISOString() });
  });
  it('keeps a time carried in on a create unless it is in the future', () => {
    expect(settleConsent(value, undefined, now)).toEqual(value);
    expect(settleConsent({ granted: true, at: '2027-01-01T00:00:00Z' }, undefined, now)).toEqual({ granted: true, at: now.toISOString() });
    expect(settleConsent(null, value, now)).toBeNull();
  });
});

describe('personal data', () => {
  it('takes the type’s flag unless x-personal says otherwise; computed fields are never personal', () => {
    expect(isPersonalField(makeField(textField, { type: 'string' }, 'name'))).toBe(true);
    expect(isPersonalField(makeField(textField, { type: 'string', 'x-personal': false }, 'code'))).toBe(false);
    expect(isPersonalField(makeField(moneyField, { type: 'object', 'x-type': 'money' }, 'amount'))).toBe(false);
    expect(isPersonalField(makeField(moneyField, { type: 'object', 'x-type': 'money', 'x-personal': true }, 'salary'))).toBe(true);
    expect(isPersonalField(field)).toBe(true);
    expect(isPersonalField({ ...makeField(textField, { type: 'string' }, 'f'), computed: { kind: 'formula', expression: 'name' } })).toBe(false);
  });

  it('leaves null, or a placeholder that still validates when the field is required', () => {
    const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(erasedValue(makeField(textField, { type: 'string' }, 'name'), 'Sara', id)).toBeNull();
    expect(erasedValue({ ...makeField(textField, { type: 'string' }, 'name'), required: true }, 'Sara', id)).toBe('[erased]');
    expect(erasedValue({ ...makeField(emailField, { type: 'string', format: 'email' }, 'email'), required: true }, 'sara@example.com', id)).toBe(`erased+${id}@invalid.example`);
    expect(erasedValue(field, value, id)).toEqual({ granted: true, source: '[erased]', at: value.at });
    expect(erasedValue(field, null, id)).toBeNull();
  });
});
