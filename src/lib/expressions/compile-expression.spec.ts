import { describe, expect, it } from 'vitest';
import { compileCacheSize, compileExpression } from './compile-expression.ts';
import { compileError, SCOPE } from './expression-fixture.ts';
import { EXPRESSION_LIMITS } from './types.ts';

function compiled(source: string) {
  const result = compileExpression(source, SCOPE);
  if (!result.ok) throw new Error(result.issues[0]?.message);
  return result.expression;
}

describe('compileExpression', () => {
  it('lists the names an expression reads, in order, once each', () => {
    expect(compiled('stage != old.stage and amount > old.amount or stage == "won"').references).toEqual(['stage', 'old.stage', 'amount', 'old.amount']);
    expect(compiled('if(active, upper(name), user.email)').references).toEqual(['active', 'name', 'user.email']);
    expect(compiled('1 + 2').references).toEqual([]);
  });

  it('tells the result type where it can', () => {
    expect(compiled('amount * 2').resultType).toBe('number');
    expect(compiled('stage == "won"').resultType).toBe('boolean');
    expect(compiled('name || "x"').resultType).toBe('text');
    expect(compiled('today()').resultType).toBe('date');
    expect(compiled('add_days(closes_on, 1)').resultType).toBe('date');
    expect(compiled('add_days(met_at, 1)').resultType).toBe('datetime');
    expect(compiled('if(active, 1, 2)').resultType).toBe('number');
    expect(compiled('if(active, 1, "x")').resultType).toBe('any');
    expect(compiled('active ? name : stage').resultType).toBe('text');
    expect(compiled('coalesce(note, null)').resultType).toBe('any');
    expect(compiled('tags').resultType).toBe('list');
  });

  it('names the unknown field, and suggests a close one', () => {
    expect(compileError('stagee == "won"')).toBe('unknown field "stagee" (did you mean "stage"?)');
    expect(compileError('nothing_like_it > 1')).toBe('unknown field "nothing_like_it"');
    expect(compileError('old.stagee')).toBe('"stagee" is not a field of old (did you mean "stage"?)');
    expect(compileError('old')).toBe('"old" cannot be used on its own: name one of its fields, e.g. old.stage');
  });

  it('reports syntax errors', () => {
    expect(compileError('amount >')).toMatch(/^syntax error: /);
    expect(compileError('(amount')).toMatch(/^syntax error: /);
    expect(compileError('"unclosed')).toMatch(/^syntax error: /);
    expect(compileError('amount | 1')).toMatch(/^syntax error: /);
    expect(compileError('   ')).toBe('the expression is empty');
  });

  it('keeps number literals exact, whatever JavaScript floats make of them', () => {
    const exact = compileExpression('12345678901234567890.123456789 + .5 + 5. + 1.5e3 + old.amount', SCOPE);
    expect(exact.ok).toBe(true);
    // Digits inside names are not numbers; comments and strings are skipped as the parser skips them.
    expect(compileExpression('/* 3.3 */ "4.4" || name /* 5 */ + 0.1', SCOPE).ok).toBe(true);
  });

  it('caches compiled expressions by source and scope, bounded', () => {
    const first = compileExpression('amount + 41', SCOPE);
    expect(compileExpression('amount + 41', SCOPE)).toBe(first);
    expect(compileExpression('amount + 41', { ...SCOPE })).toBe(first);
    const otherScope = compileExpression('amount + 41', { variables: { amount: 'text' }, objects: {} });
    expect(otherScope).not.toBe(first);
    for (let i = 0; i < EXPRESSION_LIMITS.cacheSize + 10; i++) compileExpression(`amount + ${i}`, SCOPE);
    expect(compileCacheSize()).toBe(EXPRESSION_LIMITS.cacheSize);
  });

  it('freezes what it returns', () => {
    const expression = compiled('amount');
    expect(Object.isFrozen(expression)).toBe(true);
    expect(Object.isFrozen(expression.references)).toBe(true);
  });
});
