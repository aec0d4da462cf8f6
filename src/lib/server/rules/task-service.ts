/**
 * Tasks (to-dos made by the `create_task` action): list a person's or a record's tasks, and mark
 * one done. Only the assignee or an administrator may complete a task.
 *
 *   const mine = await listTasks(db, { assigneeId: user.id, open: true, limit: 100 });
 *   const done = await completeTask(db, { id: mine[0].id, userId: user.id });   // { ok: true, task }
 */
import { sql, type Kysely } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';

export interface TaskView {
  readonly id: string;
  readonly title: string;
  readonly notes: string | null;
  readonly assigneeId: string | null;
  readonly assigneeName: string | null;
  readonly dueAt: string | null;
  readonly entity: string | null;
  readonly recordId: string | null;
  readonly workflow: string | null;
  readonly runId: string | null;
  readonly createdAt: string;
  readonly doneAt: string | null;
}

export interface TaskFilter {
  /** A user's tasks; `null`: tasks nobody is assigned to; left out: anyone's. */
  readonly assigneeId?: string | null;
  /** Only open (true) or only done (false) tasks; left out: both. */
  readonly open?: boolean;
  readonly entity?: string;
  readonly recordId?: string;
  readonly limit?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** Due first (the earliest due date at the top, undated last), then the oldest. */
export async function listTasks(db: Kysely<SystemTables>, filter: TaskFilter): Promise<TaskView[]> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  if (typeof filter.assigneeId === 'string' && !UUID.test(filter.assigneeId)) return [];
  if (filter.recordId !== undefined && !UUID.test(filter.recordId)) return [];
  let query = db
    .selectFrom('peyvand.tasks as t')
    .leftJoin('peyvand.users as u', 'u.id', 't.assignee_id')
    .select(['t.id', 't.title', 't.notes', 't.assignee_id', 'u.name as assignee_name', 't.due_at', 't.entity', 't.record_id', 't.workflow', 't.run_id', 't.created_at', 't.done_at']);
  if (filter.assigneeId === null) query = query.where('t.assignee_id', 'is', null);
  else if (filter.assigneeId !== undefined) query = query.where('t.assignee_id', '=', filter.assigneeId);
  if (filter.open === true) query = query.where('t.done_at', 'is', null);
  if (filter.open === false) query = query.where('t.done_at', 'is not', null);
  if (filter.entity !== undefined) query = query.where('t.entity', '=', filter.entity);
  if (filter.recordId !== undefined) query = query.where('t.record_id', '=', filter.recordId);
  const rows = await query.orderBy(sql`t.due_at asc nulls last`).orderBy('t.created_at', 'asc').orderBy('t.id', 'asc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    notes: r.notes,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name ?? null,
    dueAt: iso(r.due_at),
    entity: r.entity,
    recordId: r.record_id,
    workflow: r.workflow,
    runId: r.run_id,
    createdAt: iso(r.created_at) ?? '',
    doneAt: iso(r.done_at),
  }));
}

export type CompleteTaskResult =
  | { readonly ok: true; readonly task: { readonly id: string; readonly doneAt: string } }
  | { readonly ok: false; readonly code: 'not-found' | 'forbidden' | 'already-done' };

/** Marks a task done on behalf of a user: its assignee, or an active administrator. */
export async function completeTask(db: Kysely<SystemTables>, input: { readonly id: string; readonly userId: string; readonly now?: Date }): Promise<CompleteTaskResult> {
  if (!UUID.test(input.id) || !UUID.test(input.userId)) return { ok: false, code: 'not-found' };
  const [task, user] = await Promise.all([
    db.selectFrom('peyvand.tasks').select(['id', 'assignee_id', 'done_at']).where('id', '=', input.id).executeTakeFirst(),
    db.selectFrom('peyvand.users').select(['id', 'is_admin']).where('id', '=', input.userId).where('disabled_at', 'is', null).executeTakeFirst(),
  ]);
  if (!task) return { ok: false, code: 'not-found' };
  if (!user || (task.assignee_id !== user.id && !user.is_admin)) return { ok: false, code: 'forbidden' };
  if (task.done_at !== null) return { ok: false, code: 'already-done' };
  const doneAt = (input.now ?? new Date()).toISOString();
  // Only the first of two concurrent completions wins; the other sees it done.
  const updated = await db.updateTable('peyvand.tasks').set({ done_at: doneAt, done_by: user.id }).where('id', '=', task.id).where('done_at', 'is', null).returning('id').executeTakeFirst();
  if (!updated) return { ok: false, code: 'already-done' };
  return { ok: true, task: { id: task.id, doneAt } };
}
