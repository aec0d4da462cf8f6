/** Options of single_select and multi_select: an `enum`, labelled by `x-options`. */
import { normaliseSearchText } from '../locale/search-text.ts';
import type { FieldModel, JsonObject, SelectOption } from '../model/types.ts';
import type { FieldTypeContext } from './field-type.ts';
import { isJsonObject, pointer, quote, readStringArray } from './schema-keywords.ts';

/**
 * The options an enum and its labels describe; `en` defaults to the value. Problems are reported
 * through `ctx` with paths under `enumPath` and `optionsPath`.
 */
export function readOptions(input: {
  readonly values: readonly string[];
  readonly labels: JsonObject | undefined;
  readonly enumPath: string;
  readonly optionsPath: string;
  readonly ctx: FieldTypeContext;
}): SelectOption[] {
  const { values, labels, enumPath, optionsPath, ctx } = input;
  if (values.length === 0) ctx.report(enumPath, 'enum must list at least one value');
  const seen = new Set<string>();
  for (const [index, value] of values.entries()) {
    if (seen.has(value)) ctx.report(`${enumPath}/${index}`, `enum lists ${quote(value)} more than once`);
    seen.add(value);
  }
  for (const key of Object.keys(labels ?? {})) {
    if (!seen.has(key)) ctx.report(optionsPath + pointer(key), `x-options has labels for ${quote(key)}, which is not one of the enum values`);
  }
  return [...seen].map((value) => {
    const entry = labels?.[value];
    const label: Record<string, string> = { en: value };
    if (entry !== undefined) {
      if (!isJsonObject(entry)) {
        ctx.report(optionsPath + pointer(value), 'labels must be an object of locale → text, e.g. { "en": "Open", "fa": "باز" }');
      } else {
        for (const [locale, text] of Object.entries(entry)) {
          if (typeof text === 'string' && text.trim() !== '') label[locale] = text;
          else ctx.report(optionsPath + pointer(value, locale), `the ${locale} label must be non-empty text`);
        }
      }
    }
    return { value, label };
  });
}

/** The field's options; fields built without `configure` fall back to the bare enum. */
export function fieldOptions(field: FieldModel, enumSchema: JsonObject): readonly SelectOption[] {
  if (field.options.length > 0) return field.options;
  return [...new Set(readStringArray(enumSchema, 'enum') ?? [])].map((value) => ({ value, label: { en: value } }));
}

/**
 * The option a person meant: its value or any of its labels, compared after search
 * normalisation (case, spaces, Persian/Arabic letter forms). Values win over labels.
 */
export function matchOption(options: readonly SelectOption[], text: string): string | undefined {
  const wanted = normaliseSearchText(text);
  const byValue = options.find((o) => normaliseSearchText(o.value) === wanted);
  if (byValue) return byValue.value;
  return options.find((o) => Object.values(o.label).some((label) => normaliseSearchText(label) === wanted))?.value;
}

export function allowedValuesText(options: readonly SelectOption[]): string {
  return options.map((o) => o.value).join(', ');
}
