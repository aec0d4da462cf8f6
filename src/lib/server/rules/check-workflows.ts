/**
 * What only the whole model can tell about workflows: the entity and fields exist, the condition,
 * every expression and template name real fields, the cron and time zones are valid, and each
 * action's own settings make sense. Run when a pack is applied and when the designer saves.
 *
 *   const issues = checkWorkflows(model);            // [] when every workflow is runnable
 */
import { CronExpressionParser } from 'cron-parser';
import { compileExpression } from '../../expressions/index.ts';
import type { PackIssue } from '../../model/load-pack.ts';
import { findEntity, findField, type Model } from '../../model/types.ts';
import { allSteps } from '../../rules/load-workflows.ts';
import { templateNames, workflowScope } from '../../rules/scope.ts';
import { checkTemplate, templateNamesFrom } from '../../rules/template.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import { compileFilter, ListQueryError } from '../records/list-query.ts';
import type { ActionCheckContext } from './action-type.ts';
import { actionType } from './actions/registry.ts';

export function checkWorkflows(model: Model, only?: ReadonlySet<string>): PackIssue[] {
  return model.workflows.filter((w) => !only || only.has(w.name)).flatMap((w) => checkWorkflow(model, w));
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A five-field cron expression's problem, or null. */
export function cronProblem(cron: string, timeZone: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5) return 'a schedule needs five cron fields: minute hour day-of-month month day-of-week (e.g. "0 9 * * 1-5")';
  try {
    CronExpressionParser.parse(cron, { tz: timeZone });
    return null;
  } catch (error) {
    return `the cron expression is invalid: ${(error as Error).message}`;
  }
}

export function workflowCheckContext(model: Model, workflow: WorkflowModel): ActionCheckContext {
  const scope = workflowScope(model, workflow);
  const names = templateNamesFrom(templateNames(model, workflow));
  return {
    model,
    workflow,
    entity: workflow.entity ? (findEntity(model, workflow.entity) ?? null) : null,
    checkExpression: (source) => {
      const compiled = compileExpression(source, scope);
      return compiled.ok ? [] : compiled.issues.map((i) => i.message);
    },
    checkTemplate: (source, mode) => checkTemplate(source, names, mode),
  };
}

export function checkWorkflow(model: Model, workflow: WorkflowModel): PackIssue[] {
  const file = `workflows/${workflow.name}.json`;
  const issues: PackIssue[] = [];
  const report = (pointer: string, message: string) => issues.push({ file, pointer, message });
  const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
  if (workflow.entity && !entity) {
    report('/entity', `there is no entity "${workflow.entity}"`);
    return issues;
  }
  const trigger = workflow.trigger;
  switch (trigger.on) {
    case 'record.updated':
      trigger.fields.forEach((f, i) => {
        if (entity && !findField(entity, f)) report(`/trigger/fields/${i}`, `${entity.name} has no field "${f}"`);
      });
      break;
    case 'schedule': {
      if (!isValidTimeZone(trigger.timezone)) report('/trigger/timezone', `"${trigger.timezone}" is not a time zone (use an IANA name such as Asia/Tehran)`);
      else {
        const problem = cronProblem(trigger.cron, trigger.timezone);
        if (problem) report('/trigger/cron', problem);
      }
      if (trigger.filter && !entity) report('/trigger/filter', 'a filter needs the workflow\'s entity');
      if (trigger.filter && entity) {
        try {
          compileFilter(entity, trigger.filter);
        } catch (error) {
          if (!(error instanceof ListQueryError)) throw error;
          report(`/trigger/filter${error.path}`, error.message);
        }
      }
      break;
    }
    case 'date': {
      const field = entity ? findField(entity, trigger.field) : undefined;
      if (entity && !field) report('/trigger/field', `${entity.name} has no field "${trigger.field}"`);
      else if (field && field.type !== 'date') report('/trigger/field', `"${trigger.field}" is a ${field.type} field; date triggers need a date field`);
      if (trigger.timezone.kind === 'fixed' && !isValidTimeZone(trigger.timezone.zone)) report('/trigger/timezone', `"${trigger.timezone.zone}" is not a time zone (use an IANA name such as Asia/Tehran)`);
      if (trigger.timezone.kind === 'field' && entity && !findField(entity, trigger.timezone.field)) report('/trigger/timezone/field', `${entity.name} has no field "${trigger.timezone.field}"`);
      break;
    }
    default:
      break;
  }
  const ctx = workflowCheckContext(model, workflow);
  if (workflow.condition !== null) for (const message of ctx.checkExpression(workflow.condition)) report('/condition', message);
  walk(workflow.actions, '/actions');
  function walk(actions: WorkflowModel['actions'], pointer: string): void {
    actions.forEach((action, i) => {
      const here = `${pointer}/${i}`;
      const type = actionType(action.type);
      if (!type) {
        report(`${here}/type`, `there is no action "${action.type}"`);
        return;
      }
      for (const issue of type.check(action.settings, ctx)) report(`${here}${issue.pointer}`, issue.message);
      walk(action.then, `${here}/then`);
      walk(action.else, `${here}/else`);
    });
  }
  if (allSteps(workflow.actions).length === 0) report('/actions', 'a workflow needs at least one action');
  return issues;
}
