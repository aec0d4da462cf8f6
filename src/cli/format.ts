/** Human-readable CLI output for pack issues and migration plans. */
import type { PackIssue } from '../lib/model/load-pack.ts';
import type { PackInfo } from '../lib/model/types.ts';
import type { ApplyResult } from '../lib/server/schema/apply.ts';

export function formatIssues(dir: string, issues: readonly PackIssue[]): string {
  const lines = issues.map((i) => `  ${dir.replace(/\/$/, '')}/${i.file}${i.pointer ? ` ${i.pointer}` : ''}: ${i.message}`);
  return `${issues.length} problem${issues.length === 1 ? '' : 's'} found; nothing was applied:\n${lines.join('\n')}`;
}

const MARK = { applied: '✓', planned: '•', 'needs-confirmation': '!', impossible: '✗' } as const;

export function formatApplyResult(pack: PackInfo, result: ApplyResult): string {
  const head = {
    applied: `Applied pack ${pack.name}@${pack.version}: model version ${result.version}.`,
    unchanged: `Pack ${pack.name}@${pack.version} is already applied; nothing to do.`,
    planned: `Plan for pack ${pack.name}@${pack.version} (nothing was changed):`,
    refused: `Pack ${pack.name}@${pack.version} was NOT applied; nothing was changed:`,
  }[result.status];
  const steps = result.outcomes
    .filter((o) => o.step.kind !== 'index.rename' || o.status !== 'applied')
    .map((o) => {
      const rows = o.affectedRows !== null ? ` [${o.affectedRows} record${o.affectedRows === 1 ? '' : 's'}]` : '';
      const flag = o.step.destructive ? ' (destructive)' : '';
      return `  ${MARK[o.status]} ${o.step.reason}${flag}${rows}${o.message ? `\n      ${o.message}` : ''}`;
    });
  return [head, ...steps].join('\n');
}
