/**
 * What people do with workflows besides defining them in packs: save one from the designer, run one
 * by hand, try one against a record without effects (dry run), read the run history, retry a failed
 * run, and receive inbound webhooks. Each function takes the database (and the model) it needs.
 *
 *   const dry = await dryRun(db, model, { document, recordId, user });   // what each step would do
 *   const run = await startManualRun(db, model, { workflow: 'call_back', recordId, user });
 */
import { SYSTEM_ACCESS, type Access } from '../../access/access.ts';
import { resolveIdentity } from './workflow-identity.ts';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { buildModel } from '../../model/compose-model.ts';
import type { PackIssue } from '../../model/load-pack.ts';
import { findEntity, findWorkflow, type JsonObject, type JsonValue, type Model } from '../../model/types.ts';
import { loadWorkflowDocuments } from '../../rules/load-workflows.ts';
import { compileProgram } from '../../rules/program.ts';
import { checkCondition, type RunInput, type RunUser } from '../../rules/scope.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import type { Database } from '../db/database.ts';
import type { RunStatus, SystemTables } from '../db/system-tables.ts';
import { insertRuns } from '../jobs/dispatcher.ts';
import { actionContext } from '../jobs/run-executor.ts';
import { getRecord } from '../records/record-service.ts';
import { applyModel, type ApplyResult } from '../schema/apply.ts';
import { loadCurrentModel } from '../schema/model-store.ts';
import type { ActionServices } from './action-type.ts';
import { actionType } from './actions/registry.ts';
import { checkWorkflow } from './check-workflows.ts';
import { redact } from './redact.ts';

export type WorkflowResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: 'invalid' | 'not-found' | 'conflict'; readonly message: string; readonly issues: readonly PackIssue[] };

function refused(code: 'invalid' | 'not-found' | 'conflict', message: string, issues: readonly PackIssue[] = []): { ok: false; code: typeof code; message: string; issues: readonly PackIssue[] } {
  return { ok: false, code, message, issues };
}

/** A workflow document → its model, checked against `model` (the deployment's). */
export function loadWorkflowDocument(model: Model, document: unknown, pack: string | null = null): WorkflowResult<WorkflowModel> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return refused('invalid', 'the workflow must be a JSON object');
  const name = typeof (document as { name?: unknown }).name === 'string' ? (document as { name: string }).name : 'workflow';
  const path = `workflows/${/^[a-z][a-z0-9_]*$/.test(name) ? name : 'workflow'}.json`;
  const loaded = loadWorkflowDocuments([{ path, text: JSON.stringify(document) }], pack);
  if (!loaded.ok) return refused('invalid', summary(loaded.issues), loaded.issues);
  const workflow = loaded.workflows[0];
  if (!workflow) return refused('invalid', 'the document describes no workflow');
  const issues = checkWorkflow(model, workflow);
  if (issues.length > 0) return refused('invalid', summary(issues), issues);
  return { ok: true, value: workflow };
}

function summary(issues: readonly PackIssue[]): string {
  const first = issues[0];
  if (!first) return 'the workflow is invalid';
  const text = `${first.pointer || '/'}: ${first.message}`;
  return issues.length === 1 ? text : `${text} (and ${issues.length - 1} more)`;
}

/**
 * Saves a workflow made or edited in the designer as a new model version. A pack's workflow edited
 * here stays the pack's (upgrades of the pack show the difference). `previousName` renames.
 */
export async function saveWorkflow(database: Database, input: { readonly document: unknown; readonly previousName?: string; readonly actorId: string | null }): Promise<WorkflowResult<{ workflow: WorkflowModel; result: ApplyResult }>> {
  const current = await loadCurrentModel(database.db);
  const existing = input.previousName === undefined ? undefined : findWorkflow(current.model, input.previousName);
  if (input.previousName !== undefined && !existing) return refused('not-found', `there is no workflow "${input.previousName}"`);
  const loaded = loadWorkflowDocument(current.model, input.document, existing?.pack ?? null);
  if (!loaded.ok) return loaded;
  const workflow = loaded.value;
  const clash = current.model.workflows.find((w) => w.name === workflow.name && w !== existing);
  if (clash) return refused('conflict', `a workflow named "${workflow.name}" already exists`, [{ file: `workflows/${workflow.name}.json`, pointer: '/name', message: 'this name is taken' }]);
  const workflows = [...current.model.workflows.filter((w) => w !== existing), workflow];
  const model = buildModel(current.model.packs, current.model.entities, workflows, current.model.roles);
  const result = await applyModel(database, { model, source: `designer: workflow ${workflow.name}`, actorId: input.actorId });
  return { ok: true, value: { workflow, result } };
}

export async function removeWorkflow(database: Database, name: string, actorId: string | null): Promise<WorkflowResult<ApplyResult>> {
  const current = await loadCurrentModel(database.db);
  const existing = findWorkflow(current.model, name);
  if (!existing) return refused('not-found', `there is no workflow "${name}"`);
  const model = buildModel(current.model.packs, current.model.entities, current.model.workflows.filter((w) => w !== existing), current.model.roles);
  return { ok: true, value: await applyModel(database, { model, source: `designer: removed workflow ${name}`, actorId }) };
}

export interface DryRunStep {
  readonly stepId: string;
  readonly action: string;
  readonly status: 'would-run' | 'would-wait' | 'would-skip' | 'branch' | 'error';
  readonly request: JsonObject | null;
  readonly detail: string | null;
}

export interface DryRunResult {
  readonly condition: { readonly pass: boolean; readonly error: string | null };
  readonly steps: readonly DryRunStep[];
}

/**
 * Walks a workflow against a record as a run would — condition, expressions, templates, branches —
 * and reports what each step would do, without doing it (nothing is written or sent).
 */
export async function dryRun(
  db: Kysely<SystemTables>,
  model: Model,
  input: { readonly workflow: WorkflowModel; readonly recordId: string | null; readonly user: RunUser | null; readonly services: ActionServices; readonly now?: Date },
): Promise<WorkflowResult<DryRunResult>> {
  const { workflow } = input;
  const now = input.now ?? new Date();
  const entity = workflow.entity ? (findEntity(model, workflow.entity) ?? null) : null;
  let record: JsonObject | null = null;
  if (entity) {
    if (!input.recordId) return refused('invalid', `choose a ${entity.name} to try the workflow on`);
    const found = await getRecord({ db, actorId: null, access: SYSTEM_ACCESS }, entity, input.recordId);
    if (!found.ok) return refused('not-found', `no ${entity.name} with this id`);
    record = found.value;
  }
  const runInput: RunInput = { record, old: record, changed: [], event: null, user: input.user };
  const condition = checkCondition(model, workflow, runInput, now);
  const steps: DryRunStep[] = [];
  const program = compileProgram(workflow.actions);
  let pc = 0;
  const run = { id: '00000000-0000-7000-8000-000000000000', record_id: input.recordId, actor_id: input.user?.id ?? null, depth: 0 };
  // The dry run shows what the workflow's identity would do: its records, its fields.
  const identity = await resolveIdentity(db, model, workflow.name);
  if (!identity.ok) return refused('invalid', identity.error);
  while (pc < program.length && steps.length < 200) {
    const instruction = program[pc];
    if (!instruction) break;
    if (instruction.kind === 'jump') {
      pc = instruction.to;
      continue;
    }
    const step = instruction.step;
    const type = actionType(step.type);
    if (!type) {
      steps.push({ stepId: step.id, action: step.type, status: 'error', request: null, detail: `there is no action "${step.type}"` });
      break;
    }
    const ctx = actionContext({ model, workflow, entity, run, input: runInput, identity: identity.value, stepId: step.id, attempt: 1, services: input.services, now });
    let prepared;
    try {
      prepared = await type.prepare(step.settings, ctx);
    } catch (error) {
      prepared = { ok: false as const, error: (error as Error).message };
    }
    if (!prepared.ok) {
      steps.push({ stepId: step.id, action: step.type, status: 'error', request: null, detail: prepared.error });
      break;
    }
    const shown = redact(type, prepared.request);
    if (instruction.kind === 'branch') {
      steps.push({ stepId: step.id, action: step.type, status: 'branch', request: shown, detail: `takes the ${String(prepared.request.took)} path` });
      pc = prepared.request.took === 'then' ? pc + 1 : instruction.elseAt;
      continue;
    }
    // A step that would be skipped (an email without the recipient's consent) says so, with the reason.
    const skip = typeof prepared.request.skip === 'string' ? prepared.request.skip : null;
    steps.push({ stepId: step.id, action: step.type, status: skip !== null ? 'would-skip' : step.type === 'wait' ? 'would-wait' : 'would-run', request: shown, detail: skip });
    pc += 1;
  }
  return { ok: true, value: { condition: condition.ok ? { pass: condition.pass, error: null } : { pass: false, error: condition.error }, steps } };
}

/** Starts a workflow with a manual trigger for one record, on behalf of a user. */
export async function startManualRun(
  db: Kysely<SystemTables>,
  model: Model,
  input: { readonly workflow: string; readonly recordId: string; readonly user: RunUser; readonly access: Access },
): Promise<WorkflowResult<{ runId: string }>> {
  const workflow = findWorkflow(model, input.workflow);
  if (!workflow || workflow.trigger.on !== 'manual' || !workflow.entity) return refused('not-found', `there is no manual workflow "${input.workflow}"`);
  if (!workflow.enabled) return refused('conflict', `workflow "${workflow.name}" is switched off`);
  const entity = findEntity(model, workflow.entity);
  if (!entity) return refused('not-found', `there is no entity "${workflow.entity}"`);
  // Only on a record the user may read; the run itself carries the whole record (its identity decides what it sees).
  const readable = await getRecord({ db, actorId: input.user.id, access: input.access }, entity, input.recordId);
  if (!readable.ok) return refused('not-found', `no ${entity.name} with this id`);
  const found = await getRecord({ db, actorId: null, access: SYSTEM_ACCESS }, entity, input.recordId);
  if (!found.ok) return refused('not-found', `no ${entity.name} with this id`);
  const runInput: RunInput = { record: found.value, old: null, changed: [], event: null, user: input.user };
  const condition = checkCondition(model, workflow, runInput, new Date());
  if (!condition.ok) return refused('invalid', condition.error);
  if (!condition.pass) return refused('conflict', `the workflow's condition does not hold for this ${entity.name}`);
  const id = uuidv7();
  await insertRuns(db, [{ id, workflow: workflow.name, event_key: `manual:${id}`, trigger: 'manual', entity: entity.name, record_id: input.recordId, actor_id: input.user.id, depth: 0, input: runInput, status: 'pending', error: null }], new Date());
  // Not on a queue yet: the caller wakes the jobs, whose sweep queues it at once.
  await db.updateTable('peyvand.workflow_runs').set({ enqueued_at: null }).where('id', '=', id).execute();
  return { ok: true, value: { runId: id } };
}

export interface RunSummary {
  readonly id: string;
  readonly workflow: string;
  readonly trigger: string;
  readonly entity: string | null;
  readonly recordId: string | null;
  readonly status: RunStatus;
  readonly attempt: number;
  readonly error: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly resumeAt: string | null;
}

export interface RunFilter {
  readonly workflow?: string | undefined;
  readonly status?: RunStatus | undefined;
  readonly entity?: string | undefined;
  readonly recordId?: string | undefined;
  /** Runs created before this run (its id): the next page. */
  readonly before?: string | undefined;
  readonly limit?: number | undefined;
}

const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'waiting', 'done', 'failed', 'dead'];
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** Newest first; run ids are UUIDv7, so `before` pages by time. */
export async function listRuns(db: Kysely<SystemTables>, filter: RunFilter): Promise<{ runs: RunSummary[]; next: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  let query = db.selectFrom('peyvand.workflow_runs').select(['id', 'workflow', 'trigger', 'entity', 'record_id', 'status', 'attempt', 'error', 'created_at', 'finished_at', 'resume_at']);
  if (filter.workflow) query = query.where('workflow', '=', filter.workflow);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.entity) query = query.where('entity', '=', filter.entity);
  if (filter.recordId) query = query.where('record_id', '=', filter.recordId);
  if (filter.before) query = query.where('id', '<', filter.before);
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
  const runs = rows.slice(0, limit).map((r) => ({
    id: r.id,
    workflow: r.workflow,
    trigger: r.trigger,
    entity: r.entity,
    recordId: r.record_id,
    status: r.status,
    attempt: r.attempt,
    error: r.error,
    createdAt: iso(r.created_at) ?? '',
    finishedAt: iso(r.finished_at),
    resumeAt: iso(r.resume_at),
  }));
  return { runs, next: rows.length > limit ? (runs.at(-1)?.id ?? null) : null };
}

export interface RunStep {
  readonly stepId: string;
  readonly action: string;
  readonly attempt: number;
  readonly status: 'ok' | 'error' | 'skipped' | 'waiting';
  readonly input: JsonValue;
  readonly output: JsonValue;
  readonly error: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
}

export async function getRun(db: Kysely<SystemTables>, id: string): Promise<WorkflowResult<{ run: RunSummary & { input: JsonValue; depth: number }; steps: RunStep[] }>> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return refused('not-found', 'no run with this id');
  const row = await db.selectFrom('peyvand.workflow_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return refused('not-found', 'no run with this id');
  const steps = await db.selectFrom('peyvand.workflow_steps').selectAll().where('run_id', '=', id).orderBy('id').execute();
  const parse = (v: unknown): JsonValue => (typeof v === 'string' ? (JSON.parse(v) as JsonValue) : ((v ?? null) as JsonValue));
  const input = parse(row.input) as JsonObject;
  return {
    ok: true,
    value: {
      run: {
        id: row.id,
        workflow: row.workflow,
        trigger: row.trigger,
        entity: row.entity,
        recordId: row.record_id,
        status: row.status,
        attempt: row.attempt,
        error: row.error,
        createdAt: iso(row.created_at) ?? '',
        finishedAt: iso(row.finished_at),
        resumeAt: iso(row.resume_at),
        depth: row.depth,
        // The trigger's snapshot, without the acting user's details.
        input: { record: input.record ?? null, old: input.old ?? null, changed: input.changed ?? [], event: input.event ?? null },
      },
      steps: steps.map((s) => ({
        stepId: s.step_id,
        action: s.action,
        attempt: s.attempt,
        status: s.status,
        input: parse(s.input),
        output: parse(s.output),
        error: s.error,
        startedAt: iso(s.started_at) ?? '',
        durationMs: new Date(s.finished_at).getTime() - new Date(s.started_at).getTime(),
      })),
    },
  };
}

/** A failed or dead run starts again at the step that failed (done steps are not repeated). */
export async function retryRun(db: Kysely<SystemTables>, id: string): Promise<WorkflowResult<{ runId: string }>> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return refused('not-found', 'no run with this id');
  const updated = await db
    .updateTable('peyvand.workflow_runs')
    .set({ status: 'pending', attempt: 0, error: null, resume_at: null, enqueued_at: null, finished_at: null, lease_until: null })
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'dead'])
    .returning('id')
    .executeTakeFirst();
  if (updated) return { ok: true, value: { runId: id } };
  const exists = await db.selectFrom('peyvand.workflow_runs').select('status').where('id', '=', id).executeTakeFirst();
  return exists ? refused('conflict', `only failed or dead runs can be retried; this one is ${exists.status}`) : refused('not-found', 'no run with this id');
}

export async function runCounts(db: Kysely<SystemTables>): Promise<Record<string, Partial<Record<RunStatus, number>>>> {
  const rows = await sql<{ workflow: string; status: RunStatus; n: string | number }>`
    select workflow, status, count(*) as n from peyvand.workflow_runs where created_at > now() - interval '30 days' group by workflow, status`.execute(db);
  const out: Record<string, Partial<Record<RunStatus, number>>> = {};
  for (const r of rows.rows) (out[r.workflow] ??= {})[r.status] = Number(r.n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// inbound webhooks: POST /hooks/<workflow> with X-Peyvand-Timestamp and X-Peyvand-Signature

/** Signed requests older or newer than this are refused (replays). */
export const WEBHOOK_WINDOW_MS = 5 * 60_000;
export const WEBHOOK_MAX_BYTES = 256 * 1024;

/** The workflow's HMAC key, made on first use; `rotate` replaces it. */
export async function webhookSecret(db: Kysely<SystemTables>, workflow: string, rotate = false): Promise<string> {
  const fresh = randomBytes(32).toString('base64url');
  if (rotate) {
    await db.insertInto('peyvand.workflow_secrets').values({ workflow, secret: fresh }).onConflict((oc) => oc.column('workflow').doUpdateSet({ secret: fresh, created_at: new Date().toISOString() })).execute();
    return fresh;
  }
  await db.insertInto('peyvand.workflow_secrets').values({ workflow, secret: fresh }).onConflict((oc) => oc.column('workflow').doNothing()).execute();
  const row = await db.selectFrom('peyvand.workflow_secrets').select('secret').where('workflow', '=', workflow).executeTakeFirstOrThrow();
  return row.secret;
}

/** `sha256=<hex>` of `<timestamp>.<body>`: what a sender puts in X-Peyvand-Signature. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type WebhookOutcome = { readonly ok: true; readonly runId: string | null; readonly duplicate: boolean } | { readonly ok: false; readonly status: 400 | 401 | 413; readonly message: string };

export async function receiveWebhook(
  db: Kysely<SystemTables>,
  model: Model,
  input: { readonly workflow: string; readonly timestamp: string | null; readonly signature: string | null; readonly body: string; readonly now?: Date },
): Promise<WebhookOutcome> {
  if (Buffer.byteLength(input.body) > WEBHOOK_MAX_BYTES) return { ok: false, status: 413, message: `the body is larger than ${WEBHOOK_MAX_BYTES} bytes` };
  // Unknown, disabled and non-webhook workflows, stale timestamps and wrong signatures all get the
  // same answer: probing tells an outsider nothing about which webhooks exist.
  const unsigned = { ok: false, status: 401, message: 'the request is not signed for this webhook: send X-Peyvand-Timestamp (Unix seconds, within 5 minutes) and X-Peyvand-Signature (sha256=HMAC of "<timestamp>.<body>" with the workflow\'s secret)' } as const;
  const workflow = findWorkflow(model, input.workflow);
  const now = input.now ?? new Date();
  const seconds = Number(input.timestamp);
  const fresh = !!input.timestamp && /^\d{9,11}$/.test(input.timestamp) && Math.abs(now.getTime() - seconds * 1000) <= WEBHOOK_WINDOW_MS;
  const secret = workflow && workflow.trigger.on === 'webhook' && workflow.enabled ? await db.selectFrom('peyvand.workflow_secrets').select('secret').where('workflow', '=', workflow.name).executeTakeFirst() : undefined;
  const expected = secret && fresh && input.timestamp ? signWebhook(secret.secret, input.timestamp, input.body) : null;
  const given = input.signature ?? '';
  if (!workflow || !expected || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return unsigned;
  let body: unknown;
  try {
    body = JSON.parse(input.body);
  } catch {
    return { ok: false, status: 400, message: 'the body must be JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, message: 'the body must be a JSON object' };
  const runInput: RunInput = { record: null, old: null, changed: [], event: body as JsonObject, user: null };
  const condition = checkCondition(model, workflow, runInput, now);
  if (condition.ok && !condition.pass) return { ok: true, runId: null, duplicate: false };
  const id = uuidv7();
  // The signature names the request: a replay inside the window starts nothing new.
  const inserted = await insertRuns(
    db,
    [{ id, workflow: workflow.name, event_key: `webhook:${given}`, trigger: 'webhook', entity: null, record_id: null, actor_id: null, depth: 0, input: runInput, status: condition.ok ? 'pending' : 'failed', error: condition.ok ? null : condition.error }],
    now,
  );
  if (inserted.length === 0) return { ok: true, runId: null, duplicate: true };
  await db.updateTable('peyvand.workflow_runs').set({ enqueued_at: null }).where('id', '=', id).execute();
  return { ok: true, runId: id, duplicate: false };
}
