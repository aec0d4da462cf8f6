/**
 * Record input → checked values, with field-level issues. The same code runs in the browser
 * (form checks) and on the server (the one write path). Every field has its own compiled
 * validator (Ajv, first error only), so a form shows one message per field, and the work done on
 * hostile input stays bounded.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createRecordAjv, describeAjvError } from '../model/ajv.ts';
import { FIELD_TYPES } from '../fields/registry.ts';
import { SYSTEM_COLUMNS } from '../model/identifiers.ts';
import type { EntityModel, FieldModel, JsonValue, LocalizedText } from '../model/types.ts';

export interface FieldIssue {
  /** JSON pointer of the value, e.g. `/email` or `/3/amount` in a batch. */
  readonly path: string;
  readonly field: string | null;
  readonly message: string;
  /**
   * What went wrong, for a message in the user's language (`forms` messages map each code to a
   * key). Only set when asked for with `{ withCodes: true }`, so existing issue lists stay as they were.
   */
  readonly code?: IssueCode;
  /** Values for the message, e.g. `{ limit: 200 }` for `too_long`, `{ format: 'email' }` for `format`. */
  readonly params?: Readonly<Record<string, string | number>>;
  /** The message in every locale its author wrote (a validation rule's `message`). */
  readonly messages?: LocalizedText;
}

export type IssueCode =
  | 'required'
  | 'read_only'
  | 'nul'
  | 'too_long'
  | 'too_short'
  | 'format'
  | 'type'
  | 'not_an_option'
  | 'pattern'
  | 'too_small'
  | 'too_large'
  | 'too_many_items'
  | 'too_few_items'
  | 'duplicate_items'
  | 'invalid';

export interface ValidateOptions {
  /** Add `code` and `params` to field issues (the browser form localises its messages with them). */
  readonly withCodes?: boolean;
}

export type RecordValues = Readonly<Record<string, JsonValue | null>>;

export type ValidationResult = { readonly ok: true; readonly values: RecordValues } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const ajv = createRecordAjv();
const validators = new WeakMap<FieldModel, ValidateFunction>();

function validatorFor(field: FieldModel): ValidateFunction {
  let validate = validators.get(field);
  if (!validate) {
    validate = ajv.compile(FIELD_TYPES[field.type].valueSchema(field.schema));
    validators.set(field, validate);
  }
  return validate;
}

/**
 * Why `value` does not fit `field` (e.g. "must match format \"email\""), or null when it does.
 * For values the platform makes (formula results), which never pass through `validateRecord`.
 */
export function checkFieldValue(field: FieldModel, value: JsonValue): string | null {
  if (containsNul(value)) return 'contains a NUL character';
  const validate = validatorFor(field);
  if (validate(value)) return null;
  const error = validate.errors?.[0];
  return error ? describeAjvError(error) : 'does not fit the field';
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

/** The code and params of Ajv's first error on a field value. */
function ajvCode(error: ErrorObject | undefined): { code: IssueCode; params?: Record<string, string | number> } {
  if (!error) return { code: 'invalid' };
  const p = error.params as Record<string, unknown>;
  const limit = typeof p.limit === 'number' || typeof p.limit === 'string' ? { limit: p.limit } : undefined;
  switch (error.keyword) {
    case 'required':
      return { code: 'required', params: { property: String(p.missingProperty) } };
    case 'maxLength':
      return { code: 'too_long', ...(limit && { params: limit }) };
    case 'minLength':
      return { code: 'too_short', ...(limit && { params: limit }) };
    case 'format':
      return { code: 'format', params: { format: String(p.format) } };
    case 'type':
      return { code: 'type', params: { type: String(p.type) } };
    case 'enum':
    case 'const':
      return { code: 'not_an_option' };
    case 'pattern':
      return { code: 'pattern' };
    case 'minimum':
    case 'exclusiveMinimum':
      return { code: 'too_small', ...(limit && { params: limit }) };
    case 'maximum':
    case 'exclusiveMaximum':
      return { code: 'too_large', ...(limit && { params: limit }) };
    case 'maxItems':
      return { code: 'too_many_items', ...(limit && { params: limit }) };
    case 'minItems':
      return { code: 'too_few_items', ...(limit && { params: limit }) };
    case 'uniqueItems':
      return { code: 'duplicate_items' };
    default:
      return { code: 'invalid' };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `mode: 'create'` needs every required field (after defaults); `'update'` is a patch: only the
 * given fields are checked, and `null` clears an optional field.
 */
export function validateRecord(entity: EntityModel, input: unknown, mode: 'create' | 'update', options: ValidateOptions = {}): ValidationResult {
  const coded = (code: IssueCode, params?: Record<string, string | number>): Pick<FieldIssue, 'code' | 'params'> =>
    options.withCodes ? { code, ...(params && { params }) } : {};
  if (!isPlainObject(input)) return { ok: false, issues: [{ path: '', field: null, message: 'the record must be a JSON object of field values' }] };
  const issues: FieldIssue[] = [];
  const values: Record<string, JsonValue | null> = Object.create(null) as Record<string, JsonValue | null>;
  for (const key of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(key)) {
      issues.push({ path: `/${key}`, field: null, message: `"${key}" is not allowed as a field name` });
      continue;
    }
    const field = entity.fields.find((f) => f.name === key);
    if (!field) {
      const isSystem = (SYSTEM_COLUMNS as readonly string[]).includes(key);
      issues.push({
        path: `/${key}`,
        field: null,
        message: isSystem ? `"${key}" is set by the platform and cannot be written` : `"${key}" is not a field of ${entity.name}`,
      });
      continue;
    }
    if (field.readOnly) {
      issues.push({ path: `/${key}`, field: key, message: `"${key}" is read-only`, ...coded('read_only') });
      continue;
    }
    const value = input[key] as JsonValue | null | undefined;
    if (value === undefined) continue;
    if (value === null) {
      if (field.required) issues.push({ path: `/${key}`, field: key, message: `"${key}" is required`, ...coded('required') });
      else values[key] = null;
      continue;
    }
    if (containsNul(value)) {
      issues.push({ path: `/${key}`, field: key, message: `${key} contains a NUL character, which cannot be stored`, ...coded('nul') });
      continue;
    }
    const validate = validatorFor(field);
    if (!validate(value)) {
      const error = validate.errors?.[0];
      const { code, params } = ajvCode(error);
      issues.push({ path: `/${key}${error?.instancePath ?? ''}`, field: key, message: `${key} ${error ? describeAjvError(error) : 'is not valid'}`, ...coded(code, params) });
      continue;
    }
    values[key] = value;
  }
  if (mode === 'create') {
    for (const field of entity.fields) {
      if (field.name in values || issues.some((i) => i.field === field.name)) continue;
      if (field.defaultValue !== undefined) values[field.name] = field.defaultValue;
      else if (field.required && !field.readOnly) issues.push({ path: `/${field.name}`, field: field.name, message: `"${field.name}" is required`, ...coded('required') });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, values: { ...values } };
}
