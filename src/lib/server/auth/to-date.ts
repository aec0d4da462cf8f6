/**
 * `created_at` columns are typed `Generated<ColumnType<Date, …>>` in db/system-tables.ts, which
 * Kysely's `Selectable` does not unwrap to `Date`. Both drivers return a Date; this makes the type
 * say so without a cast.
 */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}
