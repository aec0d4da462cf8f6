import { describe, expect, it } from 'vitest';
import { parseDecimalText, readScale, scalePattern } from './decimal-text.ts';

describe('parseDecimalText', () => {
  it('normalises sign, leading zeros and digits', () => {
    expect(parseDecimalText('+007.50')).toEqual({ ok: true, value: '7.50' });
    expect(parseDecimalText('.5')).toEqual({ ok: true, value: '0.5' });
    expect(parseDecimalText('-0.00')).toEqual({ ok: true, value: '0.00' });
    expect(parseDecimalText('\u221212')).toEqual({ ok: true, value: '-12' });
    expect(parseDecimalText('۱٬۲۳۴٫۵')).toEqual({ ok: true, value: '1234.5' });
  });

  it('pads to the scale and refuses longer fractions', () => {
    expect(parseDecimalText('3', 2)).toEqual({ ok: true, value: '3.00' });
    expect(parseDecimalText('3', 0)).toEqual({ ok: true, value: '3' });
    expect(parseDecimalText('3.5', 0)).toMatchObject({ ok: false, reason: 'range', message: '"3.5" must be a whole number (no digits after the decimal point)' });
  });

  it('accepts thousands commas only in groups of three', () => {
    expect(parseDecimalText('1,234,567.5')).toEqual({ ok: true, value: '1234567.5' });
    expect(parseDecimalText('12,5')).toMatchObject({ ok: false, reason: 'syntax' });
    expect(parseDecimalText('1,2345')).toMatchObject({ ok: false, reason: 'syntax' });
  });

  it('refuses what Ajv decimal format would refuse', () => {
    expect(parseDecimalText('1'.repeat(29))).toMatchObject({ ok: false, reason: 'range' });
    expect(parseDecimalText('0.12345678901')).toMatchObject({ ok: false, reason: 'range' });
    for (const text of ['', '.', '-', '1e5', '1.2.3', 'NaN', '12 USD']) expect(parseDecimalText(text).ok, text).toBe(false);
  });
});

describe('readScale / scalePattern', () => {
  it('reads x-scale 0–10 only', () => {
    expect(readScale({ 'x-scale': 2 })).toBe(2);
    expect(readScale({ 'x-scale': 11 })).toBeUndefined();
    expect(readScale({ 'x-scale': 1.5 })).toBeUndefined();
    expect(readScale({})).toBeUndefined();
  });

  it('builds a pattern limiting fraction digits', () => {
    expect(new RegExp(scalePattern(3), 'u').test('1.123')).toBe(true);
    expect(new RegExp(scalePattern(3), 'u').test('1.1234')).toBe(false);
    expect(new RegExp(scalePattern(0), 'u').test('1.0')).toBe(false);
  });
});
