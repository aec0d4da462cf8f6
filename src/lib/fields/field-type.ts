/**
 * The one interface every field type implements. A type is one module in this folder,
 * registered in `registry.ts`; nothing outside `fields/` switches on a type name.
 *
 * Example (a minimal type):
 *
 *   export const booleanField = {
 *     name: 'boolean', widget: 'checkbox', searchable: false, sortable: true,
 *     recognise: (s) => s.type === 'boolean',
 *     columns: (f) => [{ name: f.name, sqlType: 'boolean' }],
 *     ...
 *   } satisfies FieldType;
 */
import type { FieldModel, JsonObject, JsonValue, OnDeletePolicy, SelectOption, AutoNumberModel, RelationModel } from '../model/types.ts';
import type { ExprType } from '../expressions/types.ts';
import type { FieldTypeName, FilterOperator } from './names.ts';

/** PostgreSQL column types the platform creates. Money and decimals are `numeric`, never float. */
export type SqlType = 'text' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'uuid' | 'text[]';

export interface ColumnSpec {
  readonly name: string;
  readonly sqlType: SqlType;
}

/** How a filter on this type reaches SQL; the server's filter compiler handles each kind. */
export type FilterKind =
  /** one column compared as a scalar (eq, lt, between, in …) */
  | 'scalar'
  /** a text column: also contains / starts_with, case-insensitive */
  | 'text'
  /** a text[] column: eq/contains mean "has this element", in means "has any of these" */
  | 'array';

export type CsvParseResult = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly message: string };

/** What a type reads from its authored property schema, beyond the common keywords. */
export interface FieldTypeConfig {
  readonly options?: readonly SelectOption[];
  readonly relation?: RelationModel | null;
  readonly autoNumber?: AutoNumberModel | null;
  readonly readOnly?: boolean;
}

export interface FieldTypeContext {
  /** Add a problem found in the property schema; `path` is relative to the property. */
  readonly report: (path: string, message: string) => void;
}

export interface FieldType {
  readonly name: FieldTypeName;
  /** The form widget that edits this type (a component name in components/widgets). */
  readonly widget: string;
  /** Text fields feed full-text search. */
  readonly searchable: boolean;
  readonly sortable: boolean;
  /**
   * Values of this type usually identify or describe a person (names, addresses, numbers, dates,
   * notes): a privacy erasure blanks them. Overridden per field by `x-personal`; see personal-data.ts.
   */
  readonly personal: boolean;
  /**
   * Settles a value as the write path stores it, given the stored one (undefined on a create):
   * consent stamps its own time, so a client cannot backdate it. Absent: stored as validated.
   */
  readonly settle?: (next: JsonValue | null, previous: JsonValue | null | undefined, now: Date) => JsonValue | null;
  /** How expressions see a value of this type (money: its amount, a number). */
  readonly expressionType: ExprType;
  /** True when an authored property schema without `x-type` is of this type. */
  recognise(schema: JsonObject): boolean;
  /**
   * The JSON Schema Ajv validates a record value with, and json-schema-to-typescript types:
   * the authored property with the platform's `x-` keywords removed and the type's shape filled in
   * (money's `{ amount, currency }` object, relation's uuid format …). Never includes `null`.
   */
  valueSchema(schema: JsonObject): JsonObject;
  /** Reads and checks type-specific keywords (options, x-ref, x-format …). */
  configure(schema: JsonObject, ctx: FieldTypeContext): FieldTypeConfig;
  /** Database columns, in order. The first one is the one filtered and sorted on. */
  columns(field: FieldModel): readonly ColumnSpec[];
  /** A validated record value → column values (keys are column names). `null` clears. */
  toRow(field: FieldModel, value: JsonValue | null): Readonly<Record<string, unknown>>;
  /** Column values read back → the record value (dates as `YYYY-MM-DD`, decimals as strings). */
  fromRow(field: FieldModel, row: Readonly<Record<string, unknown>>): JsonValue | null;
  /** A CSV cell → a record value. Accepts Persian and Arabic digits where numbers are read. */
  parseCsv(field: FieldModel, text: string): CsvParseResult;
  /** A record value → a CSV cell (not yet neutralised against formula injection). */
  printCsv(field: FieldModel, value: JsonValue | null): string;
  /**
   * Values for the columns after the first when existing values are converted to this type
   * (e.g. money's currency from `x-default-currency`); null when they cannot be filled.
   */
  fillConvertedColumns?(field: FieldModel): Readonly<Record<string, unknown>> | null;
  /**
   * What an erasure leaves of a personal value; absent: null, or a neutral placeholder when the
   * field is required (see personal-data.ts). `recordId` makes placeholders unique.
   */
  erase?(field: FieldModel, value: JsonValue | null, recordId: string): JsonValue | null;
  readonly operators: readonly FilterOperator[];
  readonly filterKind: FilterKind;
  /** JSON Schema of one comparable value in a filter (e.g. a decimal string for money). */
  filterValueSchema(field: FieldModel): JsonObject;
}

export type { OnDeletePolicy };
