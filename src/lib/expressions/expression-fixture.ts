/** Test support: compile-and-evaluate in one call, results as JSON so that assertions read plainly. */
import type { JsonValue } from '../model/types.ts';
import { compileExpression } from './compile-expression.ts';
import { evaluate } from './evaluate.ts';
import type { EvaluateOptions, ExprType, ExprVars, ScopeSpec } from './types.ts';
import { toJson } from './values.ts';

export const SCOPE: ScopeSpec = {
  variables: { amount: 'number', probability: 'number', stage: 'text', name: 'text', closes_on: 'date', met_at: 'datetime', tags: 'list', active: 'boolean', note: 'text', price: 'number' },
  objects: { old: { stage: 'text', amount: 'number' }, user: { id: 'text', name: 'text', email: 'text' } },
};

export const VALUES: ExprVars = {
  variables: {
    amount: '1200.50',
    probability: 40,
    stage: 'won',
    name: 'Acme',
    closes_on: '2024-02-29',
    met_at: '2024-03-01T20:45:00.000Z',
    tags: ['vip', 'north'],
    active: true,
    note: null,
    price: { amount: '9.99', currency: 'USD' },
  },
  objects: { old: { stage: 'lead', amount: '1000' }, user: { id: 'u1', name: 'Sara', email: 'sara@example.com' } },
};

export function scopeWith(variables: Readonly<Record<string, ExprType>>): ScopeSpec {
  return { variables, objects: {} };
}

/** The compile error message, or throws when the source compiles. */
export function compileError(source: string, scope: ScopeSpec = SCOPE): string {
  const result = compileExpression(source, scope);
  if (result.ok) throw new Error(`expected ${JSON.stringify(source)} to be refused`);
  return result.issues.map((i) => i.message).join('; ');
}

export type Outcome = { readonly value: JsonValue } | { readonly error: string };

/** Compiles (must succeed) and evaluates; the value as JSON, or the evaluation error. */
export function run(source: string, options: EvaluateOptions & { readonly vars?: ExprVars; readonly scope?: ScopeSpec } = {}): Outcome {
  const compiled = compileExpression(source, options.scope ?? SCOPE);
  if (!compiled.ok) throw new Error(`${source}: ${compiled.issues.map((i) => i.message).join('; ')}`);
  const result = evaluate(compiled.expression, options.vars ?? VALUES, options);
  return result.ok ? { value: toJson(result.value) } : { error: result.error };
}

/** The value as JSON; throws with the error when evaluation fails. */
export function value(source: string, options: Parameters<typeof run>[1] = {}): JsonValue {
  const outcome = run(source, options);
  if ('error' in outcome) throw new Error(`${source}: ${outcome.error}`);
  return outcome.value;
}

/** The evaluation error; throws when evaluation succeeds. */
export function evalError(source: string, options: Parameters<typeof run>[1] = {}): string {
  const outcome = run(source, options);
  if ('value' in outcome) throw new Error(`expected ${source} to fail, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}
