/** The widget names the field types use (`FieldType.widget`); `index.ts` maps each to a component. */
export const WIDGET_NAMES = [
  'text',
  'textarea',
  'email',
  'phone',
  'url',
  'integer',
  'decimal',
  'money',
  'percent',
  'checkbox',
  'date',
  'datetime',
  'select',
  'multi-select',
  'relation',
  'tags',
  'auto-number',
  'consent',
] as const;

export type WidgetName = (typeof WIDGET_NAMES)[number];
