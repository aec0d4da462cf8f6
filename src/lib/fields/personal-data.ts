/**
 * Which fields hold personal data, and what a privacy erasure leaves of them.
 *
 *   isPersonalField(contact.fields.find((f) => f.name === 'full_name'))   // true: text
 *   isPersonalField(deal.fields.find((f) => f.name === 'amount'))         // false: money
 *   erasedValue(emailField, 'sara@example.com', id)                       // null, or erased+<id>@invalid.example when required
 *
 * The rule: a field type says whether its values usually describe a person (`FieldType.personal`:
 * text, long text, email, phone, url, date, tags and consent sources do; numbers, money, selects,
 * booleans, date-times, relations and auto-numbers do not), and a field may say otherwise with
 * `x-personal: true | false`. Computed fields (formulas, roll-ups) are never erased: they are
 * recomputed from what is kept, and a formula over a name would be recomputed on the next write.
 */
import type { FieldModel, JsonValue } from '../model/types.ts';
import { FIELD_TYPES } from './registry.ts';

export const ERASED_TEXT = '[erased]';

export function isPersonalField(field: FieldModel): boolean {
  if ((field.computed ?? null) !== null || field.autoNumber !== null) return false;
  const override = field.schema['x-personal'];
  if (typeof override === 'boolean') return override;
  return FIELD_TYPES[field.type].personal;
}

/**
 * The value a personal field holds after an erasure: the type's own rule when it has one,
 * otherwise null — or "[erased]" when the field is required (a required text still validates).
 */
export function erasedValue(field: FieldModel, value: JsonValue | null, recordId: string): JsonValue | null {
  const type = FIELD_TYPES[field.type];
  if (type.erase) return type.erase(field, value, recordId);
  if (value === null) return null;
  return field.required ? ERASED_TEXT : null;
}

