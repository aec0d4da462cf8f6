/** Updates the record that started the run: `{ "type": "update_record", "set": { "stage": "\"won\"" } }`. */
import { updateRecord } from '../../records/record-service.ts';
import type { JsonObject } from '../../../model/types.ts';
import type { ActionType } from '../action-type.ts';
import { checkSetValues, evaluateSetValues } from './set-values.ts';

export const updateRecordAction: ActionType = {
  name: 'update_record',
  effect: 'internal',
  label: { en: 'Update the record', fa: 'به‌روزرسانی رکورد', ar: 'تحديث السجل' },
  check(settings, ctx) {
    if (!ctx.entity) return [{ pointer: '', message: 'update_record needs a workflow with an entity' }];
    return checkSetValues(ctx.entity, settings.set as JsonObject, (s) => ctx.checkExpression(s));
  },
  prepare(settings, ctx) {
    if (!ctx.entity || !ctx.recordId) return { ok: false, error: 'this run has no record to update' };
    const values = evaluateSetValues(ctx.entity, settings.set as JsonObject, ctx);
    if (!values.ok) return values;
    return { ok: true, request: { entity: ctx.entity.name, id: ctx.recordId, values: values.values } };
  },
  async perform(request, ctx) {
    const entity = ctx.entity;
    if (!entity) return { status: 'error', error: 'the workflow has no entity', retry: false };
    const records = { db: ctx.db, actorId: ctx.actorId, access: ctx.access, cause: { runId: ctx.runId, depth: ctx.depth + 1 } };
    const result = await updateRecord(records, entity, { id: String(request.id), version: 'current', values: request.values });
    if (!result.ok && result.error.code === 'not-found') return { status: 'skipped', reason: `the ${entity.name} no longer exists` };
    if (!result.ok) return { status: 'error', error: result.error.message, retry: false };
    return { status: 'ok', output: { id: String(result.value.id), version: Number(result.value.version) } };
  },
};
