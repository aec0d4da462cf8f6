import { sql, type Kysely } from 'kysely';

/** List views people save: their own, or shared with everyone who can read the entity. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('peyvand')
    .createTable('saved_views')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('peyvand.users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('saved_views_owner_name_key', ['entity', 'owner_id', 'name'])
    .execute();
}
