/**
 * `workflows.*`: automations for administrators and integrators — define, check, dry-run, and read
 * or retry runs. Running a manual workflow on a record is `entities.<name>.runWorkflow` (it needs
 * the right to change that record).
 *
 *   await caller.workflows.save({ document });                       // a new model version
 *   await caller.workflows.dryRun({ name: 'won_deal', recordId });   // what each step would do
 *   await caller.workflows.runs({ status: 'dead' });                 // dead letters
 *   await caller.workflows.retry({ id });
 */
import { grantIdentity, identityOf } from '../rules/workflow-identity.ts';
import { findUserByEmail } from '../auth/users.ts';
import type { TRPCError } from '@trpc/server';
import { findWorkflow } from '../../model/types.ts';
import { servicesFromEnv } from '../jobs/from-env.ts';
import { dryRun, getRun, isRunStatus, listRuns, loadWorkflowDocument, removeWorkflow, retryRun, saveWorkflow, webhookSecret, type WorkflowResult } from '../rules/workflow-service.ts';
import { parseIdInput, parseObjectInput, requiredText } from './input.ts';
import { PeyvandApiError, procedure, requireUser, router } from './trpc.ts';

const HTTP_CODE = { invalid: 'BAD_REQUEST', 'not-found': 'NOT_FOUND', conflict: 'CONFLICT' } as const satisfies Record<string, TRPCError['code']>;

export function unwrapWorkflow<T>(result: WorkflowResult<T>): T {
  if (result.ok) return result.value;
  throw new PeyvandApiError(HTTP_CODE[result.code], result.message, { peyvandCode: result.code, issues: result.issues.map((i) => ({ path: i.pointer, field: null, message: i.message })) });
}

function optionalText(o: Record<string, unknown>, key: string, max = 200): string | undefined {
  return o[key] === undefined ? undefined : requiredText(o, key, max);
}

function workflowName(o: Record<string, unknown>): string {
  return requiredText(o, 'name', 63);
}

export const workflowRouter = router({
  list: procedure({ action: 'admin' }).query(({ ctx }) =>
    ctx.runtime.current().model.workflows.map((w) => ({ name: w.name, title: w.label, entity: w.entity, trigger: w.trigger, enabled: w.enabled, pack: w.pack })),
  ),
  get: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .query(({ ctx, input }) => {
      const workflow = findWorkflow(ctx.runtime.current().model, workflowName(input));
      if (!workflow) throw new PeyvandApiError('NOT_FOUND', 'no such workflow', { peyvandCode: 'not-found' });
      return { name: workflow.name, pack: workflow.pack, document: workflow.document };
    }),
  /** Checks a document against the model without saving it (the designer's live check). */
  check: procedure({ action: 'model.change' })
    .input(parseObjectInput)
    .mutation(({ ctx, input }) => {
      const result = loadWorkflowDocument(ctx.runtime.current().model, input.document);
      return result.ok ? { ok: true as const, issues: [] } : { ok: false as const, issues: result.issues.map((i) => ({ path: i.pointer, message: i.message })) };
    }),
  save: procedure({ action: 'model.change' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const previousName = optionalText(input, 'previousName', 63);
      const saved = unwrapWorkflow(await saveWorkflow(ctx.runtime.database, { document: input.document, ...(previousName ? { previousName } : {}), actorId: requireUser(ctx).id }));
      await ctx.runtime.refresh();
      return { name: saved.workflow.name, status: saved.result.status, version: saved.result.version };
    }),
  remove: procedure({ action: 'model.change' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const result = unwrapWorkflow(await removeWorkflow(ctx.runtime.database, workflowName(input), requireUser(ctx).id));
      await ctx.runtime.refresh();
      return { status: result.status, version: result.version };
    }),
  /** Runs a saved workflow (`name`) or a draft (`document`) against a record; nothing is written or sent. */
  dryRun: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const model = ctx.runtime.current().model;
      let workflow;
      if (input.document !== undefined) workflow = unwrapWorkflow(loadWorkflowDocument(model, input.document));
      else workflow = findWorkflow(model, workflowName(input));
      if (!workflow) throw new PeyvandApiError('NOT_FOUND', 'no such workflow', { peyvandCode: 'not-found' });
      const user = requireUser(ctx);
      return unwrapWorkflow(await dryRun(ctx.runtime.database.db, model, { workflow, recordId: optionalText(input, 'recordId', 64) ?? null, user: { id: user.id, name: user.name, email: user.email }, services: servicesFromEnv(process.env) }));
    }),
  runs: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .query(async ({ ctx, input }) => {
      const status = input.status;
      if (status !== undefined && !isRunStatus(status)) throw new PeyvandApiError('BAD_REQUEST', 'status must be pending, running, waiting, done, failed or dead', { peyvandCode: 'invalid' });
      const limit = input.limit === undefined ? undefined : Number(input.limit);
      return listRuns(ctx.runtime.database.db, {
        workflow: optionalText(input, 'workflow', 63),
        status,
        entity: optionalText(input, 'entity', 63),
        recordId: optionalText(input, 'recordId', 64),
        before: optionalText(input, 'before', 64),
        ...(limit !== undefined && Number.isFinite(limit) ? { limit } : {}),
      });
    }),
  run: procedure({ action: 'admin' })
    .input(parseIdInput)
    .query(async ({ ctx, input }) => unwrapWorkflow(await getRun(ctx.runtime.database.db, input.id))),
  retry: procedure({ action: 'admin' })
    .input(parseIdInput)
    .mutation(async ({ ctx, input }) => {
      const result = unwrapWorkflow(await retryRun(ctx.runtime.database.db, input.id));
      ctx.runtime.wakeJobs();
      return result;
    }),
  /** Who the workflow runs as (null: the platform, every right). */
  identity: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .query(async ({ ctx, input }) => identityOf(ctx.runtime.database.db, workflowName(input))),
  /** Grants the workflow an identity by the user's email, or withdraws it (`email: null`). */
  setIdentity: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => {
      const name = workflowName(input);
      if (!findWorkflow(ctx.runtime.current().model, name)) throw new PeyvandApiError('NOT_FOUND', 'no such workflow', { peyvandCode: 'not-found' });
      let userId: string | null = null;
      if (input.email !== null) {
        const user = await findUserByEmail(ctx.runtime.database.db, requiredText(input, 'email', 320));
        if (!user || user.disabledAt) throw new PeyvandApiError('BAD_REQUEST', 'no active user with this email', { peyvandCode: 'invalid' });
        userId = user.id;
      }
      const granted = await grantIdentity(ctx.runtime.database.db, { workflow: name, userId, grantedBy: requireUser(ctx).id });
      if (!granted.ok) throw new PeyvandApiError('BAD_REQUEST', granted.error, { peyvandCode: 'invalid' });
      return identityOf(ctx.runtime.database.db, name);
    }),
  webhookSecret: procedure({ action: 'model.change' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => ({ secret: await webhookSecret(ctx.runtime.database.db, workflowName(input), input.rotate === true), header: 'X-Peyvand-Signature', path: `/hooks/${workflowName(input)}` })),
});
