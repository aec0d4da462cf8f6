/**
 * The meta-schemas of pack files, compiled once each on one Ajv instance (strict, all errors:
 * a consultant sees every problem at once).
 *
 *   const validate = metaValidator(i18nMetaSchema);
 *   if (!validate(doc)) report(validate.errors);
 */
import type { ValidateFunction } from 'ajv';
import { createPackAjv } from '../model/ajv.ts';

let ajv: ReturnType<typeof createPackAjv> | null = null;
const compiled = new Map<string, ValidateFunction>();

export function metaValidator(schema: { readonly $id: string }): ValidateFunction {
  const hit = compiled.get(schema.$id);
  if (hit) return hit;
  ajv ??= createPackAjv();
  const validate = ajv.compile(schema);
  compiled.set(schema.$id, validate);
  return validate;
}
