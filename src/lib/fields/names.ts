/** Every field type the platform knows. Adding a type: add its name here and one module in this folder. */
export const FIELD_TYPE_NAMES = [
  'text',
  'long_text',
  'email',
  'phone',
  'url',
  'integer',
  'decimal',
  'money',
  'percent',
  'boolean',
  'date',
  'datetime',
  'single_select',
  'multi_select',
  'relation',
  'tags',
  'auto_number',
  'consent',
] as const;

export type FieldTypeName = (typeof FIELD_TYPE_NAMES)[number];

export function isFieldTypeName(value: unknown): value is FieldTypeName {
  return typeof value === 'string' && (FIELD_TYPE_NAMES as readonly string[]).includes(value);
}

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'is_null',
  'between',
] as const;

export type FilterOperator = (typeof FILTER_OPERATORS)[number];
