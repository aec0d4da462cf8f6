/**
 * A pack plan or apply as text for the terminal (`peyvand pack plan|apply`): what happened, why
 * it was refused and how to confirm, the readable diff, the conflicts with the three values, and
 * the migration steps with their affected rows.
 *
 *   process.stdout.write(`${formatPackReport(report, { source: 'packs/b2b-sales' })}\n`);
 */
import type { PackIssue } from '../model/load-pack.ts';
import type { JsonValue } from '../model/types.ts';
import type { PackRefusal, PackReport } from '../server/packs/pack-service.ts';
import type { StepOutcome } from '../server/schema/apply.ts';
import type { MergeConflict } from './merge-documents.ts';
import type { EntityChange, FieldChange } from './model-diff.ts';

const MARK = { applied: '✓', planned: '•', 'needs-confirmation': '!', impossible: '✗' } as const;
const CHANGE = { added: '+', changed: '~', renamed: '→', removed: '−' } as const;

export function formatPackIssues(source: string, issues: readonly PackIssue[]): string {
  const at = source.replace(/\/$/, '');
  const lines = issues.map((i) => `  ${i.file.startsWith('(') ? `${at} ${i.file}` : `${at}/${i.file}`}${i.pointer ? ` ${i.pointer}` : ''}: ${i.message}`);
  return `${issues.length} problem${issues.length === 1 ? '' : 's'} found; nothing was applied:\n${lines.join('\n')}`;
}

export function formatPackReport(report: PackReport, options: { readonly source: string }): string {
  if (report.status === 'invalid' || !report.pack) return formatPackIssues(options.source, report.issues);
  const { name, version } = report.pack;
  const from = report.installed && report.installed.version !== version ? ` (${report.change} from ${report.installed.version})` : '';
  const head = {
    applied: `Applied pack ${name}@${version}${from}: model version ${report.version ?? '?'}.`,
    unchanged: `Pack ${name}@${version} is already applied; nothing to do.`,
    planned: `Plan for pack ${name}@${version}${from} (nothing was changed):`,
    refused: `Pack ${name}@${version} was NOT applied; nothing was changed:`,
  }[report.status];
  const lines = [head];
  if (report.refusals.length > 0) {
    lines.push(report.status === 'planned' ? 'Applying it would be refused until:' : 'Refused because:');
    for (const refusal of report.refusals) lines.push(`  - ${refusalText(refusal, report)}`);
  }
  for (const id of report.unusedResolutions) lines.push(`  (--resolve ${id}: there is no such conflict in this plan)`);
  const changes = diffLines(report);
  if (changes.length > 0) lines.push('Changes:', ...changes);
  if (report.conflicts.length > 0) {
    lines.push('Conflicts (changed here and by the pack):');
    for (const conflict of report.conflicts) lines.push(...conflictLines(conflict));
  }
  const steps = (report.schema?.outcomes ?? []).filter((o) => o.step.kind !== 'index.rename' || o.status !== 'applied');
  if (steps.length > 0 && report.status !== 'unchanged') lines.push('Steps:', ...steps.map(stepLine));
  return lines.join('\n');
}

function refusalText(refusal: PackRefusal, report: PackReport): string {
  switch (refusal) {
    case 'conflicts': {
      const open = report.conflicts.filter((c) => c.resolution === null).length;
      return `${open} conflict${open === 1 ? '' : 's'} unresolved: choose with --resolve <id>=mine|pack, or --resolve-all mine|pack`;
    }
    case 'downgrade':
      return `${report.pack?.version ?? ''} is older than the installed ${report.installed?.version ?? ''}: confirm the downgrade with --allow-downgrade`;
    case 'destructive':
      return 'steps lose data (marked !): confirm with --allow-destructive';
    case 'impossible':
      return 'steps cannot run on the records there are (marked ✗); change the pack or the records first';
    case 'stale':
      return 'the model changed since this plan was made; plan again';
  }
}

function diffLines(report: PackReport): string[] {
  const lines: string[] = [];
  for (const entity of report.diff.entities) lines.push(`  ${CHANGE[entity.change]} entity ${entity.name}${entitySummary(entity)}`);
  for (const workflow of report.diff.workflows) lines.push(`  ${CHANGE[workflow.change]} workflow ${workflow.name}${workflow.keywords.length > 0 ? ` (${workflow.keywords.join(', ')})` : ''}`);
  for (const file of report.files) lines.push(`  ${CHANGE[file.change]} file ${file.path}`);
  return lines;
}

function entitySummary(entity: EntityChange): string {
  if (entity.change === 'added') return ` (${entity.fields.length} field${entity.fields.length === 1 ? '' : 's'})`;
  if (entity.change === 'removed') return ' (its table goes to the archive schema)';
  const parts = [...(entity.from ? [`was ${entity.from}`] : []), ...(entity.keywords.length > 0 ? [`settings: ${entity.keywords.join(', ')}`] : []), ...entity.fields.map(fieldText)];
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
}

function fieldText(field: FieldChange): string {
  const detail = [...(field.from ? [`was ${field.from}`] : []), ...(field.previousType ? [`${field.previousType} → ${field.type}`] : []), ...field.keywords];
  return `${CHANGE[field.change]} field ${field.name}${field.change === 'added' ? ` (${field.type})` : ''}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}

function conflictLines(conflict: MergeConflict): string[] {
  const state = conflict.resolution === null ? 'unresolved: keeping mine for now' : conflict.resolution === 'mine' ? 'keeping mine' : "taking the pack's";
  const show = (value: JsonValue | undefined) => (value === undefined ? '(absent)' : shorten(JSON.stringify(value)));
  return [
    `  ${conflict.resolution === null ? '✗' : '✓'} ${conflict.id} (${conflict.kind}; ${state})`,
    `      installed: ${show(conflict.base)}`,
    `      mine:      ${show(conflict.mine)}`,
    `      pack:      ${show(conflict.pack)}`,
  ];
}

function shorten(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function stepLine(o: StepOutcome): string {
  const rows = o.affectedRows !== null ? ` [${o.affectedRows} record${o.affectedRows === 1 ? '' : 's'}]` : '';
  const flag = o.step.destructive ? ' (destructive)' : '';
  return `  ${MARK[o.status]} ${o.step.reason}${flag}${rows}${o.message ? `\n      ${o.message}` : ''}`;
}
