/**
 * Most types store one value in one column named after the field; they spread these in.
 * Money is the exception (two columns) and writes its own.
 */
import type { FieldModel, JsonValue } from '../model/types.ts';
import type { ColumnSpec, SqlType } from './field-type.ts';

export function singleColumn(sqlType: SqlType) {
  return {
    columns: (field: FieldModel): readonly ColumnSpec[] => [{ name: field.name, sqlType }],
    toRow: (field: FieldModel, value: JsonValue | null): Readonly<Record<string, unknown>> => ({ [field.name]: value }),
  };
}

/** The field's column as read back; `undefined` (column not selected) reads as null. */
export function columnValue(field: FieldModel, row: Readonly<Record<string, unknown>>): unknown {
  return row[field.name] ?? null;
}

/** A driver value of a shape the column never produces: a bug, not bad data. */
export function unexpectedColumnValue(field: FieldModel, value: unknown): Error {
  return new TypeError(`column ${field.name} (${field.type}) returned an unexpected ${typeof value} value`);
}

/** A text-valued column: strings back as they are. */
export function textFromRow(field: FieldModel, row: Readonly<Record<string, unknown>>): string | null {
  const value = columnValue(field, row);
  if (value === null || typeof value === 'string') return value;
  throw unexpectedColumnValue(field, value);
}
