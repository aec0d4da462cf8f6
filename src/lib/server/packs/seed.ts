/**
 * Seed data (`data/<entity>.csv`) through the one write path. Cells are parsed by each field
 * type; a relation cell holds the target's id or its title (e.g. the company's name).
 * Only an empty entity is seeded, so starting twice does not double the demo data.
 */
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, JsonValue, Model } from '../../model/types.ts';
import type { Database } from '../db/database.ts';
import { bulkCreate } from '../records/record-service.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';

export interface SeedReport {
  readonly entity: string;
  readonly inserted: number;
  readonly skipped: 'not-empty' | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entities in an order where referenced ones come first. */
function ordered(model: Model, names: readonly string[]): EntityModel[] {
  const out: EntityModel[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (out.some((e) => e.name === name) || path.has(name)) return;
    const entity = model.entities.find((e) => e.name === name);
    if (!entity) return;
    path.add(name);
    for (const f of entity.fields) if (f.relation && names.includes(f.relation.entity)) visit(f.relation.entity, path);
    out.push(entity);
  };
  for (const n of names) visit(n, new Set());
  return out;
}

export async function seedData(database: Database, model: Model, files: ReadonlyMap<string, string>, actorId: string | null): Promise<SeedReport[]> {
  const reports: SeedReport[] = [];
  for (const entity of ordered(model, [...files.keys()])) {
    const text = files.get(entity.name) ?? '';
    const count = await sql<{ n: number | string }>`select count(*) as n from ${sql.id(DATA_SCHEMA, entity.name)}`.execute(database.db);
    if (Number(count.rows[0]?.n ?? 0) > 0) {
      reports.push({ entity: entity.name, inserted: 0, skipped: 'not-empty' });
      continue;
    }
    const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    const records: Record<string, JsonValue>[] = [];
    for (const [index, row] of rows.entries()) {
      const record: Record<string, JsonValue> = {};
      for (const [header, cell] of Object.entries(row)) {
        const field = entity.fields.find((f) => f.name === header);
        if (!field) throw new Error(`data/${entity.name}.csv: column "${header}" is not a field of ${entity.name}`);
        if (cell === '') continue;
        if (field.relation && !UUID.test(cell)) {
          record[header] = await resolveByTitle(database, model, field.relation.entity, cell, `data/${entity.name}.csv row ${index + 2}`);
          continue;
        }
        const parsed = FIELD_TYPES[field.type].parseCsv(field, cell);
        if (!parsed.ok) throw new Error(`data/${entity.name}.csv row ${index + 2}, column ${header}: ${parsed.message}`);
        if (parsed.value !== null) record[header] = parsed.value;
      }
      records.push(record);
    }
    let inserted = 0;
    for (let i = 0; i < records.length; i += 1000) {
      const result = await bulkCreate({ db: database.db, actorId }, entity, records.slice(i, i + 1000));
      if (!result.ok) {
        const issue = result.error.issues?.[0];
        throw new Error(`data/${entity.name}.csv: ${result.error.message}${issue ? ` at row ${Number(issue.path.split('/')[1] ?? 0) + i + 2} (${issue.path})` : ''}`);
      }
      inserted += result.value.ids.length;
    }
    reports.push({ entity: entity.name, inserted, skipped: null });
  }
  return reports;
}

async function resolveByTitle(database: Database, model: Model, target: string, title: string, where: string): Promise<string> {
  const entity = model.entities.find((e) => e.name === target);
  if (!entity?.titleField) throw new Error(`${where}: "${title}" is not an id, and ${target} has no title field to look it up by`);
  const result = await sql<{ id: string }>`select id from ${sql.id(DATA_SCHEMA, target)} where ${sql.id(entity.titleField)} = ${title} limit 2`.execute(database.db);
  if (result.rows.length !== 1) throw new Error(`${where}: ${result.rows.length === 0 ? 'no' : 'more than one'} ${target} named "${title}"`);
  return result.rows[0]?.id ?? '';
}
