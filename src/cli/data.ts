/**
 * `peyvand data import|export|suggest`. Exit codes: 0 done, 1 the input was refused (a file that
 * cannot be read, a mapping that does not fit, rows with problems in all-or-nothing mode), 2 a
 * usage error. `--json` prints the result as JSON on stdout; progress goes to stderr.
 */
import { loadAccess } from '../lib/server/auth/access-store.ts';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { openDatabase, migrateSystemTables, type Database } from '../lib/server/db/database.ts';
import { DataDirInUseError } from '../lib/server/db/data-dir-lock.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';
import { findUserByEmail } from '../lib/server/auth/users.ts';
import type { EntityModel, Model } from '../lib/model/types.ts';
import { DUPLICATE_POLICIES, IMPORT_MODES, normaliseMapping, type DuplicatePolicy, type ImportMappingDefinition, type ImportMode } from '../lib/data/import-mapping.ts';
import { suggestColumns } from '../lib/data/suggest-mapping.ts';
import { errorReportHead, errorReportLine } from '../lib/data/error-report.ts';
import { isDelimiter } from '../lib/data/csv-shape.ts';
import { isTextEncodingName, TEXT_ENCODINGS } from '../lib/data/file-sniff.ts';
import { openTabularFile, type OpenOptions } from '../lib/server/data/tabular-source.ts';
import { runImport, type ImportActor, type ImportProgress, type ImportResult } from '../lib/server/data/import-service.ts';
import { exportRecords, type ExportFormat } from '../lib/server/data/export-service.ts';
import type { FilterNode } from '../lib/server/records/list-query.ts';

export const DATA_USAGE = `  data import <entity> <file.csv|xlsx> [--mapping file.json] [--map column=field …] [--dedupe-on field[,field]]
              [--on-duplicate skip|update|merge] [--mode all-or-nothing|valid-rows] [--report errors.csv]
              [--date-format DD/MM/YYYY …] [--sheet name] [--delimiter ';'] [--encoding windows-1256]
              [--as email] [--dry-run] [--json]
  data export <entity> <file.csv|xlsx> [--filter '<json>'] [--sort field[:desc],…] [--search text]
              [--headers names|labels] [--locale en|fa|ar] [--relations titles|ids] [--as email] [--json]
  data suggest <entity> <file.csv|xlsx>    print a mapping document suggested for the file`;

class UsageError extends Error {}

function usage(message: string): number {
  process.stderr.write(`peyvand data: ${message}\n\n${DATA_USAGE}\n`);
  return 2;
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

async function withDatabase<T>(purpose: string, run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose, poolSize: 2 });
  try {
    await migrateSystemTables(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

function entityOf(model: Model, name: string): EntityModel | null {
  return model.entities.find((e) => e.name === name) ?? null;
}

async function actorOf(database: Database, email: string | undefined): Promise<ImportActor | string> {
  if (email === undefined) return { kind: 'system', actorId: null };
  const user = await findUserByEmail(database.db, email);
  if (!user || user.disabledAt) return `no active user with email ${email}`;
  const { model } = await loadCurrentModel(database.db);
  return { kind: 'user', user, access: await loadAccess(database.db, model, user) };
}

const n = (value: number) => value.toLocaleString('en');

/** "12,000 rows (34%), 15,200 rows/s": percent by bytes read, which works for CSV and XLSX alike. */
function progressLine(p: ImportProgress): string {
  const percent = p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytesRead / p.totalBytes) * 100)) : 100;
  const rate = p.elapsedMs > 0 ? Math.round((p.rows / p.elapsedMs) * 1000) : 0;
  return `progress: ${n(p.rows)} rows (${percent}%), ${n(rate)} rows/s — ${n(p.created)} created, ${n(p.updated + p.merged)} updated, ${n(p.skipped)} skipped, ${n(p.failed)} failed`;
}

function formatResult(file: string, result: ImportResult, reportPath: string | undefined): string {
  const lines = [`${file}: ${result.message}`];
  if (result.ignoredColumns.length > 0) lines.push(`  columns not imported: ${result.ignoredColumns.join(', ')}`);
  if (result.relatedCreated > 0) lines.push(`  related records created: ${n(result.relatedCreated)}`);
  for (const issue of result.issues.slice(0, 20)) {
    lines.push(`  row ${issue.row}${issue.column ? `, column "${issue.column}"` : ''}: ${issue.message}`);
  }
  if (result.issueCount > 20) lines.push(`  … and ${n(result.issueCount - 20)} more problems${reportPath ? ` (all of them in ${reportPath})` : ' (write them all with --report errors.csv)'}`);
  else if (reportPath && result.issueCount > 0) lines.push(`  problems written to ${reportPath}`);
  return lines.join('\n');
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mapping: { type: 'string' },
      map: { type: 'string', multiple: true },
      'dedupe-on': { type: 'string' },
      'on-duplicate': { type: 'string' },
      mode: { type: 'string' },
      report: { type: 'string' },
      'date-format': { type: 'string', multiple: true },
      sheet: { type: 'string' },
      delimiter: { type: 'string' },
      encoding: { type: 'string' },
      as: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const [entityName, file] = positionals;
  if (!entityName || !file || positionals.length !== 2) throw new UsageError('data import needs an entity and a file');
  const json = values.json === true;
  if (values['on-duplicate'] !== undefined && !(DUPLICATE_POLICIES as readonly string[]).includes(values['on-duplicate'])) throw new UsageError('--on-duplicate must be skip, update or merge');
  if (values.mode !== undefined && !(IMPORT_MODES as readonly string[]).includes(values.mode)) throw new UsageError('--mode must be all-or-nothing or valid-rows');
  const delimiter = values.delimiter === '\\t' || values.delimiter === 'tab' ? '\t' : values.delimiter;
  if (delimiter !== undefined && !isDelimiter(delimiter)) throw new UsageError('--delimiter must be one of , ; tab |');
  if (values.encoding !== undefined && !isTextEncodingName(values.encoding.toLowerCase())) throw new UsageError(`--encoding must be one of ${TEXT_ENCODINGS.join(', ')}`);
  const maps: [string, string | null][] = [];
  for (const m of values.map ?? []) {
    const at = m.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--map ${m}: expected column=field (or column= to ignore the column)`);
    maps.push([m.slice(0, at), m.slice(at + 1) || null]);
  }

  let template: Record<string, unknown> | null = null;
  if (values.mapping !== undefined) {
    let text: string;
    try {
      text = await readFile(values.mapping, 'utf8');
    } catch (error) {
      process.stderr.write(`peyvand data: cannot read ${values.mapping}: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the mapping must be a JSON object');
      template = parsed as Record<string, unknown>;
    } catch (error) {
      print(json, { ok: false, issues: [{ file: values.mapping, pointer: '', message: (error as Error).message }] }, `${values.mapping}: ${(error as Error).message}`);
      return 1;
    }
  }

  return withDatabase(`peyvand data import`, async (database) => {
    const { model } = await loadCurrentModel(database.db);
    const entity = entityOf(model, entityName);
    if (!entity) {
      print(json, { ok: false, message: `there is no entity "${entityName}"` }, `there is no entity "${entityName}" (entities: ${model.entities.map((e) => e.name).join(', ') || 'none'})`);
      return 1;
    }
    const actor = await actorOf(database, values.as);
    if (typeof actor === 'string') {
      process.stderr.write(`peyvand data: ${actor}\n`);
      return 1;
    }
    const str = (key: string) => (template && typeof template[key] === 'string' ? (template[key] as string) : undefined);
    const open: OpenOptions = {
      sheet: values.sheet ?? str('sheet') ?? null,
      delimiter: (delimiter as OpenOptions['delimiter']) ?? (isDelimiter(str('delimiter')) ? (str('delimiter') as OpenOptions['delimiter']) : null),
      encoding: values.encoding !== undefined ? (values.encoding.toLowerCase() as OpenOptions['encoding']) : isTextEncodingName(str('encoding')) ? (str('encoding') as OpenOptions['encoding']) : null,
    };
    const opened = await openTabularFile(file, open);
    if (!opened.ok) {
      print(json, { ok: false, status: 'refused', message: opened.refusal.message, code: opened.refusal.code }, `${file}: ${opened.refusal.message}; nothing was imported`);
      return 1;
    }
    const source = opened.source;

    const columns: Record<string, string | null> = template ? { ...((template.columns as Record<string, string | null> | undefined) ?? {}) } : Object.fromEntries([...suggestColumns(entity, source.headers)].filter(([, f]) => f !== null));
    for (const [column, field] of maps) columns[column] = field;
    const doc: ImportMappingDefinition = {
      ...(template ?? {}),
      entity: (template?.entity as string | undefined) ?? entity.name,
      columns,
      ...(values['dedupe-on'] !== undefined ? { dedupeOn: values['dedupe-on'].split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      ...(values['on-duplicate'] !== undefined ? { onDuplicate: values['on-duplicate'] as DuplicatePolicy } : {}),
      ...(values.mode !== undefined ? { mode: values.mode as ImportMode } : {}),
      ...(values['date-format'] !== undefined ? { dateFormats: values['date-format'] } : {}),
    };
    const mapping = normaliseMapping(doc, { model, entity: entity.name });
    if (!mapping.ok) {
      source.close();
      const where = values.mapping ?? 'the mapping';
      print(json, { ok: false, status: 'refused', issues: mapping.issues.map((i) => ({ file: where, ...i })) }, `${mapping.issues.length} problem${mapping.issues.length === 1 ? '' : 's'} with ${where}; nothing was imported:\n${mapping.issues.map((i) => `  ${where}${i.pointer ? ` ${i.pointer}` : ''}: ${i.message}`).join('\n')}`);
      return 1;
    }

    // The report is written beside its final name and moved there at the end, so that a killed import leaves no half report.
    const reportPath = values.report;
    const reportTemp = reportPath ? `${reportPath}.partial` : null;
    const report = reportTemp ? createWriteStream(reportTemp) : null;
    report?.write(errorReportHead());
    let last = 0;
    const started = Date.now();
    const result = await runImport({
      db: database.db,
      model,
      source,
      mapping: mapping.mapping,
      actor,
      dryRun: values['dry-run'] === true,
      onIssue: (issue) => report?.write(errorReportLine(issue)),
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1000) return;
        last = now;
        process.stderr.write(`${progressLine(p)}\n`);
      },
    });
    process.stderr.write(`${progressLine({ ...result.counts, bytesRead: source.totalBytes, totalBytes: source.totalBytes, elapsedMs: result.elapsedMs })}\n`);
    if (report && reportTemp && reportPath) {
      await new Promise<void>((resolve, reject) => report.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (result.issueCount > 0) await rename(reportTemp, reportPath);
      else await rm(reportTemp, { force: true });
    }
    const seconds = (Date.now() - started) / 1000;
    print(json, { ok: result.status === 'imported' || (result.status === 'dry-run' && result.counts.failed === 0), ...result }, `${formatResult(file, result, result.issueCount > 0 ? reportPath : undefined)}\n  (${seconds.toFixed(1)} s)`);
    if (result.status === 'imported') return 0;
    if (result.status === 'dry-run') return result.counts.failed === 0 && result.issueCount === 0 ? 0 : 1;
    return 1;
  });
}

function parseSort(text: string | undefined): { field: string; direction: 'asc' | 'desc' }[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const [field = '', direction = 'asc'] = part.trim().split(':');
    if (direction !== 'asc' && direction !== 'desc') throw new UsageError(`--sort ${part}: the direction must be asc or desc`);
    return { field, direction };
  });
}

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      filter: { type: 'string' },
      sort: { type: 'string' },
      search: { type: 'string' },
      headers: { type: 'string' },
      locale: { type: 'string' },
      relations: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [entityName, file] = positionals;
  if (!entityName || !file || positionals.length !== 2) throw new UsageError('data export needs an entity and a file');
  const ext = extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.xlsx') throw new UsageError('the export file must end in .csv or .xlsx');
  if (values.headers !== undefined && values.headers !== 'names' && values.headers !== 'labels') throw new UsageError('--headers must be names or labels');
  if (values.relations !== undefined && values.relations !== 'titles' && values.relations !== 'ids') throw new UsageError('--relations must be titles or ids');
  const json = values.json === true;
  let filter: FilterNode | undefined;
  if (values.filter !== undefined) {
    try {
      filter = JSON.parse(values.filter) as FilterNode;
    } catch (error) {
      throw new UsageError(`--filter is not JSON: ${(error as Error).message}`);
    }
  }
  const sort = parseSort(values.sort);
  return withDatabase('peyvand data export', async (database) => {
    const { model } = await loadCurrentModel(database.db);
    const entity = entityOf(model, entityName);
    if (!entity) {
      print(json, { ok: false, message: `there is no entity "${entityName}"` }, `there is no entity "${entityName}"`);
      return 1;
    }
    const actor = await actorOf(database, values.as);
    if (typeof actor === 'string') {
      process.stderr.write(`peyvand data: ${actor}\n`);
      return 1;
    }
    const temp = `${file}.partial`;
    const out = createWriteStream(temp);
    const result = await exportRecords({
      db: database.db,
      model,
      entity,
      actor,
      format: ext.slice(1) as ExportFormat,
      out,
      list: { ...(filter !== undefined ? { filter } : {}), ...(sort ? { sort } : {}), ...(values.search ? { search: values.search } : {}) },
      headers: values.headers === 'labels' ? 'labels' : 'names',
      locale: values.locale ?? 'en',
      relations: values.relations === 'ids' ? 'ids' : 'titles',
    }).catch(async (error: unknown) => {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    });
    if (!result.ok) {
      out.destroy();
      await rm(temp, { force: true });
      print(json, { ok: false, message: result.message }, `nothing was exported: ${result.message}`);
      return 1;
    }
    await rename(temp, file);
    print(json, { ok: true, rows: result.rows, file }, `exported ${n(result.rows)} ${entity.name} records to ${file}`);
    return 0;
  });
}

async function suggestCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [entityName, file] = positionals;
  if (!entityName || !file || positionals.length !== 2) throw new UsageError('data suggest needs an entity and a file');
  return withDatabase('peyvand data suggest', async (database) => {
    const { model } = await loadCurrentModel(database.db);
    const entity = entityOf(model, entityName);
    if (!entity) {
      process.stderr.write(`there is no entity "${entityName}"\n`);
      return 1;
    }
    const opened = await openTabularFile(file, {});
    if (!opened.ok) {
      process.stderr.write(`${file}: ${opened.refusal.message}\n`);
      return 1;
    }
    opened.source.close();
    const doc: ImportMappingDefinition = {
      $schema: 'https://peyvand.dev/schemas/import-mapping.schema.json',
      entity: entity.name,
      columns: Object.fromEntries(suggestColumns(entity, opened.source.headers)),
      ...(opened.source.delimiter && opened.source.delimiter !== ',' ? { delimiter: opened.source.delimiter } : {}),
      ...(opened.source.encoding && opened.source.encoding !== 'utf-8' ? { encoding: opened.source.encoding } : {}),
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  });
}

export async function data(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  try {
    switch (verb) {
      case 'import':
        return await importCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case 'suggest':
        return await suggestCommand(rest);
      default:
        return usage(verb ? `unknown data verb "${verb}"` : 'data needs a verb (import, export, suggest)');
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS_')) return usage((error as Error).message);
    if (error instanceof DataDirInUseError) {
      process.stderr.write(`peyvand: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
