/**
 * Seed data (`data/<entity>.csv`) through the import engine, hence the one write path: columns
 * are named by field name, cells are parsed by each field type, and a relation cell holds the
 * target's id or its title (e.g. the company's name). Only an empty entity is seeded, so starting
 * twice does not double the demo data. Each file is one transaction.
 */
import { sql } from 'kysely';
import type { EntityModel, Model } from '../../model/types.ts';
import { normaliseMapping } from '../../data/import-mapping.ts';
import type { Database } from '../db/database.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { runImport } from '../data/import-service.ts';
import { memoryBytes, openTabular } from '../data/tabular-source.ts';

export interface SeedReport {
  readonly entity: string;
  readonly inserted: number;
  readonly skipped: 'not-empty' | null;
}

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
    const file = `data/${entity.name}.csv`;
    const count = await sql<{ n: number | string }>`select count(*) as n from ${sql.id(DATA_SCHEMA, entity.name)}`.execute(database.db);
    if (Number(count.rows[0]?.n ?? 0) > 0) {
      reports.push({ entity: entity.name, inserted: 0, skipped: 'not-empty' });
      continue;
    }
    const opened = await openTabular(memoryBytes(files.get(entity.name) ?? ''), { delimiter: ',', encoding: 'utf-8' });
    if (!opened.ok) {
      if (opened.refusal.code === 'empty' || opened.refusal.code === 'no-header') {
        reports.push({ entity: entity.name, inserted: 0, skipped: null });
        continue;
      }
      throw new Error(`${file}: ${opened.refusal.message}`);
    }
    const columns: Record<string, string> = {};
    for (const header of opened.source.headers) {
      if (!entity.fields.some((f) => f.name === header)) {
        opened.source.close();
        throw new Error(`${file}: column "${header}" is not a field of ${entity.name}`);
      }
      columns[header] = header;
    }
    const mapping = normaliseMapping({ entity: entity.name, columns }, { model });
    if (!mapping.ok) {
      opened.source.close();
      throw new Error(`${file}: ${mapping.issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`);
    }
    const result = await runImport({ db: database.db, model, source: opened.source, mapping: mapping.mapping, actor: { kind: 'system', actorId }, mode: 'all-or-nothing' });
    if (result.status !== 'imported') {
      const issue = result.issues[0];
      throw new Error(issue ? `${file} row ${issue.row}${issue.column ? `, column ${issue.column}` : ''}: ${issue.message}` : `${file}: ${result.message}`);
    }
    reports.push({ entity: entity.name, inserted: result.counts.created, skipped: null });
  }
  return reports;
}
