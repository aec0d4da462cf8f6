/** The router factory: one router per entity of the model, `entities.<name>.{list,get,create,…}`. */
import type { EntityModel } from '../../model/types.ts';
import { bulkCreate, createRecord, deleteRecord, getRecord, listRecords, recordHistory, updateRecord, type RecordContext } from '../records/record-service.ts';
import { unwrap } from './errors.ts';
import { parseBulkInput, parseDeleteInput, parseIdInput, parseListInput, parseObjectInput, parseRecordInput, parseSaveViewInput, parseUpdateInput, requiredText } from './input.ts';
import { listRuns, startManualRun } from '../rules/workflow-service.ts';
import { unwrapWorkflow } from './workflow-router.ts';
import { procedure, requireAccess, requireUser, router, type CheckedContext } from './trpc.ts';
import { deleteView, listViews, saveView } from '../records/saved-views.ts';

function recordContext(ctx: CheckedContext): RecordContext {
  return { db: ctx.runtime.database.db, actorId: ctx.user?.id ?? null, access: requireAccess(ctx) };
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
      // Only a record the caller can read, only the fields they can see (the service checks both).
      .query(async ({ ctx, input }) => unwrap(await recordHistory(recordContext(ctx), entity, input.id))),
    /** Starts a manual workflow of this entity on one record, as the caller. */
    runWorkflow: procedure({ action: 'record.update', entity: name })
      .input(parseObjectInput)
      .mutation(async ({ ctx, input }) => {
        const user = requireUser(ctx);
        const started = unwrapWorkflow(
          await startManualRun(ctx.runtime.database.db, ctx.runtime.current().model, { workflow: requiredText(input, 'workflow', 63), recordId: requiredText(input, 'id', 64), user: { id: user.id, name: user.name, email: user.email }, access: requireAccess(ctx) }),
        );
        ctx.runtime.wakeJobs();
        return started;
      }),
    /** Workflow runs of one record, newest first. */
    runs: procedure({ action: 'record.read', entity: name })
      .input(parseIdInput)
      .query(async ({ ctx, input }) => {
        unwrap(await getRecord(recordContext(ctx), entity, input.id));
        return (await listRuns(ctx.runtime.database.db, { entity: name, recordId: input.id, limit: 20 })).runs;
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
