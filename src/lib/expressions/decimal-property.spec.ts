/** Property: evaluating random arithmetic over decimals gives what big.js gives directly. */
import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile-expression.ts';
import { evaluate } from './evaluate.ts';
import { toJson } from './values.ts';

type Tree = { readonly literal: string } | { readonly op: '+' | '-' | '*'; readonly left: Tree; readonly right: Tree } | { readonly neg: Tree };

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 8 }))
  .map(([negative, digits, scale]) => {
    const text = digits.toString().padStart(scale + 1, '0');
    const shown = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
    return negative ? `-${shown}` : shown;
  });

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    decimalText.map((literal) => ({ literal })),
    fc.record({ op: fc.constantFrom('+' as const, '-' as const, '*' as const), left: tie('tree'), right: tie('tree') }),
    tie('tree').map((inner) => ({ neg: inner })),
  ),
})).tree;

function source(t: Tree): string {
  if ('literal' in t) return `(${t.literal})`;
  if ('neg' in t) return `-(${source(t.neg)})`;
  return `(${source(t.left)} ${t.op} ${source(t.right)})`;
}

function direct(t: Tree): Big {
  if ('literal' in t) return new Big(t.literal);
  if ('neg' in t) return direct(t.neg).neg();
  const [a, b] = [direct(t.left), direct(t.right)];
  return t.op === '+' ? a.plus(b) : t.op === '-' ? a.minus(b) : a.times(b);
}

const scope = { variables: {}, objects: {} };

describe('decimal arithmetic', () => {
  it('+, - and * over random decimals equal big.js exactly', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const text = source(t);
        const compiled = compileExpression(text, scope);
        // Deep random trees may pass the nesting cap; those are refused, not miscomputed.
        if (!compiled.ok) return compiled.issues[0]?.message.includes('nested') === true || compiled.issues[0]?.message.includes('too long') === true;
        const result = evaluate(compiled.expression, { variables: {}, objects: {} });
        expect(result.ok).toBe(true);
        if (result.ok) expect(toJson(result.value)).toBe(direct(t).toFixed());
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('division equals big.js rounded to 20 significant digits, half away from zero', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        fc.pre(!new Big(b).eq(0));
        const compiled = compileExpression(`(${a}) / (${b})`, scope);
        if (!compiled.ok) throw new Error(compiled.issues[0]?.message);
        const result = evaluate(compiled.expression, { variables: {}, objects: {} });
        const B = Big();
        B.DP = 60;
        B.RM = Big.roundDown;
        const expected = new B(a).div(b).prec(20, Big.roundHalfUp).toFixed();
        expect(result.ok && toJson(result.value)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
