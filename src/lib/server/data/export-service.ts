/**
 * Exports the records of a list (its filters, sort and search) as CSV or XLSX, streamed: pages of
 * 200 through `listRecords` (keyset cursor, the same checks as the list API), each value printed
 * by its field type, every cell and header neutralised against formula injection — in XLSX too,
 * where every cell is written as text (never a formula).
 *
 *   await exportRecords({ db, model, entity, actor: { kind: 'user', user }, format: 'xlsx', out: createWriteStream('deals.xlsx'), list: { filter } });
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import ExcelJS from 'exceljs';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue, LocalizedText, Model } from '../../model/types.ts';
import { csvLine, UTF8_BOM } from '../../data/csv-write.ts';
import { neutraliseCell } from '../../data/neutralise.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { can } from '../auth/permissions.ts';
import { LIST_LIMITS, type ListInput } from '../records/list-query.ts';
import { listRecords, type RecordOutput } from '../records/record-service.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { fieldColumns } from '../schema/plan.ts';
import type { ImportActor } from './import-service.ts';
import { SYSTEM_ACCESS, type Access } from '../../access/access.ts';
import { recordScope, visibleEntity } from '../records/record-access.ts';

export type ExportFormat = 'csv' | 'xlsx';
export type HeaderStyle = 'names' | 'labels';

export interface ExportInput {
  readonly db: Kysely<SystemTables>;
  readonly model: Model;
  readonly entity: EntityModel;
  readonly actor: ImportActor;
  readonly format: ExportFormat;
  readonly out: Writable;
  /** The list's filter, sort and search (cursor, limit and totals are the exporter's). */
  readonly list?: Pick<ListInput, 'filter' | 'sort' | 'search'>;
  /** names (default): field names, what an import maps back exactly; labels: in `locale`. */
  readonly headers?: HeaderStyle;
  readonly locale?: string;
  /** Fields to export, in order (default: every field of the entity). */
  readonly fields?: readonly string[];
  /** titles (default): a relation cell holds the related record's title; ids: its id. */
  readonly relations?: 'titles' | 'ids';
  readonly onProgress?: (rows: number) => void;
}

export type ExportResult = { readonly ok: true; readonly rows: number } | { readonly ok: false; readonly code: 'forbidden' | 'invalid'; readonly message: string };

function label(text: LocalizedText, locale: string, fallback: string): string {
  return text[locale] ?? text.en ?? fallback;
}

/** Header texts; a label two fields share gets the field name after it, so that it maps back. */
export function exportHeaders(fields: readonly FieldModel[], style: HeaderStyle, locale: string): string[] {
  if (style === 'names') return fields.map((f) => f.name);
  const texts = fields.map((f) => label(f.label, locale, f.name));
  return texts.map((t, i) => (texts.indexOf(t) !== texts.lastIndexOf(t) ? `${t} (${fields[i]?.name ?? ''})` : t));
}

/**
 * Titles of related records, a query per relation field and page, cached across pages — only of
 * records the exporter may read, and only when they may see the title field (else the id stays).
 */
class TitleLookup {
  readonly #cache = new Map<string, Map<string, string>>();
  readonly #db: Kysely<SystemTables>;
  readonly #model: Model;
  readonly #access: Access;
  constructor(db: Kysely<SystemTables>, model: Model, access: Access) {
    this.#db = db;
    this.#model = model;
    this.#access = access;
  }

  async load(field: FieldModel, records: readonly RecordOutput[]): Promise<Map<string, string>> {
    const found = this.#model.entities.find((e) => e.name === field.relation?.entity);
    const target = found ? visibleEntity(this.#access, found) : undefined;
    let cache = this.#cache.get(field.name);
    if (!cache || cache.size > 100_000) {
      cache = new Map();
      this.#cache.set(field.name, cache);
    }
    const titleField = target?.titleField ? target.fields.find((f) => f.name === target.titleField) : undefined;
    if (!target || !titleField) return cache;
    const wanted = [...new Set(records.map((r) => r[field.name]).filter((v): v is string => typeof v === 'string' && !cache.has(v)))];
    if (wanted.length === 0) return cache;
    const column = sql.id(fieldColumns(titleField)[0]?.name ?? titleField.name);
    const scope = recordScope(this.#access, target, 'read');
    const rows = await sql<Record<string, unknown>>`select id::text as id, ${column} as title from ${sql.id(DATA_SCHEMA, target.name)} where id = any(${sql.val(wanted)}::uuid[])${scope ? sql` and ${scope}` : sql``}`.execute(this.#db);
    for (const row of rows.rows) cache.set(String(row.id), row.title === null || row.title === undefined ? String(row.id) : String(row.title));
    return cache;
  }
}

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function exportRecords(input: ExportInput): Promise<ExportResult> {
  const { entity, actor, model } = input;
  if (actor.kind === 'user') {
    const decision = can(actor.user, { action: 'record.export', entity: entity.name }, actor.access);
    if (!decision.allowed) return { ok: false, code: 'forbidden', message: decision.message };
  }
  const access = actor.kind === 'user' ? actor.access : SYSTEM_ACCESS;
  // Only the fields the exporter may see exist for this export.
  const shown = visibleEntity(access, entity);
  const fields: FieldModel[] = [];
  for (const name of input.fields ?? shown.fields.map((f) => f.name)) {
    const field = shown.fields.find((f) => f.name === name);
    if (!field) return { ok: false, code: 'invalid', message: `"${name}" is not a field of ${entity.name}` };
    fields.push(field);
  }
  const locale = input.locale ?? 'en';
  const headers = exportHeaders(fields, input.headers ?? 'names', locale);
  // Titles of related records follow the same read check as the records themselves.
  const titled = new Set(
    input.relations === 'ids'
      ? []
      : fields.filter((f) => f.relation && (actor.kind === 'system' || can(actor.user, { action: 'record.read', entity: f.relation.entity }, actor.access).allowed)).map((f) => f.name),
  );
  const titles = new TitleLookup(input.db, model, access);
  const ctx = { db: input.db, actorId: actor.kind === 'user' ? actor.user.id : actor.actorId, access };
  const list = input.list ?? {};

  // A first page before anything is written: a filter the list refuses is an error, not an empty file.
  let page = await listRecords(ctx, entity, { ...list, limit: LIST_LIMITS.maxPageSize });
  if (!page.ok) return { ok: false, code: 'invalid', message: page.error.message };

  const cellsOf = async (records: readonly RecordOutput[]): Promise<string[][]> => {
    const lookups = new Map<string, Map<string, string>>();
    for (const name of titled) lookups.set(name, await titles.load(fields.find((f) => f.name === name) as FieldModel, records));
    return records.map((record) =>
      fields.map((field) => {
        const value = (record[field.name] ?? null) as JsonValue | null;
        const lookup = lookups.get(field.name);
        if (lookup && typeof value === 'string') return lookup.get(value) ?? value;
        return FIELD_TYPES[field.type].printCsv(field, value);
      }),
    );
  };

  let rows = 0;
  if (input.format === 'csv') {
    await write(input.out, UTF8_BOM + csvLine(headers));
    for (;;) {
      const cells = await cellsOf(page.value.items);
      if (cells.length > 0) await write(input.out, cells.map((c) => csvLine(c)).join(''));
      rows += cells.length;
      input.onProgress?.(rows);
      if (!page.value.nextCursor) break;
      page = await listRecords(ctx, entity, { ...list, limit: LIST_LIMITS.maxPageSize, cursor: page.value.nextCursor });
      if (!page.ok) throw new Error(`export stopped: ${page.error.message}`);
    }
    await new Promise<void>((resolve, reject) => input.out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return { ok: true, rows };
  }

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: input.out, useSharedStrings: false, useStyles: false });
  const sheetName = label(entity.pluralLabel, locale, entity.name).replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || entity.name;
  const sheet = workbook.addWorksheet(sheetName, { views: [{ rightToLeft: locale === 'fa' || locale === 'ar' }] });
  // Every cell is a string: exceljs writes a formula only for a { formula } value, and the text is neutralised besides.
  sheet.addRow(headers.map(neutraliseCell)).commit();
  for (;;) {
    const cells = await cellsOf(page.value.items);
    for (const c of cells) sheet.addRow(c.map(neutraliseCell)).commit();
    rows += cells.length;
    input.onProgress?.(rows);
    if (!page.value.nextCursor) break;
    page = await listRecords(ctx, entity, { ...list, limit: LIST_LIMITS.maxPageSize, cursor: page.value.nextCursor });
    if (!page.ok) throw new Error(`export stopped: ${page.error.message}`);
  }
  sheet.commit();
  await workbook.commit();
  return { ok: true, rows };
}
