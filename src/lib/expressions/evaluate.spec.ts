import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile-expression.ts';
import { evaluate } from './evaluate.ts';
import { evalError, SCOPE, value, VALUES } from './expression-fixture.ts';
import { isTruthy, toJson } from './values.ts';

describe('exact decimals', () => {
  it('adds, subtracts and multiplies exactly', () => {
    expect(value('0.1 + 0.2 == 0.3')).toBe(true);
    expect(value('0.1 + 0.2')).toBe('0.3');
    expect(value('1.1 * 1.1')).toBe('1.21');
    expect(value('0.3 - 0.1')).toBe('0.2');
    expect(value('12345678901234567890.12 + 0.01')).toBe('12345678901234567890.13');
  });

  it('divides to 20 significant digits, rounding half away from zero', () => {
    expect(value('1 / 3')).toBe('0.33333333333333333333');
    expect(value('2 / 3')).toBe('0.66666666666666666667');
    expect(value('-2 / 3')).toBe('-0.66666666666666666667');
    expect(value('10 / 4')).toBe('2.5');
    expect(value('100000000000000000000000 / 3')).toBe('33333333333333333333000');
    expect(value('0.000001 / 3')).toBe('0.00000033333333333333333333');
  });

  it('refuses division by zero instead of giving Infinity', () => {
    expect(evalError('1 / 0')).toBe('division by zero');
    expect(evalError('amount / (probability - 40)')).toBe('division by zero');
    expect(evalError('5 % 0')).toBe('division by zero (in %)');
  });

  it('reads number fields from JSON numbers, decimal text and money amounts', () => {
    expect(value('amount * probability / 100')).toBe('480.2');
    expect(value('price * 3')).toBe('29.97');
    expect(evalError('amount + 1', { vars: { variables: { amount: 'twelve' }, objects: {} } })).toBe('amount is not a number: "twelve"');
  });

  it('has remainder, unary minus and powers', () => {
    expect(value('7 % 3')).toBe('1');
    expect(value('-7 % 3')).toBe('-1');
    expect(value('-amount')).toBe('-1200.5');
    expect(value('+amount')).toBe('1200.5');
    expect(value('2 ^ 10')).toBe('1024');
    expect(value('2 ^ -2')).toBe('0.25');
    expect(value('1.5 ^ 2')).toBe('2.25');
    expect(evalError('2 ^ amount')).toBe('^ needs a whole number, not 1200.5');
  });

  it('outputs canonical decimal text, never exponent notation', () => {
    expect(value('1e21 * 1')).toBe('1000000000000000000000');
    expect(value('1e-7 * 1')).toBe('0.0000001');
    expect(value('0 * -1')).toBe('0');
  });
});

describe('empty values', () => {
  it('compare with == and !=', () => {
    expect(value('note == null')).toBe(true);
    expect(value('note != null')).toBe(false);
    expect(value('stage == null')).toBe(false);
    expect(value('missing_is_null == null', { scope: { variables: { missing_is_null: 'text' }, objects: {} }, vars: { variables: {}, objects: {} } })).toBe(true);
  });

  it('make arithmetic empty and ordering false', () => {
    expect(value('amount + null')).toBeNull();
    expect(value('note * 2', { scope: { variables: { note: 'number' }, objects: {} }, vars: { variables: { note: null }, objects: {} } })).toBeNull();
    expect(value('-note')).toBeNull();
    expect(value('note < 1')).toBe(false);
    expect(value('note >= 1')).toBe(false);
  });

  it('an empty object reads its members as empty', () => {
    expect(value('old.stage', { vars: { variables: {}, objects: { old: null } } })).toBeNull();
    expect(value('old.stage', { vars: { variables: {}, objects: {} } })).toBeNull();
  });
});

describe('comparison and logic', () => {
  it('compares numbers, text and dates', () => {
    expect(value('amount > 1000 and amount <= 1200.5')).toBe(true);
    expect(value('1.0 == 1')).toBe(true);
    expect(value('"b" > "a"')).toBe(true);
    expect(value('closes_on < "2024-03-01"')).toBe(true);
    expect(value('closes_on >= "2024-02-29"')).toBe(true);
  });

  it('does not convert between types', () => {
    expect(value('1 == "1"')).toBe(false);
    expect(value('true == 1')).toBe(false);
    expect(evalError('amount > "1"')).toBe('> cannot compare number with text');
    expect(evalError('active < true')).toBe('< cannot compare boolean with boolean');
  });

  it('compares lists item by item', () => {
    expect(value('tags == ["vip", "north"]')).toBe(true);
    expect(value('tags != ["north", "vip"]')).toBe(true);
  });

  it('has and, or, not and the ternary, evaluating only what it needs', () => {
    expect(value('stage == "won" and not active')).toBe(false);
    expect(value('stage == "lost" or active')).toBe(true);
    expect(value('false and 1 / 0 == 1')).toBe(false);
    expect(value('true or 1 / 0 == 1')).toBe(true);
    expect(value('active ? "yes" : 1 / 0')).toBe('yes');
    expect(value('not note')).toBe(true);
    expect(value('stage != old.stage and amount > old.amount')).toBe(true);
  });

  it('in looks in a list, and an empty list holds nothing', () => {
    expect(value('stage in ["won", "lost"]')).toBe(true);
    expect(value('"vip" in tags')).toBe(true);
    expect(value('"south" in tags')).toBe(false);
    expect(value('1 in [1.0, 2]')).toBe(true);
    expect(value('"x" in []')).toBe(false);
    expect(value('"x" in note', { scope: { variables: { note: 'list' }, objects: {} }, vars: { variables: { note: null }, objects: {} } })).toBe(false);
    expect(evalError('"x" in stage')).toBe('in needs a list on its right, not text');
  });

  it('|| joins text, with numbers in canonical form', () => {
    expect(value('name || " – " || amount')).toBe('Acme – 1200.5');
    expect(value('name || note')).toBe('Acme');
    expect(evalError('name || tags')).toBe('|| cannot join a list as text');
  });

  it('reports type errors by operator', () => {
    expect(evalError('name + 1')).toBe('+ needs numbers, not text and a number (to join text, use || or concat())');
    expect(evalError('active * 2')).toBe('* needs numbers, not a boolean and a number');
    expect(evalError('-name')).toBe('- needs a number, not text');
  });
});

describe('evaluate', () => {
  it('never throws, whatever the values', () => {
    const compiled = compileExpression('amount + 1', SCOPE);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, { variables: { amount: Number.NaN }, objects: {} })).toEqual({ ok: false, error: 'amount is not a finite number' });
    expect(evaluate(compiled.expression, null as never)).toMatchObject({ ok: false });
    expect(evaluate(compiled.expression, VALUES, { now: new Date('nonsense') })).toEqual({ ok: false, error: 'the evaluation time is not a valid date' });
  });

  it('returns Big numbers', () => {
    const compiled = compileExpression('amount', SCOPE);
    if (!compiled.ok) throw new Error('did not compile');
    const result = evaluate(compiled.expression, VALUES);
    expect(result.ok && result.value instanceof Big && result.value.eq('1200.5')).toBe(true);
  });
});

describe('toJson and isTruthy', () => {
  it('turns numbers into canonical text, lists recursively', () => {
    expect(toJson([new Big('0.30'), 'a', null, true, [new Big('1e3')]])).toEqual(['0.3', 'a', null, true, ['1000']]);
  });

  it('treats null, false, zero, empty text and empty lists as false', () => {
    expect([null, false, new Big(0), '', []].map(isTruthy)).toEqual([false, false, false, false, false]);
    expect([true, new Big('0.1'), 'x', ['']].map(isTruthy)).toEqual([true, true, true, true]);
  });
});
