/**
 * Gives the record an owner: in turn from a list (`round_robin`, the position kept in PostgreSQL in
 * the same transaction) or by the first matching rule.
 *
 *   { "type": "assign_owner", "strategy": "round_robin", "users": ["sara@example.com", "reza@example.com"] }
 *   { "type": "assign_owner", "strategy": "rules", "rules": [{ "when": "amount > 100000", "user": "head@example.com" }], "otherwise": "desk@example.com" }
 */
import { sql } from 'kysely';
import { reassignOwner } from '../../records/reassign-owner.ts';
import type { ActionType, PrepareResult } from '../action-type.ts';
import { checkUserRef, resolveUser } from './find-user.ts';

interface Rule {
  readonly when: string;
  readonly user: string;
}

export const assignOwnerAction: ActionType = {
  name: 'assign_owner',
  effect: 'internal',
  label: { en: 'Assign an owner', fa: 'تعیین مسئول', ar: 'تعيين مسؤول' },
  check(settings, ctx) {
    if (!ctx.entity) return [{ pointer: '', message: 'assign_owner needs a workflow with an entity' }];
    if (settings.strategy === 'round_robin') {
      if (!Array.isArray(settings.users)) return [{ pointer: '/users', message: 'round robin needs the list of users to take turns' }];
      return settings.users.flatMap((u, i) => checkUserRef(u, `/users/${i}`));
    }
    const rules = (Array.isArray(settings.rules) ? settings.rules : []) as unknown as Rule[];
    if (rules.length === 0 && settings.otherwise === undefined) return [{ pointer: '/rules', message: 'give at least one rule or an "otherwise" user' }];
    return [
      ...rules.flatMap((r, i) => [...ctx.checkExpression(r.when).map((message) => ({ pointer: `/rules/${i}/when`, message })), ...checkUserRef(r.user, `/rules/${i}/user`)]),
      ...checkUserRef(settings.otherwise, '/otherwise'),
    ];
  },
  prepare(settings, ctx): PrepareResult {
    if (!ctx.entity || !ctx.recordId) return { ok: false, error: 'this run has no record to assign' };
    if (settings.strategy === 'round_robin') return { ok: true, request: { strategy: 'round_robin', users: settings.users ?? [] } };
    for (const rule of (settings.rules ?? []) as unknown as Rule[]) {
      let matched: unknown;
      try {
        matched = ctx.evaluate(rule.when);
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
      if (matched === true) return { ok: true, request: { strategy: 'rules', user: rule.user } };
    }
    return typeof settings.otherwise === 'string' ? { ok: true, request: { strategy: 'rules', user: settings.otherwise } } : { ok: true, request: { strategy: 'rules', user: null } };
  },
  async perform(request, ctx) {
    const entity = ctx.entity;
    if (!entity || !ctx.recordId) return { status: 'error', error: 'this run has no record to assign', retry: false };
    let ref: string | null;
    if (request.strategy === 'round_robin') {
      const users = (request.users as string[]) ?? [];
      // One row per (workflow, step), advanced in this transaction: concurrent runs take turns.
      const turn = await sql<{ position: number }>`
        insert into peyvand.round_robin (workflow, step_id, position) values (${ctx.workflow.name}, ${ctx.stepId}, 0)
        on conflict (workflow, step_id) do update set position = peyvand.round_robin.position + 1
        returning position`.execute(ctx.db);
      const position = turn.rows[0]?.position ?? 0;
      ref = users[position % users.length] ?? null;
    } else {
      ref = typeof request.user === 'string' ? request.user : null;
    }
    if (ref === null) return { status: 'skipped', reason: 'no rule matched and there is no "otherwise" user' };
    const user = await resolveUser(ctx.db, ref, ctx, null);
    if (!user.ok) return { status: 'error', error: user.error, retry: false };
    const result = await reassignOwner({ db: ctx.db, actorId: ctx.actorId, access: ctx.access, cause: { runId: ctx.runId, depth: ctx.depth + 1 } }, entity, ctx.recordId, user.id);
    if (!result.ok) return { status: 'skipped', reason: result.error.message };
    return { status: 'ok', output: { owner: user.id, email: ref, changed: result.value.changed } };
  },
};
