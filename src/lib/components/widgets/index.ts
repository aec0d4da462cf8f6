/**
 * Widget name (`FieldType.widget`) → component. Every widget takes {@link WidgetProps}; a group
 * widget (several inputs, one label) is wrapped in a fieldset and legend instead of a label.
 * `satisfies` makes a name in `WIDGET_NAMES` without a component a compile error, and
 * `names.spec.ts` checks that every field type's widget is in `WIDGET_NAMES`.
 */
import type { Component } from 'svelte';
import AutoNumber from './AutoNumber.svelte';
import Checkbox from './Checkbox.svelte';
import Consent from './Consent.svelte';
// Not Date.svelte: the compiled component is a function named after the file, and a module-level
// `function Date` would shadow the global Date for anything later written in it.
import DateInput from './DateInput.svelte';
import Datetime from './Datetime.svelte';
import Decimal from './Decimal.svelte';
import Email from './Email.svelte';
import Integer from './Integer.svelte';
import Money from './Money.svelte';
import MultiSelect from './MultiSelect.svelte';
import Percent from './Percent.svelte';
import Phone from './Phone.svelte';
import Relation from './Relation.svelte';
import Select from './Select.svelte';
import Tags from './Tags.svelte';
import Text from './Text.svelte';
import Textarea from './Textarea.svelte';
import Url from './Url.svelte';
import type { WidgetName } from './names.ts';
import type { WidgetProps } from './widget-props.ts';

export interface WidgetEntry {
  readonly component: Component<WidgetProps>;
  readonly isGroup: boolean;
}

function widget(component: Component<WidgetProps>, isGroup = false): WidgetEntry {
  return { component, isGroup };
}

export const WIDGETS: Readonly<Record<string, WidgetEntry>> = {
  text: widget(Text),
  textarea: widget(Textarea),
  email: widget(Email),
  phone: widget(Phone),
  url: widget(Url),
  integer: widget(Integer),
  decimal: widget(Decimal),
  money: widget(Money),
  percent: widget(Percent),
  checkbox: widget(Checkbox),
  date: widget(DateInput),
  datetime: widget(Datetime),
  select: widget(Select),
  'multi-select': widget(MultiSelect, true),
  relation: widget(Relation),
  tags: widget(Tags),
  'auto-number': widget(AutoNumber),
  consent: widget(Consent, true),
} satisfies Record<WidgetName, WidgetEntry>;

/** A widget name no entry knows falls back to a text box rather than breaking the form. */
export function widgetFor(name: string): WidgetEntry {
  return WIDGETS[name] ?? widget(Text);
}

export type { WidgetProps };
