/**
 * Formula fields and validation rules over one record. Pure and browser-safe: the records
 * service runs it on every write, over the values being written (create) or the merged record
 * (update), before anything reaches the database.
 *
 *   const formulas = computeFormulas(deal, { ...values, id, version: 1 }, { now });
 *   if (!formulas.ok) return refuse(formulas.issues);         // the formula field, and why
 *   const broken = checkRules(deal, { ...values, ...formulas.values }, { old: null, now });
 *
 * Decisions: a formula that cannot be evaluated (a type error, division by zero) refuses the
 * write with an issue at the formula field — a stored value is never silently left empty. The
 * result is converted to the field's type: numbers are rounded half away from zero to the field's
 * `x-scale` (integers to whole numbers, decimals without a scale to 10 places); text fields take
 * numbers and booleans as text; date fields take a datetime's UTC date, datetime fields a date's
 * midnight UTC. A rule holds when its assertion is true (null, false, 0, "" and [] are not); a rule
 * that cannot be evaluated refuses the write too.
 */
import Big from 'big.js';
import { compileExpression, evaluate, scopeForEntity, varsForRecord, type CompiledExpression, type ExprValue } from '../expressions/index.ts';
import { isTruthy } from '../expressions/values.ts';
import { FIELD_TYPES } from '../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue, RuleModel } from '../model/types.ts';
import { checkFieldValue, type FieldIssue } from './validate-record.ts';

export interface ComputeOptions {
  readonly now: Date;
  /** IANA zone of today() and calendar parts of datetimes; default UTC. */
  readonly timeZone?: string;
}

type RecordLike = Readonly<Record<string, JsonValue | null>>;

/** Decimal places of a decimal result when the field sets no `x-scale` (the decimal format's limit). */
const DEFAULT_SCALE = 10;

export function formulaOf(field: FieldModel): string | null {
  return field.computed?.kind === 'formula' ? field.computed.expression : null;
}

export function rulesOf(entity: EntityModel): readonly RuleModel[] {
  return entity.rules ?? [];
}

interface CompiledFormula {
  readonly field: FieldModel;
  readonly expression: CompiledExpression | null;
  readonly problem: string | null;
}

const formulaCache = new WeakMap<EntityModel, readonly CompiledFormula[]>();

/**
 * The entity's formulas, compiled, dependencies first (a formula may use another formula's
 * value). The loader refuses cycles and bad expressions; a model built elsewhere still gets a
 * clear refusal at write time rather than a wrong value.
 */
export function compiledFormulas(entity: EntityModel): readonly CompiledFormula[] {
  const hit = formulaCache.get(entity);
  if (hit) return hit;
  const scope = scopeForEntity(entity);
  const byName = new Map<string, CompiledFormula>();
  for (const field of entity.fields) {
    const source = formulaOf(field);
    if (source === null) continue;
    const compiled = compileExpression(source, scope);
    byName.set(field.name, compiled.ok ? { field, expression: compiled.expression, problem: null } : { field, expression: null, problem: compiled.issues.map((i) => i.message).join('; ') });
  }
  const ordered: CompiledFormula[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const formula = byName.get(name);
    if (!formula || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') return;
    state.set(name, 'visiting');
    for (const reference of formula.expression?.references ?? []) visit(reference);
    state.set(name, 'done');
    ordered.push(formula);
  };
  for (const name of byName.keys()) visit(name);
  formulaCache.set(entity, ordered);
  return ordered;
}

export function hasFormulas(entity: EntityModel): boolean {
  return entity.fields.some((f) => f.computed?.kind === 'formula');
}

export type ComputeResult = { readonly ok: true; readonly values: Readonly<Record<string, JsonValue | null>> } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/**
 * The values of the entity's formula fields for `record` (field values plus the system fields
 * id, owner, created_by, created_at, updated_at, version as they will be stored).
 */
export function computeFormulas(entity: EntityModel, record: RecordLike, options: ComputeOptions): ComputeResult {
  const current: Record<string, JsonValue | null> = { ...record };
  const values: Record<string, JsonValue | null> = {};
  for (const formula of compiledFormulas(entity)) {
    const name = formula.field.name;
    const refuse = (why: string): ComputeResult => ({ ok: false, issues: [{ path: `/${name}`, field: name, message: `the formula of ${name} cannot be computed: ${why}` }] });
    if (!formula.expression) return refuse(formula.problem ?? 'it does not compile');
    const result = evaluate(formula.expression, varsForRecord(entity, current), { now: options.now, ...(options.timeZone ? { timeZone: options.timeZone } : {}) });
    if (!result.ok) return refuse(result.error);
    const converted = toFieldValue(formula.field, result.value);
    if (!converted.ok) return refuse(converted.message);
    values[name] = converted.value;
    current[name] = converted.value;
  }
  return { ok: true, values };
}

type Converted = { readonly ok: true; readonly value: JsonValue | null } | { readonly ok: false; readonly message: string };

function describe(value: ExprValue): string {
  if (value instanceof Big) return `the number ${value.toFixed()}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}

/** An expression result → the field's record value (the JSON the API carries), checked. */
export function toFieldValue(field: FieldModel, value: ExprValue): Converted {
  if (value === null) return { ok: true, value: null };
  const type = FIELD_TYPES[field.type];
  const valueSchema = type.valueSchema(field.schema);
  let json: JsonValue;
  switch (type.expressionType) {
    case 'number': {
      if (!(value instanceof Big)) return { ok: false, message: `it gives ${describe(value)}, not a number` };
      const isInteger = valueSchema.type === 'integer';
      const scale = isInteger ? 0 : typeof field.schema['x-scale'] === 'number' ? field.schema['x-scale'] : DEFAULT_SCALE;
      const rounded = value.round(scale, Big.roundHalfUp);
      if (isInteger) {
        const n = rounded.toNumber();
        if (!Number.isSafeInteger(n)) return { ok: false, message: `it gives ${rounded.toFixed()}, too large for a whole-number field` };
        json = n;
      } else json = rounded.toFixed();
      break;
    }
    case 'text':
      if (Array.isArray(value)) return { ok: false, message: 'it gives a list, not text' };
      json = value instanceof Big ? value.toFixed() : typeof value === 'boolean' ? String(value) : (value as string);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return { ok: false, message: `it gives ${describe(value)}, not true or false` };
      json = value;
      break;
    case 'date': {
      if (typeof value !== 'string') return { ok: false, message: `it gives ${describe(value)}, not a date` };
      json = /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString().slice(0, 10) : value;
      break;
    }
    case 'datetime': {
      if (typeof value !== 'string') return { ok: false, message: `it gives ${describe(value)}, not a datetime` };
      const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
      const ms = Date.parse(text);
      json = Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text) ? text : new Date(ms).toISOString();
      break;
    }
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return { ok: false, message: `it gives ${describe(value)}, not a list of texts` };
      json = value as string[];
      break;
    case 'any':
      return { ok: false, message: 'this field type cannot be computed' };
  }
  const problem = checkFieldValue(field, json);
  return problem === null ? { ok: true, value: json } : { ok: false, message: `it gives ${describe(value)}, which ${problem}` };
}

interface CompiledRule {
  readonly rule: RuleModel;
  readonly expression: CompiledExpression | null;
  readonly problem: string | null;
}

const ruleCache = new WeakMap<EntityModel, readonly CompiledRule[]>();

function compiledRules(entity: EntityModel): readonly CompiledRule[] {
  let rules = ruleCache.get(entity);
  if (!rules) {
    const scope = scopeForEntity(entity, { withOld: true });
    rules = rulesOf(entity).map((rule) => {
      const compiled = compileExpression(rule.assert, scope);
      return compiled.ok ? { rule, expression: compiled.expression, problem: null } : { rule, expression: null, problem: compiled.issues.map((i) => i.message).join('; ') };
    });
    ruleCache.set(entity, rules);
  }
  return rules;
}

/**
 * The entity's rules that `record` breaks, as field issues: at `/<first field>` (or '' when the
 * rule names none) with the English message, and `messages` in every locale the rule has.
 * `old` is the record before an update (null on create); the rule reads it as `old.<field>`.
 */
export function checkRules(entity: EntityModel, record: RecordLike, options: ComputeOptions & { readonly old: RecordLike | null }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const { rule, expression, problem } of compiledRules(entity)) {
    const field = rule.fields[0] ?? null;
    const at = { path: field === null ? '' : `/${field}`, field };
    if (!expression) {
      issues.push({ ...at, message: `rule ${rule.name} cannot be checked: ${problem ?? 'it does not compile'}` });
      continue;
    }
    const result = evaluate(expression, varsForRecord(entity, record, { old: options.old }), { now: options.now, ...(options.timeZone ? { timeZone: options.timeZone } : {}) });
    if (!result.ok) issues.push({ ...at, message: `rule ${rule.name} cannot be checked: ${result.error}` });
    else if (!isTruthy(result.value)) issues.push({ ...at, message: rule.message.en ?? rule.name, messages: rule.message });
  }
  return issues;
}

/** Roll-up values of a new record: nothing refers to it yet, so counts and sums are 0. */
export function initialRollupValues(entity: EntityModel): Readonly<Record<string, JsonValue | null>> {
  const values: Record<string, JsonValue | null> = {};
  for (const field of entity.fields) {
    if (field.computed?.kind !== 'rollup') continue;
    const zero = field.computed.measure === 'count' || field.computed.measure === 'sum';
    values[field.name] = zero ? (FIELD_TYPES[field.type].valueSchema(field.schema).type === 'integer' ? 0 : '0') : null;
  }
  return values;
}
