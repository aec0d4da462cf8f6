/**
 * Import mapping templates: saved from the import page (`peyvand.import_templates`, one per
 * entity and name), and shipped by packs (`imports/<name>.json` of an installed pack). Both are
 * mapping documents (schemas/import-mapping.schema.json), checked against the model when used.
 *
 *   await saveTemplate(db, { model, user, access, entity: 'contact', name: 'crm-export', mapping: doc });
 *   const all = await listTemplates(db, 'contact');   // saved ones, then the packs' ones
 */
import type { Access } from '../../access/access.ts';
import type { ColumnType, Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, Model } from '../../model/types.ts';
import { normaliseMapping, type ImportMappingDefinition, type MappingIssue } from '../../data/import-mapping.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { can, type AuthUser } from '../auth/permissions.ts';
import { listInstalledPacks } from '../packs/installed-packs.ts';

type ImportTemplatesTable = {
  id: string;
  entity: string;
  name: string;
  mapping: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
};

type TemplateTables = { 'peyvand.import_templates': ImportTemplatesTable };

function tables(db: Kysely<SystemTables>): Kysely<SystemTables & TemplateTables> {
  return db.withTables<TemplateTables>();
}

export interface ImportTemplate {
  /** `saved:<name>` or `pack:<pack>/<name>`: what the import page passes around. */
  readonly key: string;
  readonly name: string;
  readonly source: 'saved' | 'pack';
  /** The pack that ships it. */
  readonly pack: string | null;
  readonly title: string | Readonly<Record<string, string>> | null;
  readonly mapping: ImportMappingDefinition;
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** A name for a template from what a person typed: "CRM export 2024" → "crm-export-2024". */
export function templateName(text: string): string {
  const name = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63);
  return name;
}

export type SaveTemplateResult = { readonly ok: true; readonly template: ImportTemplate } | { readonly ok: false; readonly message: string; readonly issues?: readonly MappingIssue[] };

export async function saveTemplate(
  db: Kysely<SystemTables>,
  input: { readonly model: Model; readonly user: AuthUser; readonly access: Access; readonly entity: string; readonly name: string; readonly mapping: unknown },
): Promise<SaveTemplateResult> {
  const decision = can(input.user, { action: 'record.import', entity: input.entity }, input.access);
  if (!decision.allowed) return { ok: false, message: decision.message };
  if (!NAME.test(input.name)) return { ok: false, message: 'a template name is lower-case letters, digits, - and _, starting with a letter (at most 63)' };
  const doc = { ...(input.mapping as JsonObject), name: input.name, entity: input.entity };
  const checked = normaliseMapping(doc, { model: input.model, entity: input.entity });
  if (!checked.ok) return { ok: false, message: checked.issues.map((i) => `${i.pointer}: ${i.message}`).join('; '), issues: checked.issues };
  const now = new Date();
  // A saved template is shared with everyone who imports the entity, but only its author or an
  // administrator may replace it: another user's import must not be redirected silently.
  const saved = await tables(db)
    .insertInto('peyvand.import_templates')
    .values({ id: uuidv7(), entity: input.entity, name: input.name, mapping: JSON.stringify(doc), created_by: input.user.id, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc
        .constraint('import_templates_entity_name_key')
        .doUpdateSet({ mapping: JSON.stringify(doc), updated_at: now })
        .where((eb) => (input.user.isAdmin || input.access.isAdmin ? eb.val(true) : eb('peyvand.import_templates.created_by', '=', input.user.id))),
    )
    .returning('id')
    .executeTakeFirst();
  if (!saved) return { ok: false, message: `a template named "${input.name}" was saved by someone else; choose another name` };
  return { ok: true, template: { key: `saved:${input.name}`, name: input.name, source: 'saved', pack: null, title: null, mapping: doc as unknown as ImportMappingDefinition } };
}

export async function deleteTemplate(db: Kysely<SystemTables>, input: { readonly user: AuthUser; readonly access: Access; readonly entity: string; readonly name: string }): Promise<boolean> {
  if (!can(input.user, { action: 'record.import', entity: input.entity }, input.access).allowed) return false;
  let query = tables(db).deleteFrom('peyvand.import_templates').where('entity', '=', input.entity).where('name', '=', input.name);
  if (!input.user.isAdmin && !input.access.isAdmin) query = query.where('created_by', '=', input.user.id);
  const result = await query.executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function parseStored(value: unknown): ImportMappingDefinition | null {
  const doc = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as ImportMappingDefinition) : null;
}

/** Templates of an entity: the saved ones by name, then those of installed packs. */
export async function listTemplates(db: Kysely<SystemTables>, entity: string): Promise<ImportTemplate[]> {
  const rows = await tables(db).selectFrom('peyvand.import_templates').select(['name', 'mapping']).where('entity', '=', entity).orderBy('name').limit(500).execute();
  const saved: ImportTemplate[] = [];
  for (const row of rows) {
    const mapping = parseStored(row.mapping);
    if (mapping) saved.push({ key: `saved:${row.name}`, name: row.name, source: 'saved', pack: null, title: null, mapping });
  }
  const shipped: ImportTemplate[] = [];
  for (const pack of await listInstalledPacks(db)) {
    for (const file of pack.files) {
      const m = /^imports\/([^/]+)\.json$/.exec(file.path);
      if (!m) continue;
      let mapping: ImportMappingDefinition | null = null;
      try {
        mapping = parseStored(file.text);
      } catch {
        continue;
      }
      if (!mapping || mapping.entity !== entity) continue;
      const name = m[1] ?? '';
      shipped.push({ key: `pack:${pack.name}/${name}`, name, source: 'pack', pack: pack.name, title: mapping.title ?? null, mapping });
    }
  }
  return [...saved, ...shipped];
}

export async function findTemplate(db: Kysely<SystemTables>, entity: string, key: string): Promise<ImportTemplate | null> {
  return (await listTemplates(db, entity)).find((t) => t.key === key) ?? null;
}
