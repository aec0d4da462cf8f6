/**
 * The public types of the expression language. No imports besides types: the field registry
 * (`fields/field-type.ts`) names `ExprType`, and this module must not pull the registry in.
 */
import type Big from 'big.js';
import type { JsonValue } from '../model/types.ts';

export type ExprType = 'number' | 'text' | 'boolean' | 'date' | 'datetime' | 'list' | 'any';

export interface ScopeSpec {
  /** Bare names (the record's fields), typed. */
  readonly variables: Readonly<Record<string, ExprType>>;
  /** Objects whose members may be read with a dot: `old.stage`, `user.email`. Nothing else may be dotted. */
  readonly objects: Readonly<Record<string, Readonly<Record<string, ExprType>>>>;
}

export interface ExprIssue {
  readonly message: string;
}

export interface CompiledExpression {
  readonly source: string;
  /** Referenced names in order of first use, e.g. 'stage', 'old.stage'. */
  readonly references: readonly string[];
  /** The type of the result as far as the compiler can tell ('any' when it depends on the values). */
  readonly resultType: ExprType;
}

export type CompileResult = { readonly ok: true; readonly expression: CompiledExpression } | { readonly ok: false; readonly issues: readonly ExprIssue[] };

export interface ExprVars {
  readonly variables: Readonly<Record<string, JsonValue>>;
  readonly objects: Readonly<Record<string, Readonly<Record<string, JsonValue>> | null>>;
}

export interface EvaluateOptions {
  readonly now?: Date;
  /** IANA zone for today(), birthday_in_days and the calendar parts of datetimes; default UTC. */
  readonly timeZone?: string;
}

/** Numbers are big.js `Big` (exact); dates are `YYYY-MM-DD` text, datetimes ISO 8601 text. */
export type ExprValue = null | boolean | string | Big | readonly ExprValue[];

export type EvaluateResult = { readonly ok: true; readonly value: ExprValue } | { readonly ok: false; readonly error: string };

/** Bounds on what an expression may be and produce (SECURITY.md item 4). */
export const EXPRESSION_LIMITS = {
  maxSourceLength: 2000,
  maxNodes: 500,
  maxDepth: 40,
  maxTextLength: 10_000,
  maxListItems: 1000,
  /** `x ^ n` takes a whole exponent from -100 to 100. */
  maxPowerExponent: 100,
  /** Numbers with more significant digits or a larger decimal exponent are refused. */
  maxDigits: 1000,
  /** Significant digits of a quotient (`/`, and `^` with a negative exponent). */
  divisionDigits: 20,
  /** Compiled expressions kept in the cache. */
  cacheSize: 1000,
} as const;
