import { sql, type Kysely } from 'kysely';

/**
 * Workflow runs, their steps, the idempotency ledger, tasks and the small state the actions keep.
 * PostgreSQL is the source of truth for every run; the queue (BullMQ or in-process) only says
 * "run this now", so a lost or repeated queue message never loses or doubles an effect.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('peyvand')
    .createTable('workflow_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('workflow', 'text', (c) => c.notNull())
    // What started the run, unique per workflow: the same event never starts a workflow twice.
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('entity', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('actor_id', 'uuid')
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('input', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'running', 'waiting', 'done', 'failed', 'dead')`))
    // The next instruction of the compiled workflow, and the attempts made at it.
    .addColumn('pc', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resume_at', 'timestamptz')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('enqueued_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('workflow_runs_event_key', ['workflow', 'event_key'])
    .execute();
  await sql`create index workflow_runs_due_idx on peyvand.workflow_runs (resume_at) where status in ('pending', 'running', 'waiting')`.execute(db);
  await sql`create index workflow_runs_record_idx on peyvand.workflow_runs (entity, record_id, created_at desc)`.execute(db);
  await sql`create index workflow_runs_recent_idx on peyvand.workflow_runs (created_at desc, id)`.execute(db);
  await sql`create index workflow_runs_workflow_idx on peyvand.workflow_runs (workflow, created_at desc)`.execute(db);

  await db.schema
    .withSchema('peyvand')
    .createTable('workflow_steps')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('peyvand.workflow_runs.id').onDelete('cascade'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ok', 'error', 'skipped', 'waiting')`))
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index workflow_steps_run_idx on peyvand.workflow_steps (run_id, id)`.execute(db);

  // One row per (run, step) that has an effect. Internal effects insert it in their own
  // transaction (exactly once); external ones claim it before sending and finish it after.
  await db.schema
    .withSchema('peyvand')
    .createTable('effect_ledger')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('claimed', 'done')`))
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output', 'jsonb')
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('done_at', 'timestamptz')
    .execute();

  await db.schema
    .withSchema('peyvand')
    .createTable('tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('assignee_id', 'uuid', (c) => c.references('peyvand.users.id').onDelete('set null'))
    .addColumn('due_at', 'timestamptz')
    .addColumn('entity', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('workflow', 'text')
    .addColumn('run_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('done_at', 'timestamptz')
    .addColumn('done_by', 'uuid')
    .execute();
  await sql`create index tasks_open_idx on peyvand.tasks (assignee_id, due_at) where done_at is null`.execute(db);
  await sql`create index tasks_record_idx on peyvand.tasks (entity, record_id)`.execute(db);

  // Round-robin assignment: the next position per (workflow, step).
  await db.schema
    .withSchema('peyvand')
    .createTable('round_robin')
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('round_robin_pkey', ['workflow', 'step_id'])
    .execute();

  // Inbound webhook secrets (HMAC keys), one per workflow, made on demand and rotatable.
  await db.schema
    .withSchema('peyvand')
    .createTable('workflow_secrets')
    .addColumn('workflow', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.withSchema('peyvand').alterTable('users').addColumn('time_zone', 'text').execute();

  // Wakes the dispatcher when events are written (one NOTIFY per statement, merged per transaction);
  // it also polls, so a missed notification only delays.
  await sql`
    create function peyvand.outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('peyvand_outbox', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger outbox_notify after insert on peyvand.outbox for each statement execute function peyvand.outbox_notify()`.execute(db);
}
