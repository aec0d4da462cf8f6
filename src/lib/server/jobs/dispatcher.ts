/**
 * Outbox → workflow runs. In one transaction: take a batch of undispatched events (skipping rows
 * another dispatcher holds), decide which workflows each one starts (trigger, then condition),
 * insert those runs (at most one per workflow and event) and mark the events dispatched. The run
 * ids go to the queue after the commit; if the queue is down they stay pending for the sweeper.
 */
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent, workflowsFor, type RecordEvent } from '../../rules/events.ts';
import { checkCondition, usesUser, type RunInput, type RunUser } from '../../rules/scope.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import { findEntity, type JsonObject, type Model } from '../../model/types.ts';
import { rowToRecord } from '../records/record-service.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import type { SystemTables } from '../db/system-tables.ts';
import type { RunJob } from './job-queue.ts';

/** A workflow started by a write that a workflow made, `MAX_DEPTH` levels deep, is not started. */
export const MAX_DEPTH = 5;

export interface NewRun {
  readonly id: string;
  readonly workflow: string;
  readonly event_key: string;
  readonly trigger: string;
  readonly entity: string | null;
  readonly record_id: string | null;
  readonly actor_id: string | null;
  readonly depth: number;
  readonly input: RunInput;
  /** A run refused before it starts (loop limit, condition error) is stored as failed, to be seen. */
  readonly status: 'pending' | 'failed';
  readonly error: string | null;
}

/** Inserts runs; a run whose (workflow, event key) exists is not inserted again. Returns the new ones. */
export async function insertRuns(db: Kysely<SystemTables>, runs: readonly NewRun[], now: Date): Promise<NewRun[]> {
  if (runs.length === 0) return [];
  const rows = runs.map((r) => ({ ...r, input: r.input }));
  const inserted = await sql<{ id: string }>`
    insert into peyvand.workflow_runs (id, workflow, event_key, trigger, entity, record_id, actor_id, depth, input, status, error, created_at, enqueued_at, finished_at)
    select x.id, x.workflow, x.event_key, x.trigger, x.entity, x.record_id, x.actor_id, x.depth, x.input, x.status, x.error,
      ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, case when x.status = 'failed' then ${now.toISOString()}::timestamptz end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id uuid, workflow text, event_key text, trigger text, entity text, record_id uuid, actor_id uuid, depth int, input jsonb, status text, error text)
    on conflict (workflow, event_key) do nothing
    returning id`.execute(db);
  const ids = new Set(inserted.rows.map((r) => r.id));
  return runs.filter((r) => ids.has(r.id));
}

export function runJob(runId: string): RunJob {
  return { runId, key: `${runId}:0:0` };
}

export interface DispatchOptions {
  readonly db: Kysely<SystemTables>;
  readonly model: () => Model;
  readonly now?: () => Date;
  readonly batchSize?: number;
}

export interface DispatchResult {
  readonly events: number;
  readonly jobs: readonly RunJob[];
}

export async function dispatchOutbox(options: DispatchOptions): Promise<DispatchResult> {
  const now = (options.now ?? (() => new Date()))();
  const model = options.model();
  return options.db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: string; topic: string; entity: string; record_id: string; actor_id: string | null; payload: unknown }>`
      select id, topic, entity, record_id, actor_id, payload from peyvand.outbox
      where dispatched_at is null order by id limit ${options.batchSize ?? 500}
      for update skip locked`.execute(trx);
    if (rows.rows.length === 0) return { events: 0, jobs: [] };
    const candidates: { event: RecordEvent; eventId: string; workflow: WorkflowModel }[] = [];
    if (model.workflows.length > 0) {
      for (const row of rows.rows) {
        const event = recordEvent(row);
        if (!event) continue;
        for (const workflow of workflowsFor(model, event)) candidates.push({ event, eventId: row.id, workflow });
      }
    }
    await withStoredRecords(trx, model, candidates);
    const users = await actingUsers(trx, model, candidates);
    const runs: NewRun[] = [];
    for (const { event, eventId, workflow } of candidates) {
      const input: RunInput = { record: event.record, old: event.old, changed: event.changed, event: null, user: event.actorId ? (users.get(event.actorId) ?? null) : null };
      const base = { id: uuidv7(), workflow: workflow.name, event_key: `outbox:${eventId}`, trigger: event.topic, entity: event.entity, record_id: event.recordId, actor_id: event.actorId, depth: event.depth, input };
      if (event.depth >= MAX_DEPTH) {
        runs.push({ ...base, status: 'failed', error: `not started: ${MAX_DEPTH} workflow runs in a row changed this ${event.entity} (a workflow that triggers itself?)` });
        continue;
      }
      const condition = checkCondition(model, workflow, input, now);
      if (!condition.ok) runs.push({ ...base, status: 'failed', error: condition.error });
      else if (condition.pass) runs.push({ ...base, status: 'pending', error: null });
    }
    const inserted = await insertRuns(trx, runs, now);
    const ids = rows.rows.map((r) => r.id);
    await sql`update peyvand.outbox set dispatched_at = ${now.toISOString()}::timestamptz where id = any(${sql.val(ids)}::bigint[])`.execute(trx);
    return { events: rows.rows.length, jobs: inserted.filter((r) => r.status === 'pending').map((r) => runJob(r.id)) };
  });
}

/**
 * A created record's event carries the values that were written; what the database added — the
 * auto-number, formulas, created_at — is read back here, one query per entity, for the records
 * that start a workflow.
 */
async function withStoredRecords(db: Kysely<SystemTables>, model: Model, candidates: { event: RecordEvent }[]): Promise<void> {
  const created = candidates.filter((c) => c.event.topic === 'record.created');
  if (created.length === 0) return;
  const byEntity = new Map<string, Set<string>>();
  for (const c of created) {
    const ids = byEntity.get(c.event.entity) ?? new Set<string>();
    ids.add(c.event.recordId);
    byEntity.set(c.event.entity, ids);
  }
  const stored = new Map<string, JsonObject>();
  for (const [name, ids] of byEntity) {
    const entity = findEntity(model, name);
    if (!entity) continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.id(DATA_SCHEMA, entity.name)} where id = any(${sql.val([...ids])}::uuid[])`.execute(db);
    for (const row of rows.rows) stored.set(String(row.id), rowToRecord(entity, row));
  }
  for (const c of created) {
    const record = stored.get(c.event.recordId);
    if (record) (c as { event: RecordEvent }).event = { ...c.event, record };
  }
}

/** Names and emails of the users whose changes start runs, looked up only when a condition needs them. */
async function actingUsers(db: Kysely<SystemTables>, model: Model, candidates: readonly { event: RecordEvent; workflow: WorkflowModel }[]): Promise<Map<string, RunUser>> {
  const ids = new Set<string>();
  for (const c of candidates) if (c.event.actorId && usesUserCached(model, c.workflow)) ids.add(c.event.actorId);
  if (ids.size === 0) return new Map();
  const rows = await db.selectFrom('peyvand.users').select(['id', 'name', 'email']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, email: r.email }]));
}

const userUse = new WeakMap<WorkflowModel, boolean>();
function usesUserCached(model: Model, workflow: WorkflowModel): boolean {
  let uses = userUse.get(workflow);
  if (uses === undefined) {
    uses = usesUser(model, workflow);
    userUse.set(workflow, uses);
  }
  return uses;
}
