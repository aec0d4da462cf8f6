import { sql, type Kysely } from 'kysely';

/**
 * Which packs are installed, in which version, and their files as applied (a pack bundle): the
 * base of the three-way merge when the pack is upgraded, and what an export writes back for the
 * kinds the model does not hold (UI strings, seed data, import mappings). Written in the same
 * transaction as the model version it produced.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('peyvand')
    .createTable('installed_packs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('bundle', 'jsonb', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.references('peyvand.model_versions.version'))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('applied_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .execute();
}
