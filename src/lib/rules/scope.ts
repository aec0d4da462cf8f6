/**
 * What a workflow's expressions and templates can see, and the values they see in a run:
 *
 *   record fields   stage, amount, …          (and id, owner, created_at, …)
 *   old.<field>     before an update           (record.updated triggers)
 *   user.<x>        who made the change        id, name, email
 *   event.<x>       an inbound webhook's body  (templates; any key)
 *   workflow.<x>    name, title                (templates)
 *   now, today      the run's time             (templates; functions now() and today() in expressions)
 */
import { compileExpression, evaluate, isTruthy, OPEN_OBJECT, scopeForEntity, toJson, varsForRecord, type ExprVars, type ScopeSpec } from '../expressions/index.ts';
import { findEntity, type JsonObject, type JsonValue, type Model } from '../model/types.ts';
import type { WorkflowModel } from './types.ts';

export interface RunUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** What a run was started with (stored with the run). */
export interface RunInput {
  readonly record: JsonObject | null;
  readonly old: JsonObject | null;
  readonly changed: readonly string[];
  readonly event: JsonObject | null;
  readonly user: RunUser | null;
}

const USER_MEMBERS = { id: 'text', name: 'text', email: 'text' } as const;

const scopes = new WeakMap<WorkflowModel, { model: Model; scope: ScopeSpec }>();

export function workflowScope(model: Model, workflow: WorkflowModel): ScopeSpec {
  const hit = scopes.get(workflow);
  if (hit && hit.model === model) return hit.scope;
  const scope = buildScope(model, workflow);
  scopes.set(workflow, { model, scope });
  return scope;
}

/** What started the run, e.g. an inbound webhook's JSON body: any member may be read. */
const EVENT_MEMBERS = { [OPEN_OBJECT]: 'any' } as const;

function buildScope(model: Model, workflow: WorkflowModel): ScopeSpec {
  const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
  if (entity) return scopeForEntity(entity, { withOld: workflow.trigger.on === 'record.updated', withUser: true, extraObjects: { event: EVENT_MEMBERS } });
  return { variables: {}, objects: { user: USER_MEMBERS, event: EVENT_MEMBERS } };
}

/** Dotted names a template of this workflow may use; `event.` is open (a webhook body has any keys). */
export function templateNames(model: Model, workflow: WorkflowModel): { readonly names: readonly string[]; readonly prefixes: readonly string[] } {
  const scope = workflowScope(model, workflow);
  const names = ['now', 'today', 'workflow.name', 'workflow.title', ...Object.keys(USER_MEMBERS).map((m) => `user.${m}`)];
  for (const v of Object.keys(scope.variables)) names.push(`record.${v}`);
  for (const [object, members] of Object.entries(scope.objects)) if (object !== 'user' && object !== 'event') for (const m of Object.keys(members)) names.push(`${object}.${m}`);
  return { names, prefixes: ['event.'] };
}

export function expressionVars(model: Model, workflow: WorkflowModel, input: RunInput): ExprVars {
  const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
  if (entity && input.record) return varsForRecord(entity, input.record, { old: input.old, user: input.user, objects: { event: input.event } });
  return { variables: {}, objects: { user: input.user ? { ...input.user } : null, event: input.event } };
}

export function templateView(workflow: WorkflowModel, input: RunInput, now: Date, timeZone = 'UTC'): JsonObject {
  return {
    record: input.record ?? {},
    old: input.old ?? {},
    user: input.user ? { ...input.user } : {},
    event: input.event ?? {},
    workflow: { name: workflow.name, title: workflow.label.en ?? workflow.name },
    now: now.toISOString(),
    today: localDate(now, timeZone),
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // Building a formatter costs far more than using one; zones are few.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (dateFormats.size < 1000) dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export type ConditionResult = { readonly ok: true; readonly pass: boolean } | { readonly ok: false; readonly error: string };

/** Evaluates a workflow's condition for a run's input (a missing condition passes). */
export function checkCondition(model: Model, workflow: WorkflowModel, input: RunInput, now: Date): ConditionResult {
  if (workflow.condition === null) return { ok: true, pass: true };
  const compiled = compileExpression(workflow.condition, workflowScope(model, workflow));
  if (!compiled.ok) return { ok: false, error: `the condition is invalid: ${compiled.issues.map((i) => i.message).join('; ')}` };
  const result = evaluate(compiled.expression, expressionVars(model, workflow, input), { now });
  if (!result.ok) return { ok: false, error: `the condition could not be evaluated: ${result.error}` };
  return { ok: true, pass: isTruthy(result.value) };
}

/** Evaluates an expression of a workflow over a run's input; throws a readable Error on failure. */
export function evaluateInRun(model: Model, workflow: WorkflowModel, input: RunInput, source: string, now: Date): JsonValue {
  const compiled = compileExpression(source, workflowScope(model, workflow));
  if (!compiled.ok) throw new Error(`expression ${JSON.stringify(source)} is invalid: ${compiled.issues.map((i) => i.message).join('; ')}`);
  const result = evaluate(compiled.expression, expressionVars(model, workflow, input), { now });
  if (!result.ok) throw new Error(`expression ${JSON.stringify(source)} failed: ${result.error}`);
  return toJson(result.value);
}

/** Whether the condition refers to the acting user (the dispatcher then looks the user up). */
export function usesUser(model: Model, workflow: WorkflowModel): boolean {
  if (workflow.condition === null) return false;
  const compiled = compileExpression(workflow.condition, workflowScope(model, workflow));
  return compiled.ok && compiled.expression.references.some((r) => r.startsWith('user.'));
}
