/**
 * Workflow documents (`workflows/<name>.json`, already read) → normalised `WorkflowModel`s, or every
 * problem found, each naming the file, the JSON pointer and the reason. Pure. What only the whole
 * model can tell (the entity exists, expressions and templates name real fields, action settings
 * make sense) is checked by `server/rules/check-workflows.ts`.
 *
 *   const result = loadWorkflowDocuments([{ path: 'workflows/birthday_greeting.json', text }], 'retail-club');
 */
import type { ValidateFunction } from 'ajv';
import workflowMetaSchema from '../../../schemas/workflow.schema.json' with { type: 'json' };
import { createPackAjv } from '../model/ajv.ts';
import { deepFreeze } from '../model/canonical-json.ts';
import { checkAgainst, humanise, localized, parseJson, type PackIssue, type SourceFile } from '../model/load-pack.ts';
import type { JsonObject, JsonValue } from '../model/types.ts';
import type { ActionModel, TimeZoneSource, TriggerModel, WorkflowModel } from './types.ts';

export type LoadWorkflowsResult = { readonly ok: true; readonly workflows: readonly WorkflowModel[] } | { readonly ok: false; readonly issues: readonly PackIssue[] };

let validator: ValidateFunction | null = null;
function metaValidator(): ValidateFunction {
  validator ??= createPackAjv().compile(workflowMetaSchema);
  return validator;
}

/** Triggers that fire for one record of the workflow's entity. */
const RECORD_TRIGGERS: ReadonlySet<string> = new Set(['record.created', 'record.updated', 'record.deleted', 'date', 'manual']);

export const DEFAULT_TIME_ZONE = 'UTC';

export function loadWorkflowDocuments(files: readonly SourceFile[], pack: string | null): LoadWorkflowsResult {
  const issues: PackIssue[] = [];
  const report = (file: string, pointer: string, message: string) => issues.push({ file, pointer, message });
  const workflows: WorkflowModel[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const doc = parseJson(file, report);
    if (doc === undefined) continue;
    if (!checkAgainst(metaValidator(), doc, file.path, report)) continue;
    const workflow = normaliseWorkflow(doc as JsonObject, pack);
    const expected = /([^/\\]+)\.json$/.exec(file.path)?.[1];
    if (expected !== undefined && expected !== workflow.name) {
      report(file.path, '/name', `the workflow is named "${workflow.name}" but its file is named "${expected}.json"; they must match`);
    }
    const other = seen.get(workflow.name);
    if (other) report(file.path, '/name', `workflow "${workflow.name}" is also defined in ${other}`);
    seen.set(workflow.name, file.path);
    if (RECORD_TRIGGERS.has(workflow.trigger.on) && !workflow.entity) {
      report(file.path, '/entity', `a "${workflow.trigger.on}" trigger needs the entity whose records start the workflow`);
    }
    checkStepIds(workflow.actions, '/actions', new Map(), file.path, report);
    workflows.push(workflow);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, workflows: deepFreeze(workflows) };
}

/** Step ids are the idempotency keys of the steps: unique in the whole workflow, branches included. */
function checkStepIds(actions: readonly ActionModel[], pointer: string, seen: Map<string, string>, file: string, report: (f: string, p: string, m: string) => void): void {
  actions.forEach((action, i) => {
    const here = `${pointer}/${i}`;
    const other = seen.get(action.id);
    if (other) report(file, `${here}/id`, `step id "${action.id}" is also used at ${other}; every step needs its own id`);
    else seen.set(action.id, here);
    checkStepIds(action.then, `${here}/then`, seen, file, report);
    checkStepIds(action.else, `${here}/else`, seen, file, report);
  });
}

export function normaliseWorkflow(doc: JsonObject, pack: string | null): WorkflowModel {
  const name = String(doc.name);
  const title = localized(doc.title, humanise(name));
  return {
    name,
    pack,
    label: title,
    description: doc.description === undefined ? null : localized(doc.description, ''),
    enabled: doc.enabled !== false,
    entity: typeof doc.entity === 'string' ? doc.entity : null,
    trigger: normaliseTrigger(doc.trigger as JsonObject),
    condition: typeof doc.condition === 'string' ? doc.condition : null,
    actions: normaliseActions(doc.actions),
    document: doc,
  };
}

function normaliseTrigger(t: JsonObject): TriggerModel {
  switch (t.on) {
    case 'record.created':
    case 'record.deleted':
    case 'webhook':
      return { on: t.on };
    case 'record.updated':
      return { on: 'record.updated', fields: Array.isArray(t.fields) ? t.fields.map(String) : [] };
    case 'schedule':
      return { on: 'schedule', cron: String(t.cron), timezone: typeof t.timezone === 'string' ? t.timezone : DEFAULT_TIME_ZONE, filter: isObject(t.filter) ? t.filter : null };
    case 'date':
      return {
        on: 'date',
        field: String(t.field),
        offsetDays: typeof t.offsetDays === 'number' ? t.offsetDays : 0,
        repeat: t.repeat === 'yearly' ? 'yearly' : 'once',
        at: typeof t.at === 'string' ? t.at : '09:00',
        timezone: timeZoneSource(t.timezone),
      };
    case 'manual':
      return { on: 'manual', label: localized(t.label, 'Run') };
    default:
      throw new Error(`trigger ${String(t.on)} passed the meta-schema but is not known`);
  }
}

function timeZoneSource(value: JsonValue | undefined): TimeZoneSource {
  if (value === 'owner') return { kind: 'owner' };
  if (isObject(value) && typeof value.field === 'string') return { kind: 'field', field: value.field };
  return { kind: 'fixed', zone: typeof value === 'string' ? value : DEFAULT_TIME_ZONE };
}

function normaliseActions(value: JsonValue | undefined): ActionModel[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((a) => {
    const settings: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(a)) if (k !== 'id' && k !== 'type' && k !== 'then' && k !== 'else') settings[k] = v;
    return { id: String(a.id), type: String(a.type), settings, then: normaliseActions(a.then), else: normaliseActions(a.else) };
  });
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every step of a workflow, branches included, in document order. */
export function allSteps(actions: readonly ActionModel[]): ActionModel[] {
  return actions.flatMap((a) => [a, ...allSteps(a.then), ...allSteps(a.else)]);
}
