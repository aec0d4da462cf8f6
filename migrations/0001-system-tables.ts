import { sql, type Kysely } from 'kysely';

/** Character pairs folded together for search (Arabic and Persian variants, digits, joiners). */
const SEARCH_FOLD: readonly (readonly [string, string])[] = [
  ['\u064A', '\u06CC'], // ي → ی
  ['\u0649', '\u06CC'], // ى → ی
  ['\u0643', '\u06A9'], // ك → ک
  ['\u0629', '\u0647'], // ة → ه
  ['\u0623', '\u0627'], // أ → ا
  ['\u0625', '\u0627'], // إ → ا
  ['\u0622', '\u0627'], // آ → ا
  ['\u0624', '\u0648'], // ؤ → و
  ['\u200C', ' '], // zero-width non-joiner (the Persian half-space)
  ['\u200D', ' '], // zero-width joiner
  ...[...'۰۱۲۳۴۵۶۷۸۹'].map((d, i) => [d, String(i)] as const),
  ...[...'٠١٢٣٤٥٦٧٨٩'].map((d, i) => [d, String(i)] as const),
];
/** Removed for search: tatweel and the Arabic diacritics. */
const SEARCH_DROP = '\u0640\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0653\u0654\u0655\u0670';

/** The platform's own tables. Entity tables are not migrations: the schema planner makes them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create schema if not exists data`.execute(db);
  await sql`create schema if not exists archive`.execute(db);

  // Search text: the same folding for stored text and for queries, so that ی/ي, ک/ك, ه/ة,
  // Persian, Arabic and ASCII digits, and the half-space all match each other.
  const from = SEARCH_FOLD.map(([a]) => a).join('') + SEARCH_DROP;
  const to = SEARCH_FOLD.map(([, b]) => b).join('');
  await sql`
    create function peyvand.search_text(value text) returns text
    language sql immutable parallel safe
    return nullif(btrim(regexp_replace(translate(lower(value), ${sql.lit(from)}, ${sql.lit(to)}), '\\s+', ' ', 'g')), '')`.execute(db);

  // Text → date/timestamp conversions in migration plans: a value that is no calendar date
  // (2024-02-30) becomes empty instead of failing the whole plan (PostgreSQL 15 has no pg_input_is_valid).
  for (const type of ['date', 'timestamptz'] as const) {
    await sql`
      create function ${sql.id('peyvand', `try_${type}`)}(value text) returns ${sql.raw(type)}
      language plpgsql immutable as $$
      begin
        if value !~ '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}' then return null; end if;
        return btrim(value)::${sql.raw(type)};
      exception when others then
        return null;
      end $$`.execute(db);
  }

  // Auto-numbers: prefix + zero-padded number, never truncated when the number outgrows the width.
  await sql`
    create function peyvand.format_number(prefix text, n bigint, digits integer) returns text
    language sql immutable parallel safe
    return prefix || lpad(n::text, greatest(digits, length(n::text)), '0')`.execute(db);

  await db.schema
    .withSchema('peyvand')
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('disabled_at', 'timestamptz')
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('peyvand.users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('api', 'session')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('model_versions')
    .addColumn('version', 'serial', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('model', 'jsonb', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('applied_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'uuid')
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('create', 'update', 'delete')`))
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.withSchema('peyvand').createIndex('audit_log_record_idx').on('audit_log').columns(['entity', 'record_id', 'id']).execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('actor_id', 'uuid')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('dispatched_at', 'timestamptz')
    .execute();
  await sql`create index outbox_pending_idx on peyvand.outbox (id) where dispatched_at is null`.execute(db);

  // Audit rows are append-only, whoever connects.
  await sql`
    create function peyvand.audit_log_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'peyvand.audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on peyvand.audit_log
    for each statement execute function peyvand.audit_log_is_append_only()`.execute(db);
}
