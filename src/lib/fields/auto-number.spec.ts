import { describe, expect, it } from 'vitest';
import { autoNumberField, parseAutoNumberFormat } from './auto-number.ts';
import { configureReports, makeField } from './field-fixture.ts';
// Through the registry: the module's own toRow/filterValueSchema take fewer parameters than FieldType's.
import { fieldType } from './registry.ts';

const schema = { type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{000000}' } as const;
const field = makeField(autoNumberField, schema, 'number');

describe('autoNumberField', () => {
  it('is only chosen explicitly, on a string', () => {
    expect(autoNumberField.recognise(schema)).toBe(true);
    expect(autoNumberField.recognise({ type: 'string' })).toBe(false);
    expect(autoNumberField.recognise({ type: 'integer', 'x-type': 'auto_number' })).toBe(false);
  });

  it('validates a read-only string without the default', () => {
    expect(autoNumberField.valueSchema({ ...schema, title: 'Invoice no.', default: 'x' })).toEqual({ type: 'string', readOnly: true, title: 'Invoice no.' });
  });

  it('parses x-format into prefix and digits, read-only', () => {
    expect(field.autoNumber).toEqual({ prefix: 'INV-', digits: 6 });
    expect(field.readOnly).toBe(true);
    expect(parseAutoNumberFormat('{0}')).toEqual({ prefix: '', digits: 1 });
    expect(parseAutoNumberFormat('PO/2024.#_{000000000000}')).toEqual({ prefix: 'PO/2024.#_', digits: 12 });
  });

  it('refuses formats with bad prefixes, no zeros, too many zeros or trailing text', () => {
    for (const format of ['INV {000}', 'INV-{}', 'INV-{0000000000000}', 'INV-{000}-X', 'INV-{00a}', 'A'.repeat(21) + '{0}', 'فاکتور-{000}']) {
      expect(parseAutoNumberFormat(format), format).toBeNull();
    }
    const reports = configureReports(autoNumberField, { ...schema, 'x-format': 'INV-{000}-X' });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.path).toBe('/x-format');
    expect(reports[0]?.message).toContain('e.g. "INV-{000000}"');
    expect(configureReports(autoNumberField, { type: 'string', 'x-type': 'auto_number' })[0]?.message).toContain('x-format is missing');
  });

  it('has a text column it never writes: the database numbers records', () => {
    expect(autoNumberField.columns(field)).toEqual([{ name: 'number', sqlType: 'text' }]);
    expect(fieldType('auto_number').toRow(field, 'INV-000001')).toEqual({});
    expect(autoNumberField.fromRow(field, { number: 'INV-000001' })).toBe('INV-000001');
  });

  it('reads and prints its text', () => {
    expect(autoNumberField.parseCsv(field, ' INV-000001 ')).toEqual({ ok: true, value: 'INV-000001' });
    expect(autoNumberField.printCsv(field, 'INV-000001')).toBe('INV-000001');
    expect(autoNumberField.searchable).toBe(true);
    expect(autoNumberField.operators).toContain('starts_with');
  });
});
