/** `set: { field: expression }` of the record actions: checked against an entity, evaluated per run. */
import { FIELD_TYPES } from '../../../fields/registry.ts';
import type { EntityModel, JsonObject, JsonValue } from '../../../model/types.ts';
import type { ActionContext, ActionIssue } from '../action-type.ts';

export function checkSetValues(entity: EntityModel, set: JsonObject, checkExpression: (source: string) => readonly string[]): ActionIssue[] {
  const issues: ActionIssue[] = [];
  for (const [name, source] of Object.entries(set)) {
    const field = entity.fields.find((f) => f.name === name);
    if (!field) {
      issues.push({ pointer: `/set/${name}`, message: `${entity.name} has no field "${name}"` });
      continue;
    }
    if (field.readOnly) issues.push({ pointer: `/set/${name}`, message: `field "${name}" is computed by the platform and cannot be set` });
    for (const message of checkExpression(String(source))) issues.push({ pointer: `/set/${name}`, message });
  }
  return issues;
}

/**
 * Evaluates each expression and reads the result as the field's type would read a CSV cell
 * ("12.50" for a decimal, 3 for an integer, a select value or label), so that the records service
 * validates it like any other input.
 */
export function evaluateSetValues(entity: EntityModel, set: JsonObject, ctx: ActionContext): { ok: true; values: JsonObject } | { ok: false; error: string } {
  const values: Record<string, JsonValue> = {};
  for (const [name, source] of Object.entries(set)) {
    const field = entity.fields.find((f) => f.name === name);
    if (!field) return { ok: false, error: `${entity.name} has no field "${name}"` };
    let value: JsonValue;
    try {
      value = ctx.evaluate(String(source));
    } catch (error) {
      return { ok: false, error: `${name}: ${(error as Error).message}` };
    }
    if (value === null || typeof value === 'boolean' || Array.isArray(value) || typeof value === 'object') {
      values[name] = value;
      continue;
    }
    const parsed = FIELD_TYPES[field.type].parseCsv(field, String(value));
    if (!parsed.ok) return { ok: false, error: `${name}: ${parsed.message}` };
    values[name] = parsed.value;
  }
  return { ok: true, values };
}
