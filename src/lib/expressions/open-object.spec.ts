import { describe, expect, it } from 'vitest';
import { compileExpression, evaluate, OPEN_OBJECT, toJson, type ScopeSpec } from './index.ts';

const scope: ScopeSpec = { variables: {}, objects: { event: { [OPEN_OBJECT]: 'any' }, old: { stage: 'text' } } };

describe('open scope objects (an inbound webhook body)', () => {
  it('reads any plain member as an own property', () => {
    const compiled = compileExpression('concat(event.first, " ", event.last)', scope);
    if (!compiled.ok) throw new Error(compiled.issues[0]?.message);
    const result = evaluate(compiled.expression, { variables: {}, objects: { event: { first: 'Reza', last: 'Karimi' }, old: null } });
    expect(result.ok && toJson(result.value)).toBe('Reza Karimi');
    const missing = evaluate(compiled.expression, { variables: {}, objects: { event: {}, old: null } });
    expect(missing.ok && toJson(missing.value)).toBe(' ');
  });

  it('still refuses prototype names, calls on members and dots on closed objects', () => {
    for (const source of ['event.__proto__', 'event.constructor', 'event.prototype', 'event.name.length', 'event.toString()', 'old.anything']) {
      expect(compileExpression(source, scope).ok, source).toBe(false);
    }
  });

  it('does not find inherited properties at run time', () => {
    const compiled = compileExpression('is_empty(event.hasOwnProperty)', scope);
    if (!compiled.ok) throw new Error(compiled.issues[0]?.message);
    const result = evaluate(compiled.expression, { variables: {}, objects: { event: {}, old: null } });
    expect(result.ok && result.value).toBe(true);
  });
});
