/**
 * Imports the rows of a CSV or XLSX file as records of one entity, through the records service
 * (validation, formulas, rules, audit entry and outbox event per record), in ONE transaction: a
 * killed import leaves nothing behind, and running it again gives exactly the intended records.
 *
 * Rows stream through in batches of 1,000: parse (field registry) → resolve relations (one query
 * per key field) → match duplicates against the table and the earlier rows (one query) → check
 * unique fields (one query each) → insert the new records (one statement, `bulkCreate`) → update
 * or merge the matched ones (`updateRecord`). Nothing but the current batch is held in memory.
 *
 *   const result = await runImport({ db, model, source, mapping, actor: { user } });
 *   // { status: 'imported', counts: { rows: 8800, created: 8790, failed: 10, … }, issues: […] }
 */
import { sql, type Kysely } from 'kysely';
import { FIELD_TYPES } from '../../fields/registry.ts';
import { normaliseSearchText } from '../../locale/search-text.ts';
import type { EntityModel, FieldModel, JsonValue, Model } from '../../model/types.ts';
import { checkHeaders, resolveColumns, unmappedHeaders, type ImportMappingModel, type ImportMode } from '../../data/import-mapping.ts';
import { compileRowParser, type ImportIssue, type RelationRef } from '../../data/row-parser.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { can, type AuthUser } from '../auth/permissions.ts';
import { SYSTEM_ACCESS, type Access } from '../../access/access.ts';
import { hiddenFields, recordScope } from '../records/record-access.ts';
import { bulkCreate, rowToRecord, updateRecord, WRITE_LIMITS, type RecordContext, type RecordOutput } from '../records/record-service.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { fieldColumns } from '../schema/plan.ts';
import { RelationResolver } from './relation-resolver.ts';
import { savepoint } from './savepoint.ts';
import { SourceError, type SourceRow, type TabularSource } from './tabular-source.ts';

/** Who imports: a signed-in user (permissions apply), or the operator at the command line. */
export type ImportActor = { readonly kind: 'user'; readonly user: AuthUser; readonly access: Access } | { readonly kind: 'system'; readonly actorId: string | null };

export interface ImportCounts {
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly merged: number;
  readonly skipped: number;
  readonly failed: number;
}

export interface ImportProgress extends ImportCounts {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly elapsedMs: number;
}

/**
 * imported: committed (in valid-rows mode, failed rows were left out); rolled-back: rows failed
 * in all-or-nothing mode, so nothing was written; dry-run: checked only; refused: the import
 * could not run (permission, the mapping does not fit the file, the file cannot be read).
 */
export type ImportStatus = 'imported' | 'rolled-back' | 'dry-run' | 'refused';

export interface ImportResult {
  readonly status: ImportStatus;
  readonly message: string;
  readonly mode: ImportMode;
  readonly counts: ImportCounts;
  /** The first problems (all of them went to `onIssue`). */
  readonly issues: readonly ImportIssue[];
  readonly issueCount: number;
  /** Columns of the file no field takes. */
  readonly ignoredColumns: readonly string[];
  /** Records of related entities made for `create: true` keys. */
  readonly relatedCreated: number;
  readonly elapsedMs: number;
}

export interface RunImportInput {
  readonly db: Kysely<SystemTables>;
  readonly model: Model;
  readonly source: TabularSource;
  readonly mapping: ImportMappingModel;
  readonly actor: ImportActor;
  /** Overrides the mapping's mode. */
  readonly mode?: ImportMode;
  readonly dryRun?: boolean;
  readonly batchSize?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Every problem, as it is found (the error report is written from here). */
  readonly onIssue?: (issue: ImportIssue) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export const KEPT_ISSUES = 1000;

/**
 * Up to this many records, duplicates are also looked for among stored values that differ only in
 * folding ("SARA@X.IR" and "sara@x.ir"); that lookup scans the table, so a larger table is
 * matched on exact values (each field type's own normal form), plus folding within the file.
 */
export const FOLDED_MATCH_LIMIT = 200_000;

class Rollback extends Error {}

interface Candidate {
  readonly row: number;
  readonly cells: readonly string[];
  /** Values of the row's cells (relation ids resolved). */
  readonly values: Record<string, JsonValue>;
  readonly defaults: Record<string, JsonValue>;
}

interface ReadBatch {
  count: number;
  readonly parsed: { candidate: Candidate; refs: readonly RelationRef[] }[];
  readonly failures: ImportIssue[];
}

interface Counters {
  rows: number;
  created: number;
  updated: number;
  merged: number;
  skipped: number;
  failed: number;
}

function isEmptyValue(value: JsonValue | undefined): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function keyOf(values: readonly (JsonValue | undefined)[]): string | null {
  return values.some(isEmptyValue) ? null : JSON.stringify(values);
}

/** The value a field stores in its (single) column, for `= any($1::type[])` lookups. */
function columnParam(field: FieldModel, value: JsonValue): unknown {
  const column = fieldColumns(field)[0]?.name ?? field.name;
  return FIELD_TYPES[field.type].toRow(field, value)[column] ?? null;
}

function sqlTypeOf(field: FieldModel): string {
  return fieldColumns(field)[0]?.sqlType ?? 'text';
}

export function denial(actor: ImportActor, entity: EntityModel, mapping: ImportMappingModel, model: Model): string | null {
  if (actor.kind === 'system') return null;
  // Matching duplicates or relations on a field the importer may not see would tell them its
  // values (skipped or linked, or not): such a mapping is refused like one naming no field.
  const hidden = hiddenFields(actor.access, entity);
  for (const field of [...mapping.dedupeOn, ...mapping.columns.values()]) if (field !== null && hidden.has(field)) return `"${field}" is not a field of ${entity.name}`;
  for (const key of mapping.relations.values()) {
    const target = model.entities.find((e) => e.name === key.target);
    if (target && key.on !== 'id' && hiddenFields(actor.access, target).has(key.on)) return `"${key.on}" is not a field of ${key.target}`;
  }
  const wanted: { action: 'record.import' | 'record.create' | 'record.update'; entity: string }[] = [{ action: 'record.import', entity: entity.name }];
  if (mapping.dedupeOn.length > 0 && mapping.onDuplicate !== 'skip') wanted.push({ action: 'record.update', entity: entity.name });
  for (const key of mapping.relations.values()) if (key.create) wanted.push({ action: 'record.create', entity: key.target });
  for (const permission of wanted) {
    const decision = can(actor.user, permission, actor.access);
    if (!decision.allowed) return `${decision.message} (${permission.action} on ${permission.entity})`;
  }
  return null;
}

export async function runImport(input: RunImportInput): Promise<ImportResult> {
  const started = Date.now();
  const { model, source, mapping } = input;
  const mode = input.mode ?? mapping.mode;
  const entity = model.entities.find((e) => e.name === mapping.entity);
  const counters: Counters = { rows: 0, created: 0, updated: 0, merged: 0, skipped: 0, failed: 0 };
  const kept: ImportIssue[] = [];
  let issueCount = 0;
  const ignoredColumns = unmappedHeaders(mapping, source.headers);
  const result = (status: ImportStatus, message: string, relatedCreated = 0): ImportResult => ({
    status,
    message,
    mode,
    counts: { ...counters },
    issues: kept,
    issueCount,
    ignoredColumns,
    relatedCreated,
    elapsedMs: Date.now() - started,
  });
  const emit = (issue: ImportIssue) => {
    issueCount++;
    if (kept.length < KEPT_ISSUES) kept.push(issue);
    input.onIssue?.(issue);
  };
  // Problems of a batch are found stage by stage; they are reported in row order when it ends.
  let pending: ImportIssue[] | null = null;
  const report = (issue: ImportIssue) => (pending ? pending.push(issue) : emit(issue));
  const flush = () => {
    const issues = pending ?? [];
    pending = null;
    issues.sort((a, b) => a.row - b.row);
    for (const issue of issues) emit(issue);
  };

  if (!entity) return result('refused', `there is no entity "${mapping.entity}"`);
  const denied = denial(input.actor, entity, mapping, model);
  if (denied) return result('refused', denied);
  const misfit = checkHeaders(mapping, source.headers);
  if (misfit.length > 0) {
    for (const m of misfit) report({ row: 1, column: null, field: null, value: null, message: m.message });
    return result('refused', `the mapping does not fit the file: ${misfit[0]?.message ?? ''}`);
  }

  const parse = compileRowParser({ model, mapping, headers: source.headers });
  const resolver = new RelationResolver(model);
  const batchSize = Math.min(Math.max(input.batchSize ?? WRITE_LIMITS.maxBatch, 1), WRITE_LIMITS.maxBatch);
  const actorId = input.actor.kind === 'user' ? input.actor.user.id : input.actor.actorId;
  const dedupeFields = mapping.dedupeOn.map((name) => entity.fields.find((f) => f.name === name) as FieldModel);
  const uniqueFields = entity.fields.filter((f) => f.unique && fieldColumns(f).length === 1);
  const columnOf = new Map<string, string>();
  for (const [column, field] of resolveColumns(mapping, source.headers)) if (field !== null) columnOf.set(field, column);

  const fail = (candidate: Pick<Candidate, 'row' | 'cells'>, field: string | null, message: string) => {
    const column = field ? (columnOf.get(field) ?? null) : null;
    const index = column === null ? -1 : source.headers.indexOf(column);
    const raw = index >= 0 ? (candidate.cells[index] ?? null) : null;
    report({ row: candidate.row, column, field, value: raw === null ? null : raw.length > 200 ? `${raw.slice(0, 199)}…` : raw, message });
  };

  const progress = () =>
    input.onProgress?.({ ...counters, bytesRead: source.bytesRead(), totalBytes: source.totalBytes, elapsedMs: Date.now() - started });

  async function processBatch(ctx: RecordContext, batch: ReadBatch): Promise<void> {
    pending = [];
    try {
      await processRows(ctx, batch);
    } finally {
      flush();
    }
  }

  /** Reads and parses the next batch: no database work, so it overlaps the previous batch's writes. */
  async function readBatch(rows: AsyncIterator<SourceRow>): Promise<ReadBatch> {
    const batch: ReadBatch = { count: 0, parsed: [], failures: [] };
    while (batch.count < batchSize) {
      const next = await rows.next();
      if (next.done) break;
      batch.count++;
      const { cells, row } = next.value;
      const p = parse(cells, row);
      if (p.ok) batch.parsed.push({ candidate: { row, cells, values: p.values, defaults: p.defaults }, refs: p.refs });
      else batch.failures.push(...p.issues);
    }
    return batch;
  }

  async function processRows(ctx: RecordContext, batch: ReadBatch): Promise<void> {
    counters.rows += batch.count;
    counters.failed += new Set(batch.failures.map((f) => f.row)).size;
    for (const issue of batch.failures) report(issue);
    const parsed = batch.parsed;
    // Relations: every ref of the batch at once.
    const refs = parsed.flatMap((p) => p.refs);
    const answers = refs.length > 0 ? await resolver.resolve(ctx, refs) : [];
    const answerOf = new Map(refs.map((ref, i) => [ref, answers[i]]));
    const ready: Candidate[] = [];
    for (const { candidate, refs: own } of parsed) {
      let ok = true;
      for (const ref of own) {
        const answer = answerOf.get(ref);
        if (answer?.ok) (ref.fromDefault ? candidate.defaults : candidate.values)[ref.field] = answer.id;
        else {
          ok = false;
          report({ row: candidate.row, column: ref.column || null, field: ref.field, value: ref.cell, message: `${ref.fromDefault ? 'the default: ' : ''}${answer?.message ?? 'not found'}` });
        }
      }
      if (ok) ready.push(candidate);
      else counters.failed++;
    }
    // Rows that repeat an earlier row's duplicate key wait for a later round, which then finds
    // the record the earlier row made or changed (same transaction).
    let queue = ready;
    while (queue.length > 0) {
      const round: Candidate[] = [];
      const later: Candidate[] = [];
      const seen = new Set<string>();
      for (const c of queue) {
        const key = dedupeKey(c);
        if (key !== null && seen.has(key)) later.push(c);
        else {
          if (key !== null) seen.add(key);
          round.push(c);
        }
      }
      await processRound(ctx, round);
      queue = later;
    }
  }

  /** Text is compared folded (case, spaces, ZWNJ, Persian/Arabic letters), as GLOSSARY.md asks of duplicate detection. */
  const foldable = dedupeFields.map((f) => FIELD_TYPES[f.type].filterKind === 'text');
  const dedupeKeyOf = (values: readonly (JsonValue | undefined)[]) => keyOf(values.map((v, i) => (foldable[i] && typeof v === 'string' ? normaliseSearchText(v) : v)));
  /** Whether to look for folded matches in the table too: a scan, so only up to FOLDED_MATCH_LIMIT records. */
  let foldInTable = false;

  function dedupeKey(c: Candidate): string | null {
    if (dedupeFields.length === 0) return null;
    return dedupeKeyOf(dedupeFields.map((f) => c.values[f.name] ?? c.defaults[f.name]));
  }

  async function findExisting(ctx: RecordContext, round: readonly Candidate[]): Promise<Map<string, RecordOutput[]>> {
    const found = new Map<string, Map<string, RecordOutput>>();
    if (dedupeFields.length === 0) return new Map();
    const table = sql.id(DATA_SCHEMA, entity?.name ?? '');
    const columns = dedupeFields.map((f) => sql.id(fieldColumns(f)[0]?.name ?? f.name));
    const valueOf = (c: Candidate, f: FieldModel) => (c.values[f.name] ?? c.defaults[f.name]) as JsonValue;
    const take = (rows: readonly Record<string, unknown>[]) => {
      for (const row of rows) {
        const record = rowToRecord(entity as EntityModel, row);
        const key = dedupeKeyOf(dedupeFields.map((f) => record[f.name]));
        if (key === null) continue;
        const byId = found.get(key) ?? new Map<string, RecordOutput>();
        byId.set(String(record.id), record);
        found.set(key, byId);
      }
    };
    // Only records the importer may read count as duplicates: the others stay out of reach.
    const scope = recordScope(ctx.access, entity as EntityModel, 'read');
    const inScope = scope ? sql` and ${scope}` : sql``;
    const keyed = round.filter((c) => dedupeKey(c) !== null);
    if (keyed.length > 0) {
      // Exact values first: the index on the field (a unique field has one) finds them.
      const arrays = dedupeFields.map((f) => sql`${sql.val(keyed.map((c) => columnParam(f, valueOf(c, f))))}::${sql.raw(sqlTypeOf(f))}[]`);
      const exact =
        dedupeFields.length === 1
          ? sql<Record<string, unknown>>`select * from ${table} where ${columns[0]} = any(${arrays[0]})${inScope}`
          : sql<Record<string, unknown>>`select t.* from ${table} t where (${sql.join(columns.map((c) => sql`t.${c}`))}) in (select * from unnest(${sql.join(arrays)}))${inScope}`;
      take((await exact.execute(ctx.db)).rows);
    }
    const misses = keyed.filter((c) => !found.has(dedupeKey(c) ?? ''));
    if (misses.length > 0 && foldInTable) {
      const arrays = dedupeFields.map((f, i) =>
        foldable[i] ? sql`${sql.val(misses.map((c) => String(valueOf(c, f))))}::text[]` : sql`${sql.val(misses.map((c) => columnParam(f, valueOf(c, f))))}::${sql.raw(sqlTypeOf(f))}[]`,
      );
      const names = dedupeFields.map((_, i) => sql.id(`k${i}`));
      const conditions = dedupeFields.map((_, i) => (foldable[i] ? sql`peyvand.search_text(t.${columns[i]}::text) = peyvand.search_text(k.${names[i]})` : sql`t.${columns[i]} = k.${names[i]}`));
      const folded = sql<Record<string, unknown>>`select distinct t.* from ${table} t join unnest(${sql.join(arrays)}) as k(${sql.join(names)}) on ${sql.join(conditions, sql` and `)}${inScope}`;
      take((await folded.execute(ctx.db)).rows);
    }
    return new Map([...found].map(([key, byId]) => [key, [...byId.values()]]));
  }

  /** Values of unique fields the round would write that another record (or an earlier row) has. */
  async function uniqueConflicts(ctx: RecordContext, writes: readonly { candidate: Candidate; values: Record<string, JsonValue>; self: string | null }[]): Promise<Map<Candidate, { field: string; message: string }>> {
    const conflicts = new Map<Candidate, { field: string; message: string }>();
    const table = sql.id(DATA_SCHEMA, entity?.name ?? '');
    for (const field of uniqueFields) {
      const wanted = writes.filter((w) => !isEmptyValue(w.values[field.name]));
      if (wanted.length === 0) continue;
      const column = sql.id(fieldColumns(field)[0]?.name ?? field.name);
      const params = [...new Set(wanted.map((w) => columnParam(field, w.values[field.name] as JsonValue)))];
      const rows = await sql<Record<string, unknown>>`select * from ${table} where ${column} = any(${sql.val(params)}::${sql.raw(sqlTypeOf(field))}[])`.execute(ctx.db);
      const owner = new Map<string, string>();
      for (const row of rows.rows) owner.set(JSON.stringify(rowToRecord(entity as EntityModel, row)[field.name] ?? null), String(row.id));
      const firstRow = new Map<string, number>();
      for (const w of wanted) {
        if (conflicts.has(w.candidate)) continue;
        const key = JSON.stringify(w.values[field.name]);
        const holder = owner.get(key);
        const earlier = firstRow.get(key);
        const shown = JSON.stringify(w.values[field.name]);
        if (holder !== undefined && holder !== w.self) conflicts.set(w.candidate, { field: field.name, message: `another ${entity?.name ?? ''} already has ${field.name} ${shown}` });
        else if (earlier !== undefined) conflicts.set(w.candidate, { field: field.name, message: `row ${earlier} of the file has the same ${field.name} ${shown}, which must be unique` });
        else firstRow.set(key, w.candidate.row);
      }
    }
    return conflicts;
  }

  async function processRound(ctx: RecordContext, round: readonly Candidate[]): Promise<void> {
    const existing = await findExisting(ctx, round);
    const creates: { candidate: Candidate; values: Record<string, JsonValue>; self: null }[] = [];
    const changes: { candidate: Candidate; values: Record<string, JsonValue>; self: string; kind: 'updated' | 'merged' }[] = [];
    for (const candidate of round) {
      const key = dedupeKey(candidate);
      const matches = key === null ? [] : (existing.get(key) ?? []);
      if (matches.length > 1) {
        counters.failed++;
        fail(candidate, null, `${matches.length} existing ${entity?.name ?? ''} records have the same ${mapping.dedupeOn.join(' + ')}; cannot tell which one this row is`);
        continue;
      }
      const match = matches[0];
      if (!match) {
        creates.push({ candidate, values: { ...candidate.defaults, ...candidate.values }, self: null });
        continue;
      }
      if (mapping.onDuplicate === 'skip') {
        counters.skipped++;
        continue;
      }
      // The fields matched on stay as stored (they are equal but for folding).
      const values: Record<string, JsonValue> = {};
      for (const [name, value] of Object.entries(candidate.values)) {
        if (mapping.dedupeOn.includes(name)) continue;
        if (mapping.onDuplicate === 'update' || isEmptyValue(match[name])) values[name] = value;
      }
      changes.push({ candidate, values, self: String(match.id), kind: mapping.onDuplicate === 'update' ? 'updated' : 'merged' });
    }
    // New records are inserted optimistically (the unique indexes check them); updates are checked first.
    const conflicts = uniqueFields.length > 0 && changes.length > 0 ? await uniqueConflicts(ctx, changes) : new Map<Candidate, { field: string; message: string }>();
    const conflict = (c: Candidate): boolean => {
      const found = conflicts.get(c);
      if (found === undefined) return false;
      counters.failed++;
      fail(c, found.field, found.message);
      return true;
    };
    await insert(ctx, creates, false);
    for (const change of changes) {
      if (conflict(change.candidate)) continue;
      const outcome = await savepoint(ctx.db, () => updateRecord(ctx, entity as EntityModel, { id: change.self, version: 'current', values: change.values }), (r) => r.ok);
      if (outcome.ok) counters[change.kind]++;
      else {
        counters.failed++;
        const issues = outcome.error.issues ?? [];
        if (issues.length === 0) fail(change.candidate, null, outcome.error.message);
        for (const issue of issues) fail(change.candidate, issue.field, issue.message);
      }
    }
  }

  /**
   * Inserts new records a statement per batch; invalid rows drop out, the rest go in. When the
   * database refuses the batch, rows whose unique values are taken are found and reported
   * (`checked`), and if it still refuses, the rows go in one at a time to find the culprit.
   */
  async function insert(ctx: RecordContext, creates: readonly { candidate: Candidate; values: Record<string, JsonValue>; self: null }[], checked: boolean): Promise<void> {
    let remaining = creates;
    while (remaining.length > 0) {
      const batch = remaining;
      const outcome = await savepoint(ctx.db, () => bulkCreate(ctx, entity as EntityModel, batch.map((c) => c.values)), (r) => r.ok);
      if (outcome.ok) {
        counters.created += outcome.value.ids.length;
        return;
      }
      const issues = outcome.error.issues ?? [];
      const indexed = issues.length > 0 && issues.every((i) => /^\/\d+(\/|$)/.test(i.path));
      if (outcome.error.code === 'invalid' && indexed) {
        // Validation, formula and rule problems name their record: those rows fail, the rest retry.
        const bad = new Set<number>();
        for (const issue of issues) {
          const index = Number(issue.path.split('/')[1]);
          const c = batch[index];
          if (!c) continue;
          if (!bad.has(index)) counters.failed++;
          bad.add(index);
          fail(c.candidate, issue.field, issue.message);
        }
        remaining = batch.filter((_, i) => !bad.has(i));
        continue;
      }
      if (!checked && uniqueFields.length > 0) {
        const conflicts = await uniqueConflicts(ctx, batch);
        for (const [candidate, found] of conflicts) {
          counters.failed++;
          fail(candidate, found.field, found.message);
        }
        await insert(ctx, batch.filter((c) => !conflicts.has(c.candidate)), true);
        return;
      }
      // A database refusal no check could foresee: find the rows one by one.
      if (batch.length === 1) {
        const c = batch[0] as (typeof batch)[number];
        counters.failed++;
        const fields = issues.map((i) => i.field).filter((f): f is string => f !== null);
        fail(c.candidate, fields[0] ?? null, outcome.error.message);
        return;
      }
      for (const c of batch) await insert(ctx, [c], true);
      return;
    }
  }

  const run = async (trx: Kysely<SystemTables>): Promise<void> => {
    const ctx: RecordContext = { db: trx, actorId, access: input.actor.kind === 'user' ? input.actor.access : SYSTEM_ACCESS, ...(input.now ? { now: input.now } : {}) };
    if (foldable.some(Boolean)) {
      const size = await sql<{ n: string | number }>`select count(*) as n from (select 1 from ${sql.id(DATA_SCHEMA, entity.name)} limit ${FOLDED_MATCH_LIMIT + 1}) x`.execute(trx);
      foldInTable = Number(size.rows[0]?.n ?? 0) <= FOLDED_MATCH_LIMIT;
    }
    const rows = source.rows()[Symbol.asyncIterator]();
    let next = readBatch(rows);
    for (;;) {
      const batch = await next;
      if (batch.count === 0) break;
      // The next batch is read and parsed while this one waits for the database.
      next = readBatch(rows);
      next.catch(() => undefined); // awaited on the next turn; a failure now must not go unhandled meanwhile
      if (input.signal?.aborted) throw new Rollback('cancelled');
      await processBatch(ctx, batch);
      progress();
    }
    const keep = !input.dryRun && (mode === 'valid-rows' || counters.failed === 0);
    if (!keep) throw new Rollback('not kept');
  };

  try {
    await input.db.transaction().execute(run);
  } catch (error) {
    if (error instanceof SourceError) {
      report({ row: counters.rows + 1, column: null, field: null, value: null, message: error.message });
      return result('refused', `nothing was imported: ${error.message}`);
    }
    if (error instanceof Rollback) {
      if (error.message === 'cancelled') return result('refused', 'the import was cancelled; nothing was imported');
      if (input.dryRun) return result('dry-run', summary('dry-run', counters), resolver.created);
      return result('rolled-back', summary('rolled-back', counters), 0);
    }
    throw error;
  } finally {
    source.close();
  }
  return result('imported', summary('imported', counters), resolver.created);
}

function n(value: number): string {
  return value.toLocaleString('en');
}

function summary(status: ImportStatus, c: Counters): string {
  const parts = `${n(c.created)} created, ${n(c.updated)} updated, ${n(c.merged)} merged, ${n(c.skipped)} skipped, ${n(c.failed)} failed`;
  if (status === 'dry-run') return `dry run of ${n(c.rows)} rows (nothing was written): ${parts}`;
  if (status === 'rolled-back') return `nothing was imported: ${n(c.failed)} of ${n(c.rows)} rows have problems (all-or-nothing; fix them, or import the valid rows with --mode valid-rows)`;
  return `imported ${n(c.rows)} rows: ${parts}`;
}
