/**
 * The layout of a record form, worked out from the model: which fields, in which sections, in
 * which order, how wide, with which widget. Pure data, so the server, the browser and tests agree.
 *
 *   const spec = buildFormSpec(deal, 'create');
 *   spec.sections[0].fields.map((f) => f.field.name) // ['title', 'company_id', …] — no auto-number yet
 */
import { FIELD_TYPES } from '../fields/registry.ts';
import { LOCALES } from '../i18n/locales.ts';
import { t } from '../i18n/index.ts';
import type { EntityModel, FieldLayout, FieldModel, LocalizedText } from '../model/types.ts';

export type FormMode = 'create' | 'edit';
export type FieldWidth = FieldLayout['width'];

export interface FormFieldSpec {
  readonly field: FieldModel;
  /** The widget name the field type asks for (`FieldType.widget`). */
  readonly widget: string;
  readonly width: FieldWidth;
  readonly required: boolean;
  readonly readOnly: boolean;
}

export interface FormSectionSpec {
  readonly id: string;
  readonly label: LocalizedText;
  readonly fields: readonly FormFieldSpec[];
}

export interface FormSpec {
  readonly sections: readonly FormSectionSpec[];
}

/** The id of the section used when an entity declares none. */
export const DEFAULT_SECTION_ID = 'details';

/** Columns of the form grid above the narrow breakpoint, and how many each width spans. */
export const GRID_COLUMNS = 6;
export const WIDTH_SPAN: Readonly<Record<FieldWidth, number>> = { full: 6, half: 3, third: 2 };

function defaultSectionLabel(): LocalizedText {
  return Object.fromEntries(LOCALES.map((locale) => [locale, t(locale, 'form.section.details')]));
}

/**
 * Sections in `x-sections` order (fields without a known section go to the first), fields by
 * `layout.order` then declaration order, empty sections dropped. Read-only fields (the
 * auto-number among them) have nothing to show before the record exists, so they appear in
 * 'edit' mode only.
 */
export function buildFormSpec(entity: EntityModel, mode: FormMode): FormSpec {
  const declared = entity.sections.length > 0 ? entity.sections : [{ id: DEFAULT_SECTION_ID, label: defaultSectionLabel() }];
  const firstId = declared[0]?.id ?? DEFAULT_SECTION_ID;
  const ids = new Set(declared.map((section) => section.id));
  // The loader refuses unknown section ids; a hand-built model still shows every field.
  const sectionOf = (field: FieldModel) => (field.layout.section !== null && ids.has(field.layout.section) ? field.layout.section : firstId);
  const shown = entity.fields
    .map((field, index) => ({ field, index }))
    .filter(({ field }) => mode === 'edit' || !field.readOnly)
    .sort((a, b) => a.field.layout.order - b.field.layout.order || a.index - b.index);

  return {
    sections: declared
      .map((section) => ({
        id: section.id,
        label: section.label,
        fields: shown
          .filter(({ field }) => sectionOf(field) === section.id)
          .map(({ field }) => ({
            field,
            widget: FIELD_TYPES[field.type].widget,
            width: field.layout.width,
            required: field.required && !field.readOnly,
            readOnly: field.readOnly,
          })),
      }))
      .filter((section) => section.fields.length > 0),
  };
}
