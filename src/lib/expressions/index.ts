/**
 * The expression language of workflow conditions, formula fields, validation rules and loyalty
 * rules. Browser-safe and pure.
 *
 *   const scope = scopeForEntity(deal, { withOld: true });
 *   const compiled = compileExpression('stage == "won" and old.stage != "won"', scope);
 *   if (!compiled.ok) return compiled.issues;                  // [{ message: 'unknown field "stagee"' }]
 *   const result = evaluate(compiled.expression, varsForRecord(deal, record, { old: before }));
 *   if (result.ok && isTruthy(result.value)) …;
 *
 * The language (expr-eval syntax, parsed by expr-eval-fork, checked and evaluated here):
 *
 * - Values: numbers (exact decimals, big.js), text in "…" or '…', true, false, null, lists [a, b].
 *   Dates are `YYYY-MM-DD` text, datetimes ISO 8601 text; they compare in time order.
 * - Names: the record's fields (and id, owner, created_by, created_at, updated_at, version);
 *   `old.<field>`, `user.<field>` and other scope objects with a dot. Nothing else takes a dot.
 * - Operators: + - * / % (decimal; / to 20 significant digits, rounded half away from zero;
 *   division by zero is an error), unary -, `^` with a whole exponent from -100 to 100,
 *   == != < <= > >= (no conversions: 1 == "1" is false; ordering with null is false),
 *   and, or, not, `c ? a : b`, `||` joins text, `x in list`.
 * - null: == and != compare it; arithmetic with it gives null; is_empty(null) is true.
 * - Truthiness (and, or, not, if, conditions): null, false, 0, "" and [] are false.
 * - Functions: see `functions.ts` — today, now, days_between, add_days, year, month, day,
 *   birthday_in_days, lower, upper, contains, starts_with, len, concat, round (half away from
 *   zero), floor, ceil, min, max, abs, if, coalesce, is_empty.
 * - Refused when compiling: unknown names and functions, assignment, function definitions, `;`,
 *   indexing with [ ], `!`, hexadecimal numbers; over 2000 characters, 500 parts or 40 levels.
 * - Refused when evaluating (an error, never an exception): wrong types, text over 10,000
 *   characters, lists over 1000 items, numbers over 1000 digits.
 */
export type { CompiledExpression, CompileResult, EvaluateOptions, EvaluateResult, ExprIssue, ExprType, ExprValue, ExprVars, ScopeSpec } from './types.ts';
export { EXPRESSION_LIMITS } from './types.ts';
export { compileExpression, OPEN_OBJECT } from './compile-expression.ts';
export { evaluate } from './evaluate.ts';
export { isTruthy, toJson } from './values.ts';
export { FUNCTION_NAMES } from './functions.ts';
export { scopeForEntity, varsForRecord, SYSTEM_FIELD_TYPES } from './scope-for-entity.ts';
