import { describe, expect, it } from 'vitest';
import { createPackAjv } from '../model/ajv.ts';
import type { JsonObject } from '../model/types.ts';
import { makeField } from './field-fixture.ts';
import { FIELD_TYPE_NAMES, type FieldTypeName } from './names.ts';
import { FIELD_TYPES, RECOGNITION_ORDER, fieldType, resolveFieldType } from './registry.ts';

const SAMPLES: Readonly<Record<FieldTypeName, JsonObject>> = {
  text: { type: 'string', maxLength: 120 },
  long_text: { type: 'string', 'x-type': 'long_text' },
  email: { type: 'string', format: 'email' },
  phone: { type: 'string', format: 'phone' },
  url: { type: 'string', format: 'url' },
  integer: { type: 'integer', minimum: 0 },
  decimal: { type: 'string', format: 'decimal', 'x-scale': 2 },
  money: { type: 'object', 'x-type': 'money', 'x-currencies': ['IRR', 'USD'] },
  percent: { type: 'string', format: 'decimal', 'x-type': 'percent' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  single_select: { type: 'string', enum: ['open', 'won'] },
  multi_select: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
  relation: { type: 'string', format: 'uuid', 'x-ref': 'company' },
  tags: { type: 'array', items: { type: 'string' } },
  auto_number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{000000}' },
  consent: { type: 'object', 'x-consent': 'sms' },
};

/** A CSV cell each type reads, for the check that parsed values pass the value schema. */
const CELLS: Readonly<Record<FieldTypeName, string>> = {
  text: 'Acme',
  long_text: 'line\nline',
  email: 'a@acme.ir',
  phone: '0912 345 6789',
  url: 'https://acme.ir',
  integer: '۱۲',
  decimal: '12.5',
  money: '12,500 USD',
  percent: '12.5%',
  boolean: 'yes',
  date: '2024-02-29',
  datetime: '2024-03-09T18:00:00+03:30',
  single_select: 'won',
  multi_select: 'a; b',
  relation: '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10',
  tags: 'x; y',
  auto_number: 'INV-000001',
  consent: 'yes; web form; 2026-01-02T10:00:00Z',
};

describe('FIELD_TYPES', () => {
  it('has a module for every type name, registered under its own name', () => {
    expect(Object.keys(FIELD_TYPES).sort()).toEqual([...FIELD_TYPE_NAMES].sort());
    for (const name of FIELD_TYPE_NAMES) expect(fieldType(name).name).toBe(name);
  });

  it('tries every type in the recognition order, once', () => {
    expect([...RECOGNITION_ORDER].sort()).toEqual([...FIELD_TYPE_NAMES].sort());
  });

  it('gives value schemas the platform Ajv compiles in strict mode, accepting parsed CSV values', () => {
    const ajv = createPackAjv();
    for (const name of FIELD_TYPE_NAMES) {
      const type = fieldType(name);
      const validate = ajv.compile(type.valueSchema(SAMPLES[name]));
      const parsed = type.parseCsv(makeField(type, SAMPLES[name]), CELLS[name]);
      expect(parsed.ok, name).toBe(true);
      if (parsed.ok) expect(validate(parsed.value), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      ajv.compile(type.filterValueSchema(makeField(type, SAMPLES[name])));
    }
  });

  it('never puts an x- keyword in a value schema', () => {
    for (const name of FIELD_TYPE_NAMES) {
      const text = JSON.stringify(fieldType(name).valueSchema(SAMPLES[name]));
      expect(text, name).not.toMatch(/"x-/);
    }
  });

  it('reads null back for an empty cell and prints null as an empty cell', () => {
    for (const name of FIELD_TYPE_NAMES) {
      const type = fieldType(name);
      const field = makeField(type, SAMPLES[name]);
      expect(type.parseCsv(field, '  '), name).toEqual({ ok: true, value: null });
      expect(type.printCsv(field, null), name).toBe('');
    }
  });

  it('puts the filtered column first, named after the field', () => {
    for (const name of FIELD_TYPE_NAMES) {
      const field = makeField(fieldType(name), SAMPLES[name], 'amount');
      expect(fieldType(name).columns(field)[0]?.name.startsWith('amount'), name).toBe(true);
    }
  });
});

describe('resolveFieldType', () => {
  it('picks the right type for each sample schema', () => {
    for (const name of FIELD_TYPE_NAMES) expect(resolveFieldType(SAMPLES[name]), name).toBe(name);
  });

  it('accepts an x-type that agrees with the inferred one', () => {
    expect(resolveFieldType({ type: 'string', format: 'email', 'x-type': 'email' })).toBe('email');
    expect(resolveFieldType({ type: 'string', enum: ['a'], 'x-type': 'single_select' })).toBe('single_select');
  });

  it('refuses floating-point numbers and says what to use instead', () => {
    const result = resolveFieldType({ type: 'number' });
    expect(result).toEqual({ error: expect.stringContaining('format: "decimal"') as string });
    expect(result).toEqual({ error: expect.stringContaining('type: "integer"') as string });
  });

  it('refuses an unknown x-type, naming the known ones', () => {
    const result = resolveFieldType({ type: 'string', 'x-type': 'rich_text' });
    expect(result).toEqual({ error: expect.stringContaining('unknown x-type "rich_text"') as string });
    expect(result).toEqual({ error: expect.stringContaining('long_text') as string });
  });

  it('refuses an x-type that contradicts the shape, showing the expected shape', () => {
    expect(resolveFieldType({ type: 'integer', 'x-type': 'money' })).toEqual({
      error: 'x-type "money" does not fit this schema: a money field is written { "type": "object", "x-type": "money" }',
    });
    expect(resolveFieldType({ type: 'string', 'x-type': 'email' })).toHaveProperty('error');
    expect(resolveFieldType({ type: 'string', format: 'email', 'x-type': 'long_text' })).toHaveProperty('error');
  });

  it('explains shapes it does not support', () => {
    const uri = resolveFieldType({ type: 'string', format: 'uri' });
    expect(uri).toEqual({ error: expect.stringMatching(/^no field type accepts type "string" with format "uri"\. Supported shapes: .*url \{ "type": "string", "format": "url" \}/) as string });
    expect(resolveFieldType({})).toEqual({ error: expect.stringContaining('no "type"') as string });
    expect(resolveFieldType({ type: ['string', 'null'] })).toEqual({ error: expect.stringContaining('"required"') as string });
    expect(resolveFieldType({ type: 'string', format: 'uuid' })).toHaveProperty('error');
  });
});
