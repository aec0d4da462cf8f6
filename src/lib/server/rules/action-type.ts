/**
 * The one interface every workflow action implements (`actions/<name>.ts`, listed in
 * `actions/registry.ts`). An action is run in two halves so that a dry run and the run history can
 * show exactly what it does:
 *
 *   prepare(settings, ctx) → { ok: true, request }   // evaluates expressions, renders templates; no effect
 *   perform(request, ctx)  → ActionResult            // does it (skipped in a dry run)
 *
 * `effect` says how the engine makes it safe to repeat:
 * - `internal` (update/create record, task, assign owner): `perform` runs inside the transaction that
 *   also inserts the step's ledger row, so it happens exactly once.
 * - `external` (email, SMS, webhook): the ledger row is claimed and committed first; `perform` then
 *   sends with `ctx.idempotencyKey` (Message-ID, `Idempotency-Key` header). A crash after the send and
 *   before the step is recorded repeats it at most once, with the same key.
 * - `control` (wait, branch): the engine interprets them; `perform` is never called.
 */
import type { Access } from '../../access/access.ts';
import type { Kysely } from 'kysely';
import type { EntityModel, JsonObject, JsonValue, LocalizedText, Model } from '../../model/types.ts';
import type { TemplateMode } from '../../rules/template.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import type { SystemTables } from '../db/system-tables.ts';
import type { Mailer } from './outbound/mailer.ts';
import type { HttpPolicy } from './outbound/http-client.ts';
import type { SmsConfig } from './outbound/sms.ts';

export interface ActionIssue {
  /** JSON pointer inside the action's settings, e.g. `/set/amount` ('' for the action itself). */
  readonly pointer: string;
  readonly message: string;
}

/** What `check` knows: the model and the workflow the action belongs to. Pure. */
export interface ActionCheckContext {
  readonly model: Model;
  readonly workflow: WorkflowModel;
  /** The workflow's entity, if it has one. */
  readonly entity: EntityModel | null;
  /** Checks an expression against the workflow's scope; returns the problems (empty when fine). */
  checkExpression(source: string): readonly string[];
  /** Checks a template's merge fields against the workflow's scope (`html`: no unescaped fields). */
  checkTemplate(source: string, mode?: TemplateMode): readonly string[];
}

/** Back-ends the actions use; each has an in-process twin for tests and the embedded mode. */
export interface ActionServices {
  /** Null when no SMTP server is configured (`SMTP_URL`): email steps fail with that reason. */
  readonly mailer: Mailer | null;
  /** The address emails are sent from. */
  readonly mailFrom: string;
  /** Null when no SMS provider is configured. */
  readonly sms: SmsConfig | null;
  /** Which addresses outbound HTTP may reach (private ones only by explicit configuration). */
  readonly http: HttpPolicy;
}

export interface ActionContext {
  readonly model: Model;
  readonly workflow: WorkflowModel;
  readonly entity: EntityModel | null;
  readonly runId: string;
  readonly stepId: string;
  /** `<run id>:<step id>`: the same on every attempt of this step. */
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** The triggering record (null for schedule/webhook runs without one). */
  readonly recordId: string | null;
  /**
   * Who the step's writes are recorded as: the workflow's granted identity, else the trigger's
   * actor (null: the platform).
   */
  readonly actorId: string | null;
  /**
   * The rights the step acts with (workflow-identity.ts): the granted user's, loaded when the step
   * runs, or every right for a workflow without a grant. Records and merge fields go through it.
   */
  readonly access: Access;
  /** Loop depth of the run: writes made by this run carry `depth + 1`. */
  readonly depth: number;
  readonly services: ActionServices;
  readonly now: Date;
  /** Evaluates an expression over the run's scope (record, old, user, event, now). */
  evaluate(source: string): JsonValue;
  /** Renders a template over the run's scope; `html` escapes merge fields for HTML (see TemplateMode). */
  render(template: string, mode?: TemplateMode): string;
}

/** `perform` gets the database: for internal actions, the transaction that also writes the ledger row. */
export interface PerformContext extends ActionContext {
  readonly db: Kysely<SystemTables>;
}

export type PrepareResult = { readonly ok: true; readonly request: JsonObject } | { readonly ok: false; readonly error: string };

export type ActionResult =
  | { readonly status: 'ok'; readonly output: JsonObject }
  /** `retry: false` for errors another attempt cannot fix (a bad address, a refused record). */
  | { readonly status: 'error'; readonly error: string; readonly retry: boolean }
  | { readonly status: 'skipped'; readonly reason: string };

export interface ActionType {
  readonly name: string;
  readonly effect: 'internal' | 'external' | 'control';
  readonly label: LocalizedText;
  /** Setting keys whose values the run history shows as `[redacted]`. */
  readonly secretKeys?: readonly string[];
  check(settings: JsonObject, ctx: ActionCheckContext): readonly ActionIssue[];
  prepare(settings: JsonObject, ctx: ActionContext): PrepareResult | Promise<PrepareResult>;
  perform(request: JsonObject, ctx: PerformContext): Promise<ActionResult>;
}
