/**
 * Every field type by name, and how an authored property schema picks its type.
 *
 *   resolveFieldType({ type: 'string', format: 'email' })    // 'email'
 *   resolveFieldType({ type: 'number' })                     // { error: 'type "number" is not supported …' }
 *   fieldType('money').columns(field)                        // [{ name: 'price__amount', … }, …]
 */
import type { JsonObject } from '../model/types.ts';
import { autoNumberField } from './auto-number.ts';
import { booleanField } from './boolean.ts';
import { consentField } from './consent.ts';
import { dateField } from './date.ts';
import { datetimeField } from './datetime.ts';
import { decimalField } from './decimal.ts';
import { emailField } from './email.ts';
import type { FieldType } from './field-type.ts';
import { integerField } from './integer.ts';
import { longTextField } from './long-text.ts';
import { moneyField } from './money.ts';
import { multiSelectField } from './multi-select.ts';
import { FIELD_TYPE_NAMES, isFieldTypeName, type FieldTypeName } from './names.ts';
import { percentField } from './percent.ts';
import { phoneField } from './phone.ts';
import { relationField } from './relation.ts';
import { singleSelectField } from './single-select.ts';
import { tagsField } from './tags.ts';
import { textField } from './text.ts';
import { urlField } from './url.ts';

/**
 * `satisfies` makes a missing type a compile error; the exported view is the interface, so
 * `FIELD_TYPES[field.type]` is a `FieldType` rather than a union of seventeen module shapes.
 */
const REGISTRY = {
  text: textField,
  long_text: longTextField,
  email: emailField,
  phone: phoneField,
  url: urlField,
  integer: integerField,
  decimal: decimalField,
  money: moneyField,
  percent: percentField,
  boolean: booleanField,
  date: dateField,
  datetime: datetimeField,
  single_select: singleSelectField,
  multi_select: multiSelectField,
  relation: relationField,
  tags: tagsField,
  auto_number: autoNumberField,
  consent: consentField,
} satisfies Record<FieldTypeName, FieldType>;

export const FIELD_TYPES: Readonly<Record<FieldTypeName, FieldType>> = REGISTRY;

export function fieldType(name: FieldTypeName): FieldType {
  return FIELD_TYPES[name];
}

/**
 * The order types are tried in when a schema has no `x-type`: most specific first. The
 * explicit-only types never recognise a schema without their `x-type`, so their place is moot.
 */
export const RECOGNITION_ORDER = [
  'relation',
  'email',
  'phone',
  'url',
  'decimal',
  'date',
  'datetime',
  'single_select',
  'text',
  'integer',
  'boolean',
  'multi_select',
  'tags',
  'long_text',
  'percent',
  'money',
  'auto_number',
  'consent',
] as const satisfies readonly FieldTypeName[];

/** The authored shape of each type, for error messages. */
export const FIELD_TYPE_SHAPES = {
  text: '{ "type": "string" }',
  long_text: '{ "type": "string", "x-type": "long_text" }',
  email: '{ "type": "string", "format": "email" }',
  phone: '{ "type": "string", "format": "phone" }',
  url: '{ "type": "string", "format": "url" }',
  integer: '{ "type": "integer" }',
  decimal: '{ "type": "string", "format": "decimal" }',
  money: '{ "type": "object", "x-type": "money" }',
  percent: '{ "type": "string", "format": "decimal", "x-type": "percent" }',
  boolean: '{ "type": "boolean" }',
  date: '{ "type": "string", "format": "date" }',
  datetime: '{ "type": "string", "format": "date-time" }',
  single_select: '{ "type": "string", "enum": [...] }',
  multi_select: '{ "type": "array", "items": { "type": "string", "enum": [...] } }',
  relation: '{ "type": "string", "format": "uuid", "x-ref": "<entity>" }',
  tags: '{ "type": "array", "items": { "type": "string" } }',
  auto_number: '{ "type": "string", "x-type": "auto_number", "x-format": "INV-{000000}" }',
  consent: '{ "type": "object", "x-consent": "email" | "sms" | "phone" }',
} as const satisfies Record<FieldTypeName, string>;

function supportedShapes(): string {
  return FIELD_TYPE_NAMES.map((name) => `${name} ${FIELD_TYPE_SHAPES[name]}`).join('; ');
}

function unsupported(schema: JsonObject): string {
  const type = schema.type;
  if (type === 'number') {
    return (
      'type "number" is not supported: floating-point numbers are not exact. ' +
      'Use type: "integer" for whole numbers, or type: "string" with format: "decimal" for exact decimals (or x-type "money" / "percent")'
    );
  }
  if (Array.isArray(type)) {
    return 'type must be a single type name, not a list (a field is optional when it is left out of "required", so "null" is never needed). Supported shapes: ' + supportedShapes();
  }
  if (type === undefined) return 'the property has no "type". Supported shapes: ' + supportedShapes();
  const format = typeof schema.format === 'string' ? ` with format "${schema.format}"` : '';
  return `no field type accepts type ${JSON.stringify(type)}${format}. Supported shapes: ${supportedShapes()}`;
}

/**
 * The type of an authored property schema. An explicit `x-type` wins but must fit the shape
 * (`{ type: 'integer', 'x-type': 'money' }` is an error, not money); otherwise the first type in
 * {@link RECOGNITION_ORDER} that recognises the schema.
 */
export function resolveFieldType(schema: JsonObject): FieldTypeName | { error: string } {
  const xType = schema['x-type'];
  if (xType !== undefined) {
    if (!isFieldTypeName(xType)) {
      return { error: `unknown x-type ${JSON.stringify(xType)}; known types are ${FIELD_TYPE_NAMES.join(', ')}` };
    }
    if (!FIELD_TYPES[xType].recognise(schema)) {
      return { error: `x-type "${xType}" does not fit this schema: a ${xType} field is written ${FIELD_TYPE_SHAPES[xType]}` };
    }
    return xType;
  }
  for (const name of RECOGNITION_ORDER) {
    if (FIELD_TYPES[name].recognise(schema)) return name;
  }
  return { error: unsupported(schema) };
}
