import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
// Through the registry: the module's own toRow/filterValueSchema take fewer parameters than FieldType's.
import { fieldType } from './registry.ts';
import { moneyField } from './money.ts';

const schema = { type: 'object', 'x-type': 'money', 'x-currencies': ['IRR', 'USD'], 'x-default-currency': 'IRR' } as const;
const field = makeField(moneyField, schema, 'price');
const open = makeField(moneyField, { type: 'object', 'x-type': 'money' }, 'price');

describe('moneyField', () => {
  it('is only chosen explicitly, on an object', () => {
    expect(moneyField.recognise({ type: 'object', 'x-type': 'money' })).toBe(true);
    expect(moneyField.recognise({ type: 'object' })).toBe(false);
    expect(moneyField.recognise({ type: 'string', 'x-type': 'money' })).toBe(false);
  });

  it('validates { amount, currency } with the allowed currencies', () => {
    expect(moneyField.valueSchema({ ...schema, title: 'Price' })).toEqual({
      title: 'Price',
      type: 'object',
      properties: { amount: { type: 'string', format: 'decimal' }, currency: { type: 'string', enum: ['IRR', 'USD'] } },
      required: ['amount', 'currency'],
      additionalProperties: false,
    });
    expect(moneyField.valueSchema({ type: 'object', 'x-type': 'money' }).properties).toEqual({
      amount: { type: 'string', format: 'decimal' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    });
  });

  it('reports bad currency lists and a default outside them', () => {
    expect(configureReports(moneyField, { type: 'object', 'x-type': 'money', 'x-currencies': ['usd'] })).toEqual([
      { path: '/x-currencies', message: expect.stringContaining('three-letter currency codes') as string },
    ]);
    expect(configureReports(moneyField, { type: 'object', 'x-type': 'money', 'x-currencies': ['USD', 'USD'] })).toHaveLength(1);
    expect(configureReports(moneyField, { type: 'object', 'x-type': 'money', 'x-currencies': ['USD'], 'x-default-currency': 'EUR' })).toEqual([
      { path: '/x-default-currency', message: 'x-default-currency "EUR" is not one of x-currencies (USD)' },
    ]);
    expect(configureReports(moneyField, schema)).toEqual([]);
  });

  it('stores amount then currency, clears both with null, and reads back', () => {
    expect(moneyField.columns(field)).toEqual([
      { name: 'price__amount', sqlType: 'numeric' },
      { name: 'price__currency', sqlType: 'text' },
    ]);
    const row = moneyField.toRow(field, { amount: '12.50', currency: 'USD' });
    expect(row).toEqual({ price__amount: '12.50', price__currency: 'USD' });
    expect(moneyField.fromRow(field, row)).toEqual({ amount: '12.50', currency: 'USD' });
    expect(moneyField.toRow(field, null)).toEqual({ price__amount: null, price__currency: null });
    expect(moneyField.fromRow(field, { price__amount: null, price__currency: 'USD' })).toBeNull();
  });

  it('fills the currency column of converted values from the default or the only currency', () => {
    const money = fieldType('money');
    expect(money.fillConvertedColumns?.(field)).toEqual({ price__currency: 'IRR' });
    expect(money.fillConvertedColumns?.(makeField(moneyField, { type: 'object', 'x-type': 'money', 'x-currencies': ['USD'] }, 'price'))).toEqual({ price__currency: 'USD' });
    expect(money.fillConvertedColumns?.(open)).toBeNull();
  });

  it('reads amounts with the currency before or after, thousands commas and Persian digits', () => {
    expect(moneyField.parseCsv(field, '12.50 USD')).toEqual({ ok: true, value: { amount: '12.50', currency: 'USD' } });
    expect(moneyField.parseCsv(field, 'USD 12.50')).toEqual({ ok: true, value: { amount: '12.50', currency: 'USD' } });
    expect(moneyField.parseCsv(field, '12,500.00 usd')).toEqual({ ok: true, value: { amount: '12500.00', currency: 'USD' } });
    expect(moneyField.parseCsv(field, '۱۲٬۵۰۰ IRR')).toEqual({ ok: true, value: { amount: '12500', currency: 'IRR' } });
    expect(moneyField.parseCsv(field, '-3 USD')).toEqual({ ok: true, value: { amount: '-3', currency: 'USD' } });
  });

  it('uses x-default-currency for a bare amount, and refuses one without it', () => {
    expect(moneyField.parseCsv(field, '1500000')).toEqual({ ok: true, value: { amount: '1500000', currency: 'IRR' } });
    expect(moneyField.parseCsv(open, '12.50')).toEqual({
      ok: false,
      message: '"12.50" has no currency (expected an amount and a currency code, e.g. 12.50 USD)',
    });
  });

  it('refuses currencies outside x-currencies and malformed amounts', () => {
    expect(moneyField.parseCsv(field, '10 EUR')).toEqual({ ok: false, message: '"10 EUR" is in EUR, which this field does not accept (allowed: IRR, USD)' });
    expect(moneyField.parseCsv(field, '12,5 USD')).toEqual({ ok: false, message: '"12,5 USD" is not a valid amount (expected an amount and a currency code, e.g. 12.50 USD)' });
    expect(moneyField.parseCsv(field, 'USD').ok).toBe(false);
    expect(moneyField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('prints amount and currency, and filters the amount as a decimal', () => {
    expect(moneyField.printCsv(field, { amount: '12.50', currency: 'USD' })).toBe('12.50 USD');
    expect(moneyField.printCsv(field, null)).toBe('');
    expect(moneyField.filterKind).toBe('scalar');
    expect(fieldType('money').filterValueSchema(field)).toEqual({ type: 'string', format: 'decimal' });
  });
});
