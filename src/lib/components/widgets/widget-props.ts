/** The props every widget takes, so that the record form can render any of them the same way. */
import type { CalendarName, Locale } from '../../i18n/locales.ts';
import type { FieldModel, JsonValue } from '../../model/types.ts';

export interface WidgetProps {
  readonly field: FieldModel;
  /** The id of the widget's main input: the field label's `for`. */
  readonly id: string;
  /** The stored record value (or the default on a new record). */
  readonly value: JsonValue | null | undefined;
  readonly locale: Locale;
  readonly calendar: CalendarName;
  readonly timeZone: string;
  readonly required: boolean;
  readonly readOnly: boolean;
  readonly invalid: boolean;
  /** Ids of the field's error and help texts, for `aria-describedby`. */
  readonly describedBy: string | undefined;
  /** Relation: the URL prefix to search the related entity (`?q=` is appended). */
  readonly lookupUrl?: string;
  /** Relation: the title of the record the value points to. */
  readonly title?: string;
}

/** `aria-describedby` from several optional ids. */
export function describedByOf(...ids: readonly (string | undefined | false)[]): string | undefined {
  const list = ids.filter((id): id is string => typeof id === 'string' && id !== '');
  return list.length > 0 ? list.join(' ') : undefined;
}

/** `maxLength` of the field's schema, to stop typing past what the server accepts. */
export function maxLengthOf(field: FieldModel): number | undefined {
  const max = field.schema.maxLength;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : undefined;
}
