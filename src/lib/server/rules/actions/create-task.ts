/**
 * A to-do for a person, shown on their task list and on the record:
 * `{ "type": "create_task", "title": "Call {{record.full_name}}", "assignee": "owner", "dueInDays": 2 }`.
 */
import { v7 as uuidv7 } from 'uuid';
import type { ActionType } from '../action-type.ts';
import { checkUserRef, recordOwner, resolveUser } from './find-user.ts';

const DAY_MS = 86_400_000;

export const createTaskAction: ActionType = {
  name: 'create_task',
  effect: 'internal',
  label: { en: 'Create a task', fa: 'ایجاد وظیفه', ar: 'إنشاء مهمة' },
  check(settings, ctx) {
    return [
      ...ctx.checkTemplate(String(settings.title)).map((message) => ({ pointer: '/title', message })),
      ...(typeof settings.notes === 'string' ? ctx.checkTemplate(settings.notes).map((message) => ({ pointer: '/notes', message })) : []),
      ...checkUserRef(settings.assignee, '/assignee'),
    ];
  },
  prepare(settings, ctx) {
    const title = ctx.render(String(settings.title)).trim().slice(0, 500);
    if (!title) return { ok: false, error: 'the task title is empty after merging the record' };
    const due = typeof settings.dueInDays === 'number' ? new Date(ctx.now.getTime() + settings.dueInDays * DAY_MS).toISOString() : null;
    return {
      ok: true,
      request: { title, notes: typeof settings.notes === 'string' ? ctx.render(settings.notes).slice(0, 10_000) : null, assignee: typeof settings.assignee === 'string' ? settings.assignee : 'owner', due_at: due },
    };
  },
  async perform(request, ctx) {
    const owner = request.assignee === 'owner' ? await recordOwner(ctx) : null;
    const assignee = await resolveUser(ctx.db, String(request.assignee), ctx, owner);
    if (!assignee.ok) return { status: 'error', error: assignee.error, retry: false };
    const id = uuidv7();
    await ctx.db
      .insertInto('peyvand.tasks')
      .values({
        id,
        title: String(request.title),
        notes: typeof request.notes === 'string' ? request.notes : null,
        assignee_id: assignee.id,
        due_at: typeof request.due_at === 'string' ? request.due_at : null,
        entity: ctx.entity?.name ?? null,
        record_id: ctx.recordId,
        workflow: ctx.workflow.name,
        run_id: ctx.runId,
        created_at: ctx.now.toISOString(),
      })
      .execute();
    return { status: 'ok', output: { task: id, assignee: assignee.id } };
  },
};

