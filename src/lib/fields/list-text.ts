/** How array-valued types (multi_select, tags) read and write CSV cells and text[] columns. */
import type { FieldModel } from '../model/types.ts';
import { columnValue, unexpectedColumnValue } from './single-column.ts';

/** "a; b, c ، d" → ["a", "b", "c", "d"]: `;`, `,` or the Persian comma `،`; blanks dropped. */
export function splitListText(text: string): string[] {
  return text
    .split(/[;,\u060C]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export function printList(value: unknown): string {
  return Array.isArray(value) ? value.filter((v) => typeof v === 'string').join('; ') : '';
}

export function textArrayFromRow(field: FieldModel, row: Readonly<Record<string, unknown>>): string[] | null {
  const value = columnValue(field, row);
  if (value === null) return null;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
  throw unexpectedColumnValue(field, value);
}
