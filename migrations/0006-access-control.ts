import { sql, type Kysely } from 'kysely';

/**
 * Access control, the configuration log and privacy requests.
 *
 * - Teams form a tree (region → office → team); users belong to any number of them.
 * - Roles are part of the versioned model (`Model.roles`); `user_roles` only says who holds which,
 *   by name, so a role a pack stops shipping simply grants nothing.
 * - `record_shares` opens one record to one user or team beyond the role's scope.
 * - `config_log` is the append-only trail of configuration changes (packs, designer, roles, teams,
 *   users, workflow identities) and privacy requests, beside `audit_log` for records.
 * - `audit_log` stays append-only, with one narrow exception: an erasure request may blank the
 *   values in a record's history (never delete rows, never touch who/when/what).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('peyvand')
    .createTable('teams')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('parent_id', 'uuid', (c) => c.references('peyvand.teams.id').onDelete('restrict'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('teams_not_own_parent', sql`parent_id is distinct from id`)
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('team_members')
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('peyvand.teams.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('peyvand.users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await sql`create index team_members_user_idx on peyvand.team_members (user_id)`.execute(db);

  await db.schema
    .withSchema('peyvand')
    .createTable('user_roles')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('peyvand.users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('record_shares')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('peyvand.users.id').onDelete('cascade'))
    .addColumn('team_id', 'uuid', (c) => c.references('peyvand.teams.id').onDelete('cascade'))
    .addColumn('access', 'text', (c) => c.notNull().check(sql`access in ('read', 'edit')`))
    .addColumn('created_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('record_shares_one_grantee', sql`(user_id is null) <> (team_id is null)`)
    .execute();
  await sql`create unique index record_shares_grantee_idx on peyvand.record_shares (entity, record_id, coalesce(user_id, team_id))`.execute(db);
  await sql`create index record_shares_user_idx on peyvand.record_shares (entity, user_id) where user_id is not null`.execute(db);
  await sql`create index record_shares_team_idx on peyvand.record_shares (entity, team_id) where team_id is not null`.execute(db);

  // A counter every auth change bumps in its own transaction (roles, teams, tokens, users): each
  // request compares it with what its process cached, so a revocation holds on the very next
  // request in every process, without waiting for the NOTIFY to arrive.
  await db.schema
    .withSchema('peyvand')
    .createTable('auth_state')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into peyvand.auth_state (id, epoch) values (true, 0)`.execute(db);

  // Null: every scope (sessions, and tokens made before scopes existed).
  await sql`alter table peyvand.api_tokens add column scopes text[]`.execute(db);

  // Failed sign-ins, shared by every server process (rate limiting survives a restart and a
  // load balancer); old rows are pruned as new ones arrive.
  await db.schema
    .withSchema('peyvand')
    .createTable('sign_in_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index sign_in_failures_key_idx on peyvand.sign_in_failures (key, at)`.execute(db);

  // Who a workflow runs as: granted by an administrator, checked again at every step.
  await db.schema
    .withSchema('peyvand')
    .createTable('workflow_identities')
    .addColumn('workflow', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('peyvand.users.id').onDelete('cascade'))
    .addColumn('granted_by', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('config_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'uuid')
    // pack | model | workflow | role | team | user | share | privacy | auth
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`create index config_log_at_idx on peyvand.config_log (at desc, id desc)`.execute(db);
  await sql`
    create function peyvand.config_log_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'peyvand.config_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger config_log_append_only before update or delete or truncate on peyvand.config_log
    for each statement execute function peyvand.config_log_is_append_only()`.execute(db);

  // The global audit view filters by who and when.
  await sql`create index audit_log_at_idx on peyvand.audit_log (at desc, id desc)`.execute(db);
  await sql`create index audit_log_actor_idx on peyvand.audit_log (actor_id, id desc)`.execute(db);

  // audit_log: deletes and truncation stay impossible; an update is allowed only inside an erasure
  // (the transaction sets peyvand.erasure = 'on') and only to the values it carries.
  await sql`drop trigger audit_log_append_only on peyvand.audit_log`.execute(db);
  await sql`
    create trigger audit_log_append_only before delete or truncate on peyvand.audit_log
    for each statement execute function peyvand.audit_log_is_append_only()`.execute(db);
  await sql`
    create function peyvand.audit_log_erasure_only() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('peyvand.erasure', true), '') <> 'on' then
        raise exception 'peyvand.audit_log is append-only';
      end if;
      if new.id is distinct from old.id or new.at is distinct from old.at or new.actor_id is distinct from old.actor_id
         or new.entity is distinct from old.entity or new.record_id is distinct from old.record_id or new.action is distinct from old.action then
        raise exception 'an erasure may only blank the values of peyvand.audit_log';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger audit_log_erasure_only before update on peyvand.audit_log
    for each row execute function peyvand.audit_log_erasure_only()`.execute(db);
}
