import { describe, expect, it } from 'vitest';
import { createRecordAjv, patternProblem } from './ajv.ts';

describe('record Ajv', () => {
  const ajv = createRecordAjv();

  it('runs each pattern on its own (compiled patterns are cached per pattern, not shared)', () => {
    const a = ajv.compile({ type: 'string', pattern: '^a+$' });
    const b = ajv.compile({ type: 'string', pattern: '^b+$' });
    expect(a('aaa')).toBe(true);
    expect(a('bbb')).toBe(false);
    expect(b('bbb')).toBe(true);
    expect(b('aaa')).toBe(false);
  });

  it('evaluates a catastrophic-backtracking pattern in linear time (RE2)', () => {
    const validate = ajv.compile({ type: 'string', pattern: '^(a+)+$' });
    // With backtracking this input would not finish within the test's timeout; RE2 takes milliseconds.
    expect(validate(`${'a'.repeat(100_000)}b`)).toBe(false);
  });

  it('refuses invalid calendar dates and accepts leap days', () => {
    const validate = ajv.compile({ type: 'string', format: 'date' });
    expect(validate('2023-02-29')).toBe(false);
    expect(validate('2024-02-29')).toBe(true);
    expect(validate('2024-04-31')).toBe(false);
    expect(validate('0000-01-01')).toBe(false);
    expect(validate('1900-02-29')).toBe(false);
    expect(validate('2000-02-29')).toBe(true);
  });

  it('accepts RFC 3339 date-times with a real day and an offset PostgreSQL takes', () => {
    const validate = ajv.compile({ type: 'string', format: 'date-time' });
    expect(validate('2024-02-29T23:59:59.123Z')).toBe(true);
    expect(validate('2024-02-29T10:00:00+03:30')).toBe(true);
    expect(validate('2024-02-30T10:00:00Z')).toBe(false);
    expect(validate('2024-01-01T10:00:00+20:00')).toBe(false);
    expect(validate('2024-01-01T24:00:00Z')).toBe(false);
    expect(validate('2024-01-01')).toBe(false);
  });

  it('accepts only exact decimals, E.164 phones and http(s) URLs', () => {
    const decimal = ajv.compile({ type: 'string', format: 'decimal' });
    expect(decimal('-12.50')).toBe(true);
    expect(decimal('1e5')).toBe(false);
    expect(decimal('0.1.2')).toBe(false);
    const phone = ajv.compile({ type: 'string', format: 'phone' });
    expect(phone('+989121234567')).toBe(true);
    expect(phone('09121234567')).toBe(false);
    const url = ajv.compile({ type: 'string', format: 'url' });
    expect(url('https://example.com/a')).toBe(true);
    expect(url('javascript:alert(1)')).toBe(false);
  });

  it('does not coerce types', () => {
    const validate = ajv.compile({ type: 'integer' });
    expect(validate('12')).toBe(false);
  });
});

describe('patternProblem', () => {
  it('refuses backreferences and lookaround, which RE2 cannot run', () => {
    expect(patternProblem('(a)\\1')).toMatch(/not supported/);
    expect(patternProblem('(?=a)b')).toMatch(/not supported/);
    expect(patternProblem('^[A-Z]{3}$')).toBeNull();
  });
});
