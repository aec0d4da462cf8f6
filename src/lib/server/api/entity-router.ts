/** The router factory: one router per entity of the model, `entities.<name>.{list,get,create,…}`. */
import type { EntityModel } from '../../model/types.ts';
import { bulkCreate, createRecord, deleteRecord, getRecord, listRecords, recordHistory, updateRecord, type RecordContext } from '../records/record-service.ts';
import { unwrap } from './errors.ts';
import { parseBulkInput, parseDeleteInput, parseIdInput, parseListInput, parseRecordInput, parseSaveViewInput, parseUpdateInput } from './input.ts';
import { procedure, requireUser, router, type ApiContext } from './trpc.ts';
import { deleteView, listViews, saveView } from '../records/saved-views.ts';

function recordContext(ctx: ApiContext): RecordContext {
  return { db: ctx.runtime.database.db, actorId: ctx.user?.id ?? null };
}

export function entityRouter(entity: EntityModel) {
  const name = entity.name;
  return router({
    list: procedure({ action: 'record.read', entity: name })
      .input(parseListInput)
      .query(async ({ ctx, input }) => unwrap(await listRecords(recordContext(ctx), entity, input))),
    get: procedure({ action: 'record.read', entity: name })
      .input(parseIdInput)
      .query(async ({ ctx, input }) => unwrap(await getRecord(recordContext(ctx), entity, input.id))),
    history: procedure({ action: 'record.read', entity: name })
      .input(parseIdInput)
      .query(async ({ ctx, input }) => {
        // Reading the history needs the record to be readable first (one choke point).
        unwrap(await getRecord(recordContext(ctx), entity, input.id));
        return unwrap(await recordHistory(recordContext(ctx), entity, input.id));
      }),
    views: procedure({ action: 'record.read', entity: name }).query(async ({ ctx }) => listViews(ctx.runtime.database.db, requireUser(ctx).id, name)),
    saveView: procedure({ action: 'record.read', entity: name })
      .input(parseSaveViewInput)
      .mutation(async ({ ctx, input }) => unwrap(await saveView(ctx.runtime.database.db, requireUser(ctx).id, { ...input, entity: name }))),
    deleteView: procedure({ action: 'record.read', entity: name })
      .input(parseIdInput)
      .mutation(async ({ ctx, input }) => unwrap(await deleteView(ctx.runtime.database.db, requireUser(ctx).id, input.id))),
    create: procedure({ action: 'record.create', entity: name })
      .input(parseRecordInput)
      .mutation(async ({ ctx, input }) => unwrap(await createRecord(recordContext(ctx), entity, input))),
    bulkCreate: procedure({ action: 'record.create', entity: name })
      .input(parseBulkInput)
      .mutation(async ({ ctx, input }) => unwrap(await bulkCreate(recordContext(ctx), entity, input.records))),
    update: procedure({ action: 'record.update', entity: name })
      .input(parseUpdateInput)
      .mutation(async ({ ctx, input }) => unwrap(await updateRecord(recordContext(ctx), entity, input))),
    delete: procedure({ action: 'record.delete', entity: name })
      .input(parseDeleteInput)
      .mutation(async ({ ctx, input }) => unwrap(await deleteRecord(recordContext(ctx), entity, input))),
  });
}
