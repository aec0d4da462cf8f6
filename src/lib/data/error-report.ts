/**
 * The error report of an import as CSV: one line per problem (row, column, field, value,
 * reason), every cell neutralised — the values come from the uploaded file, and the report is
 * opened in a spreadsheet.
 */
import { csvLine, UTF8_BOM } from './csv-write.ts';
import type { ImportIssue } from './row-parser.ts';

export const ERROR_REPORT_HEADER = ['row', 'column', 'field', 'value', 'problem'] as const;

export function errorReportHead(): string {
  return UTF8_BOM + csvLine([...ERROR_REPORT_HEADER]);
}

export function errorReportLine(issue: ImportIssue): string {
  return csvLine([String(issue.row), issue.column ?? '', issue.field ?? '', issue.value ?? '', issue.message]);
}

/** A whole (small) report; streaming writers use the two functions above. */
export function errorReportCsv(issues: readonly ImportIssue[]): string {
  return errorReportHead() + issues.map(errorReportLine).join('');
}
