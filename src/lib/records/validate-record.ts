/**
 * Record input → checked values, with field-level issues. The same code runs in the browser
 * (form checks) and on the server (the one write path). Every field has its own compiled
 * validator (Ajv, first error only), so a form shows one message per field, and the work done on
 * hostile input stays bounded.
 */
import type { ValidateFunction } from 'ajv';
import { createRecordAjv, describeAjvError } from '../model/ajv.ts';
import { FIELD_TYPES } from '../fields/registry.ts';
import { SYSTEM_COLUMNS } from '../model/identifiers.ts';
import type { EntityModel, FieldModel, JsonValue } from '../model/types.ts';

export interface FieldIssue {
  /** JSON pointer of the value, e.g. `/email` or `/3/amount` in a batch. */
  readonly path: string;
  readonly field: string | null;
  readonly message: string;
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

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
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
export function validateRecord(entity: EntityModel, input: unknown, mode: 'create' | 'update'): ValidationResult {
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
      issues.push({ path: `/${key}`, field: key, message: `"${key}" is read-only` });
      continue;
    }
    const value = input[key] as JsonValue | null | undefined;
    if (value === undefined) continue;
    if (value === null) {
      if (field.required) issues.push({ path: `/${key}`, field: key, message: `"${key}" is required` });
      else values[key] = null;
      continue;
    }
    if (containsNul(value)) {
      issues.push({ path: `/${key}`, field: key, message: `${key} contains a NUL character, which cannot be stored` });
      continue;
    }
    const validate = validatorFor(field);
    if (!validate(value)) {
      const error = validate.errors?.[0];
      issues.push({ path: `/${key}${error?.instancePath ?? ''}`, field: key, message: `${key} ${error ? describeAjvError(error) : 'is not valid'}` });
      continue;
    }
    values[key] = value;
  }
  if (mode === 'create') {
    for (const field of entity.fields) {
      if (field.name in values || issues.some((i) => i.field === field.name)) continue;
      if (field.defaultValue !== undefined) values[field.name] = field.defaultValue;
      else if (field.required && !field.readOnly) issues.push({ path: `/${field.name}`, field: field.name, message: `"${field.name}" is required` });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, values: { ...values } };
}
