import { sql, type Kysely } from 'kysely';

/** Import mapping templates saved from the import page: one per entity and name, shared by everyone who imports. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('peyvand')
    .createTable('import_templates')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // The mapping document (schemas/import-mapping.schema.json), as saved.
    .addColumn('mapping', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('import_templates_entity_name_key', ['entity', 'name'])
    .execute();
}
