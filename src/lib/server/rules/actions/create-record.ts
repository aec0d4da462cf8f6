/** Creates a record of any entity: `{ "type": "create_record", "entity": "task", "set": { … } }`. */
import { createRecord } from '../../records/record-service.ts';
import { findEntity, type JsonObject } from '../../../model/types.ts';
import type { ActionType } from '../action-type.ts';
import { checkSetValues, evaluateSetValues } from './set-values.ts';

export const createRecordAction: ActionType = {
  name: 'create_record',
  effect: 'internal',
  label: { en: 'Create a record', fa: 'ایجاد رکورد', ar: 'إنشاء سجل' },
  check(settings, ctx) {
    const target = findEntity(ctx.model, String(settings.entity));
    if (!target) return [{ pointer: '/entity', message: `there is no entity "${String(settings.entity)}"` }];
    return checkSetValues(target, settings.set as JsonObject, (s) => ctx.checkExpression(s));
  },
  prepare(settings, ctx) {
    const target = findEntity(ctx.model, String(settings.entity));
    if (!target) return { ok: false, error: `there is no entity "${String(settings.entity)}"` };
    const values = evaluateSetValues(target, settings.set as JsonObject, ctx);
    if (!values.ok) return values;
    return { ok: true, request: { entity: target.name, values: values.values } };
  },
  async perform(request, ctx) {
    const target = findEntity(ctx.model, String(request.entity));
    if (!target) return { status: 'error', error: `there is no entity "${String(request.entity)}"`, retry: false };
    const result = await createRecord({ db: ctx.db, actorId: ctx.actorId, access: ctx.access, cause: { runId: ctx.runId, depth: ctx.depth + 1 } }, target, request.values);
    if (!result.ok) return { status: 'error', error: result.error.message, retry: false };
    return { status: 'ok', output: { entity: target.name, id: String(result.value.id) } };
  },
};
