/**
 * Executes one workflow run: takes its lease, then runs its program from the stored program
 * counter, one step per transaction, until it ends, waits, or fails.
 *
 * Exactly-once for internal effects: the ledger row, the effect and the advanced program counter
 * commit together. At-least-once with a stable key for external ones: the ledger row is claimed
 * (committed) before the send and finished after it; a crash in between sends again, once, with
 * the same idempotency key for the receiver to drop.
 */
import { SYSTEM_ACCESS, type Access } from '../../access/access.ts';
import { visibleRecord } from '../records/record-access.ts';
import { resolveIdentity, type WorkflowIdentity } from '../rules/workflow-identity.ts';
import { sql, type Kysely, type Selectable } from 'kysely';
import { compileProgram, type Instruction } from '../../rules/program.ts';
import { evaluateInRun, templateView, type RunInput } from '../../rules/scope.ts';
import { renderTemplate } from '../../rules/template.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import { findEntity, findWorkflow, type EntityModel, type JsonObject, type Model } from '../../model/types.ts';
import type { SystemTables, WorkflowRunsTable } from '../db/system-tables.ts';
import { getRecord } from '../records/record-service.ts';
import type { ActionContext, ActionResult, ActionServices, ActionType } from '../rules/action-type.ts';
import { actionType } from '../rules/actions/registry.ts';
import { redact } from '../rules/redact.ts';
import type { RunJob } from './job-queue.ts';

export interface ExecutorOptions {
  readonly db: Kysely<SystemTables>;
  readonly model: () => Model;
  readonly services: ActionServices;
  readonly now?: () => Date;
  /** How long a run is held by one worker before another may take it over (after a crash). */
  readonly leaseMs?: number;
  /** Attempts per step before the run is dead-lettered. */
  readonly maxAttempts?: number;
  /** Delay before attempt n+1 (n ≥ 1). */
  readonly backoffMs?: (attempt: number) => number;
  /** Puts a run back on the queue (after a wait or a failed attempt). */
  readonly schedule: (job: RunJob) => Promise<void>;
  /** Fault injection for the crash tests: called at named points of a step. */
  readonly fault?: (point: FaultPoint, stepId: string) => void;
}

export type FaultPoint = 'before-effect' | 'after-effect' | 'before-send' | 'after-send';

export const EXECUTOR_DEFAULTS = { leaseMs: 60_000, maxAttempts: 5 } as const;

export function defaultBackoff(attempt: number): number {
  // 2 s, 8 s, 32 s, ~2 min … capped at 30 min, with jitter so retries do not arrive in step.
  return Math.min(2000 * 4 ** (attempt - 1), 1_800_000) * (0.8 + Math.random() * 0.4);
}

type RunRow = Selectable<WorkflowRunsTable> & { readonly resumed: boolean };

const programs = new WeakMap<WorkflowModel, readonly Instruction[]>();
function programOf(workflow: WorkflowModel): readonly Instruction[] {
  let program = programs.get(workflow);
  if (!program) {
    program = compileProgram(workflow.actions);
    programs.set(workflow, program);
  }
  return program;
}

class StepAbort extends Error {
  readonly result: ActionResult;
  constructor(result: ActionResult) {
    super('step failed');
    this.result = result;
  }
}

/** Takes the run if it is due and nobody holds it; null when there is nothing to do. */
async function claim(db: Kysely<SystemTables>, runId: string, now: Date, leaseMs: number): Promise<RunRow | null> {
  // `resumed`: the run had started before (a wait, a retry, a crash), so its record may have changed.
  const result = await sql<RunRow>`
    update peyvand.workflow_runs r
    set status = 'running', lease_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz, started_at = coalesce(r.started_at, ${now.toISOString()}::timestamptz)
    from (select id, started_at is not null as resumed from peyvand.workflow_runs where id = ${runId}) before
    where r.id = before.id
      and ((r.status in ('pending', 'waiting') and (r.resume_at is null or r.resume_at <= ${now.toISOString()}::timestamptz))
        or (r.status = 'running' and r.lease_until < ${now.toISOString()}::timestamptz))
    returning r.*, before.resumed`.execute(db);
  return result.rows[0] ?? null;
}

function parseInput(value: unknown): RunInput {
  const input = (typeof value === 'string' ? JSON.parse(value) : value) as Partial<RunInput> | null;
  return { record: input?.record ?? null, old: input?.old ?? null, changed: input?.changed ?? [], event: input?.event ?? null, user: input?.user ?? null };
}

export async function executeRun(options: ExecutorOptions, runId: string): Promise<void> {
  const { db } = options;
  const clock = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? EXECUTOR_DEFAULTS.leaseMs;
  const run = await claim(db, runId, clock(), leaseMs);
  if (!run) return;
  const model = options.model();
  const workflow = findWorkflow(model, run.workflow);
  if (!workflow) return finish(db, run.id, 'failed', `workflow "${run.workflow}" no longer exists`, clock());
  const entity = workflow.entity ? (findEntity(model, workflow.entity) ?? null) : null;
  let input = parseInput(run.input);
  // A resumed run's steps see the record as it is now (a wait may have passed), when it still exists;
  // a fresh one has the record as the trigger's event carried it.
  if (entity && run.record_id && run.trigger !== 'record.deleted' && (run.resumed || !input.record)) {
    const current = await getRecord({ db, actorId: null, access: SYSTEM_ACCESS }, entity, run.record_id);
    if (current.ok) input = { ...input, record: current.value };
  }
  const program = programOf(workflow);
  let pc = run.pc;
  let attempt = run.attempt;
  if (run.resumed && pc > 0) {
    const placed = await resumePoint(db, run.id, program);
    if ('error' in placed) return finish(db, run.id, 'failed', placed.error, clock());
    if (placed.pc !== pc) {
      pc = placed.pc;
      attempt = 0;
    }
  }

  while (pc < program.length) {
    const instruction = program[pc] as Instruction;
    if (instruction.kind === 'jump') {
      pc = instruction.to;
      continue;
    }
    const step = instruction.step;
    const type = actionType(step.type);
    const now = clock();
    // The identity is checked again at every step: a grant withdrawn or a user disabled stops the run.
    const identity = await resolveIdentity(db, model, workflow.name);
    if (!identity.ok) {
      await recordStep(db, { run, stepId: step.id, action: step.type, attempt: attempt + 1, status: 'error', input: null, output: null, error: identity.error, startedAt: now, finishedAt: now });
      return finish(db, run.id, 'failed', `step ${step.id}: ${identity.error}`, clock());
    }
    const ctx = actionContext({ model, workflow, entity, run, input, identity: identity.value, stepId: step.id, attempt: attempt + 1, services: options.services, now });
    if (!type) {
      await recordStep(db, { run, stepId: step.id, action: step.type, attempt: attempt + 1, status: 'error', input: null, output: null, error: `there is no action "${step.type}"`, startedAt: now, finishedAt: now });
      return finish(db, run.id, 'failed', `step ${step.id}: there is no action "${step.type}"`, clock());
    }
    let prepared: Awaited<ReturnType<ActionType['prepare']>>;
    try {
      prepared = await type.prepare(step.settings, ctx);
    } catch (error) {
      prepared = { ok: false, error: (error as Error).message };
    }
    if (!prepared.ok) {
      await recordStep(db, { run, stepId: step.id, action: step.type, attempt: attempt + 1, status: 'error', input: null, output: null, error: prepared.error, startedAt: now, finishedAt: clock() });
      return finish(db, run.id, 'failed', `step ${step.id}: ${prepared.error}`, clock());
    }
    const request = prepared.request;
    const shown = redact(type, request);

    if (instruction.kind === 'branch') {
      const next = request.took === 'then' ? pc + 1 : instruction.elseAt;
      const done = atEnd(program, next);
      await advance(db, { run, pc: next, leaseMs, now, done, step: { stepId: step.id, action: step.type, attempt: attempt + 1, status: 'ok', input: shown, output: { took: request.took ?? 'else' }, error: null, startedAt: now, finishedAt: clock() } });
      if (done) return;
      pc = next;
      attempt = 0;
      continue;
    }

    if (step.type === 'wait') {
      const until = new Date(String(request.until));
      await db.transaction().execute(async (trx) => {
        await recordStep(trx, { run, stepId: step.id, action: step.type, attempt: attempt + 1, status: 'waiting', input: shown, output: { until: until.toISOString() }, error: null, startedAt: now, finishedAt: clock() });
        await trx
          .updateTable('peyvand.workflow_runs')
          .set({ status: 'waiting', pc: pc + 1, attempt: 0, resume_at: until.toISOString(), lease_until: null, enqueued_at: until.toISOString() })
          .where('id', '=', run.id)
          .execute();
      });
      await options.schedule({ runId: run.id, key: `${run.id}:${pc + 1}:0`, delayMs: Math.max(0, until.getTime() - clock().getTime()) }).catch(() => undefined);
      return;
    }

    const key = `${run.id}:${step.id}`;
    const last = atEnd(program, pc + 1);
    let result: ActionResult;
    try {
      const stepRun: StepRun = { run, pc, leaseMs, key, type, request, shown, ctx, attempt, last };
      result = type.effect === 'external' ? await runExternal(options, stepRun) : await runInternal(options, stepRun);
    } catch (error) {
      result = { status: 'error', error: (error as Error).message, retry: true };
    }
    if (result.status === 'error') {
      await recordStep(db, { run, stepId: step.id, action: step.type, attempt: attempt + 1, status: 'error', input: shown, output: null, error: result.error, startedAt: now, finishedAt: clock() });
      const maxAttempts = options.maxAttempts ?? EXECUTOR_DEFAULTS.maxAttempts;
      if (!result.retry) return finish(db, run.id, 'failed', `step ${step.id}: ${result.error}`, clock());
      if (attempt + 1 >= maxAttempts) return finish(db, run.id, 'dead', `step ${step.id} failed ${maxAttempts} times; last error: ${result.error}`, clock());
      const delay = (options.backoffMs ?? defaultBackoff)(attempt + 1);
      const resumeAt = new Date(clock().getTime() + delay);
      await db
        .updateTable('peyvand.workflow_runs')
        .set({ status: 'pending', attempt: attempt + 1, resume_at: resumeAt.toISOString(), lease_until: null, enqueued_at: resumeAt.toISOString(), error: `step ${step.id}: ${result.error}` })
        .where('id', '=', run.id)
        .execute();
      await options.schedule({ runId: run.id, key: `${run.id}:${pc}:${attempt + 1}`, delayMs: delay }).catch(() => undefined);
      return;
    }
    if (last) return; // the step's own statement ended the run
    pc += 1;
    attempt = 0;
  }
  await finish(db, run.id, 'done', null, clock());
}

/**
 * Where a resumed run goes on in the workflow as it is now: after the last step it finished, found by
 * id. If an admin edited the workflow while the run waited, that may differ from the stored counter;
 * if the step is gone, the run fails saying so (nothing is guessed).
 */
async function resumePoint(db: Kysely<SystemTables>, runId: string, program: readonly Instruction[]): Promise<{ pc: number } | { error: string }> {
  const last = await db
    .selectFrom('peyvand.workflow_steps')
    .select(['step_id', 'output'])
    .where('run_id', '=', runId)
    .where('status', 'in', ['ok', 'skipped', 'waiting'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last) return { pc: 0 };
  const at = program.findIndex((i) => i.kind !== 'jump' && i.step.id === last.step_id);
  const instruction = program[at];
  if (!instruction) return { error: `the workflow was changed while this run was under way: its step "${last.step_id}" is gone; start the workflow again` };
  if (instruction.kind !== 'branch') return { pc: at + 1 };
  const output = (typeof last.output === 'string' ? JSON.parse(last.output) : last.output) as { took?: unknown } | null;
  return { pc: output?.took === 'then' ? at + 1 : instruction.elseAt };
}

/** Whether the program ends at `pc` (following jumps). */
function atEnd(program: readonly Instruction[], pc: number): boolean {
  let at = pc;
  for (let guard = 0; guard <= program.length; guard++) {
    const instruction = program[at];
    if (!instruction) return true;
    if (instruction.kind !== 'jump') return false;
    at = instruction.to;
  }
  return false;
}

interface StepRun {
  readonly run: RunRow;
  readonly pc: number;
  readonly leaseMs: number;
  readonly key: string;
  readonly type: ActionType;
  readonly request: JsonObject;
  readonly shown: JsonObject;
  readonly ctx: ActionContext;
  readonly attempt: number;
  /** The program ends after this step: its statement also ends the run. */
  readonly last: boolean;
}

/** Thrown to roll back an effect whose ledger row already existed (it was done before). */
class AlreadyDone extends Error {}

/**
 * The effect, then its ledger row, the step's record and the next program counter in one
 * statement — all in one transaction. If the ledger row already existed (the step was done
 * before, by a worker that died before it could report), the transaction is rolled back and the
 * run simply moves on.
 */
async function runInternal(options: ExecutorOptions, s: StepRun): Promise<ActionResult> {
  const startedAt = s.ctx.now;
  try {
    return await options.db.transaction().execute(async (trx) => {
      options.fault?.('before-effect', s.ctx.stepId);
      const result = await s.type.perform(s.request, { ...s.ctx, db: trx });
      if (result.status === 'error') throw new StepAbort(result);
      options.fault?.('after-effect', s.ctx.stepId);
      const fresh = await advance(trx, { run: s.run, pc: s.pc + 1, leaseMs: s.leaseMs, now: startedAt, done: s.last, step: stepRecord(s, result, startedAt), ledger: { key: s.key, state: 'done' } });
      if (!fresh) throw new AlreadyDone();
      return result;
    });
  } catch (error) {
    if (error instanceof StepAbort) return error.result;
    if (!(error instanceof AlreadyDone)) throw error;
    const result: ActionResult = { status: 'skipped', reason: 'already done' };
    await advance(options.db, { run: s.run, pc: s.pc + 1, leaseMs: s.leaseMs, now: startedAt, done: s.last, step: stepRecord(s, result, startedAt) });
    return result;
  }
}

/** Claim (committed) → send with the key → finish the ledger row and advance (one transaction). */
async function runExternal(options: ExecutorOptions, s: StepRun): Promise<ActionResult> {
  const startedAt = s.ctx.now;
  const ledger = await sql<{ state: 'claimed' | 'done'; sends: number }>`
    insert into peyvand.effect_ledger (key, run_id, step_id, state, sends, claimed_at)
    values (${s.key}, ${s.run.id}, ${s.ctx.stepId}, 'claimed', 0, ${startedAt.toISOString()}::timestamptz)
    on conflict (key) do update set claimed_at = excluded.claimed_at
    returning state, sends`.execute(options.db);
  const entry = ledger.rows[0];
  if (entry?.state === 'done') {
    const result: ActionResult = { status: 'skipped', reason: 'already sent' };
    await advance(options.db, { run: s.run, pc: s.pc + 1, leaseMs: s.leaseMs, now: startedAt, done: s.last, step: stepRecord(s, result, startedAt) });
    return result;
  }
  options.fault?.('before-send', s.ctx.stepId);
  await options.db.updateTable('peyvand.effect_ledger').set((eb) => ({ sends: eb('sends', '+', 1) })).where('key', '=', s.key).execute();
  const result = await s.type.perform(s.request, { ...s.ctx, db: options.db });
  options.fault?.('after-send', s.ctx.stepId);
  if (result.status === 'error') return result;
  await options.db.transaction().execute(async (trx) => {
    await trx.updateTable('peyvand.effect_ledger').set({ state: 'done', output: JSON.stringify(resultOutput(result)), done_at: new Date().toISOString() }).where('key', '=', s.key).execute();
    await advance(trx, { run: s.run, pc: s.pc + 1, leaseMs: s.leaseMs, now: startedAt, done: s.last, step: stepRecord(s, result, startedAt) });
  });
  return result;
}

function resultOutput(result: ActionResult): JsonObject {
  return result.status === 'ok' ? result.output : result.status === 'skipped' ? { skipped: result.reason } : { error: result.error };
}

function stepRecord(s: StepRun, result: ActionResult, startedAt: Date): StepEntry {
  return {
    stepId: s.ctx.stepId,
    action: s.type.name,
    attempt: s.attempt + 1,
    status: result.status === 'ok' ? 'ok' : result.status === 'skipped' ? 'skipped' : 'error',
    input: s.shown,
    output: resultOutput(result),
    error: result.status === 'error' ? result.error : null,
    startedAt,
    finishedAt: new Date(),
  };
}

interface StepEntry {
  readonly stepId: string;
  readonly action: string;
  readonly attempt: number;
  readonly status: 'ok' | 'error' | 'skipped' | 'waiting';
  readonly input: JsonObject | null;
  readonly output: JsonObject | null;
  readonly error: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

async function recordStep(db: Kysely<SystemTables>, entry: StepEntry & { readonly run: RunRow }): Promise<void> {
  await db
    .insertInto('peyvand.workflow_steps')
    .values({
      run_id: entry.run.id,
      step_id: entry.stepId,
      action: entry.action,
      attempt: entry.attempt,
      status: entry.status,
      input: entry.input === null ? null : JSON.stringify(entry.input),
      output: entry.output === null ? null : JSON.stringify(entry.output),
      error: entry.error,
      started_at: entry.startedAt.toISOString(),
      finished_at: entry.finishedAt.toISOString(),
    })
    .execute();
}

/**
 * One statement: the step's record, the run's next program counter (or its end) and, for an
 * effect, its ledger row. Returns false when the ledger row already existed: the caller rolls back.
 */
async function advance(db: Kysely<SystemTables>, a: { run: RunRow; pc: number; leaseMs: number; now: Date; step: StepEntry; done: boolean; ledger?: { key: string; state: 'done' } }): Promise<boolean> {
  const e = a.step;
  const at = new Date();
  const ledger = a.ledger
    ? sql`, l as (
        insert into peyvand.effect_ledger (key, run_id, step_id, state, sends, output, claimed_at, done_at)
        values (${a.ledger.key}, ${a.run.id}, ${e.stepId}, 'done', 1, ${e.output === null ? null : JSON.stringify(e.output)}::jsonb, ${e.startedAt.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz)
        on conflict (key) do nothing returning key)
      select count(*)::int as claimed from l`
    : sql` select 1 as claimed`;
  const result = await sql<{ claimed: number }>`
    with s as (
      insert into peyvand.workflow_steps (run_id, step_id, action, attempt, status, input, output, error, started_at, finished_at)
      values (${a.run.id}, ${e.stepId}, ${e.action}, ${e.attempt}, ${e.status}, ${e.input === null ? null : JSON.stringify(e.input)}::jsonb, ${e.output === null ? null : JSON.stringify(e.output)}::jsonb, ${e.error}, ${e.startedAt.toISOString()}::timestamptz, ${e.finishedAt.toISOString()}::timestamptz)
    ), r as (
      update peyvand.workflow_runs set pc = ${a.pc}, attempt = 0, error = null,
        status = ${a.done ? 'done' : 'running'}, finished_at = ${a.done ? at.toISOString() : null}::timestamptz,
        lease_until = ${a.done ? null : new Date(Date.now() + a.leaseMs).toISOString()}::timestamptz, resume_at = null
      where id = ${a.run.id}
    )${ledger}`.execute(db);
  return Number(result.rows[0]?.claimed ?? 1) > 0;
}

async function finish(db: Kysely<SystemTables>, runId: string, status: 'done' | 'failed' | 'dead', error: string | null, now: Date): Promise<void> {
  await db
    .updateTable('peyvand.workflow_runs')
    .set({ status, error, finished_at: now.toISOString(), lease_until: null, resume_at: null })
    .where('id', '=', runId)
    .execute();
}

/** The run's record (and its old values) without the fields the identity may not see. */
function visibleInput(access: Access, entity: EntityModel, input: RunInput): RunInput {
  if (access.isAdmin) return input;
  return {
    ...input,
    record: input.record ? visibleRecord(access, entity, input.record) : null,
    old: input.old ? visibleRecord(access, entity, input.old) : null,
  };
}

export function actionContext(a: {
  model: Model;
  workflow: WorkflowModel;
  entity: ActionContext['entity'];
  run: Pick<RunRow, 'id' | 'record_id' | 'actor_id' | 'depth'>;
  input: RunInput;
  identity: WorkflowIdentity;
  stepId: string;
  attempt: number;
  services: ActionServices;
  now: Date;
}): ActionContext {
  // Expressions and templates see only what the identity may read.
  const input = a.entity ? visibleInput(a.identity.access, a.entity, a.input) : a.input;
  const view = templateView(a.workflow, input, a.now);
  return {
    model: a.model,
    workflow: a.workflow,
    entity: a.entity,
    runId: a.run.id,
    stepId: a.stepId,
    idempotencyKey: `${a.run.id}:${a.stepId}`,
    attempt: a.attempt,
    recordId: a.run.record_id,
    actorId: a.identity.userId ?? a.run.actor_id,
    access: a.identity.access,
    depth: a.run.depth,
    services: a.services,
    now: a.now,
    evaluate: (source) => evaluateInRun(a.model, a.workflow, input, source, a.now),
    render: (template, mode = 'text') => renderTemplate(template, view, mode),
  };
}
