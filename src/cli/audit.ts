/**
 * `peyvand audit`: the audit trail from the command line, newest first — record changes, or with
 * `--config` configuration changes. Exit codes: 0 shown, 1 the input was refused (an unknown user
 * email), 2 a usage error. Days (`--since`, `--until`, both included) and the times shown are in
 * PEYVAND_TIME_ZONE (default UTC).
 *
 *   peyvand audit --entity deal --actor sara@example.com --since 2025-01-01 --limit 20
 *   peyvand audit --config --kind pack --json
 */
import { parseArgs } from 'node:util';
import { openDatabase, migrateSystemTables, type Database } from '../lib/server/db/database.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';
import { findEntity, type JsonValue } from '../lib/model/types.ts';
import {
  AUDIT_ACTIONS,
  AUDIT_LIMITS,
  CONFIG_KINDS,
  isAuditAction,
  isConfigKind,
  listAudit,
  listConfigChanges,
  type AuditActor,
  type AuditEntry,
  type AuditPage,
  type AuditResult,
  type ConfigEntry,
} from '../lib/server/audit/audit-service.ts';
import { dayAfter, dayStart } from '../lib/server/audit/audit-dates.ts';

export const AUDIT_USAGE = `  audit [--entity E] [--record ID] [--actor EMAIL|ID|system] [--action create|update|delete]
        [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--limit N] [--json]
                                           record changes, newest first (days in PEYVAND_TIME_ZONE, both included)
  audit --config [--kind ${CONFIG_KINDS.join('|')}] [--subject TEXT] [--actor …] [--since …] [--until …] [--limit N] [--json]
                                           configuration changes (packs, model, workflows, roles, teams, users …)`;

const MAX_LIMIT = 10_000;

class UsageError extends Error {}

function usage(message: string): number {
  process.stderr.write(`peyvand audit: ${message}\n\nUsage:\n${AUDIT_USAGE}\n`);
  return 2;
}

function timeZone(): string {
  const zone = process.env.PEYVAND_TIME_ZONE || 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new UsageError(`PEYVAND_TIME_ZONE "${zone}" is not a time zone`);
  }
}

function day(value: string | undefined, flag: string, zone: string, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  const at = end ? dayAfter(value, zone) : dayStart(value, zone);
  if (!at) throw new UsageError(`${flag} takes a day as YYYY-MM-DD, not "${value}"`);
  return at;
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return AUDIT_LIMITS.defaultPage;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) throw new UsageError(`--limit takes a whole number from 1 to ${MAX_LIMIT}`);
  return Number(value);
}

/** Pages through a list until `limit` entries (or the end). */
async function collect<T>(limit: number, page: (cursor: string | undefined, size: number) => Promise<AuditResult<AuditPage<T>>>): Promise<AuditResult<{ items: T[]; more: boolean }>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const result = await page(cursor, Math.min(AUDIT_LIMITS.maxPage, limit - items.length));
    if (!result.ok) return result;
    items.push(...result.value.items);
    if (!result.value.nextCursor) return { ok: true, value: { items, more: false } };
    if (items.length >= limit) return { ok: true, value: { items, more: true } };
    cursor = result.value.nextCursor;
  }
}

function when(iso: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

function who(actor: AuditActor | null): string {
  if (!actor) return 'system';
  return actor.email ?? `(deleted user ${actor.id.slice(0, 8)})`;
}

/** One value, short and on one line. */
function shown(value: JsonValue): string {
  if (value === null) return '∅';
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/[\r\n\t]+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function changesText(entry: AuditEntry): string {
  const parts = Object.entries(entry.changes).map(([field, c]) => {
    if (entry.action === 'create') return `${field}=${shown(c.new)}`;
    if (entry.action === 'delete') return `${field} was ${shown(c.old)}`;
    return `${field}: ${shown(c.old)} → ${shown(c.new)}`;
  });
  return parts.join('; ');
}

/** A configuration change in a few words (the JSON output has everything). */
export function configSummary(entry: ConfigEntry): string {
  const detail = entry.detail !== null && typeof entry.detail === 'object' && !Array.isArray(entry.detail) ? (entry.detail as Record<string, unknown>) : {};
  if (entry.action === 'apply' && Array.isArray(detail.steps)) {
    const steps = detail.steps.length;
    return `model version ${String(detail.version ?? '?')} from ${String(detail.source ?? '?')} (${steps} step${steps === 1 ? '' : 's'})`;
  }
  if (entry.kind === 'pack' && typeof detail.to === 'string') return detail.from ? `${String(detail.from)} → ${detail.to}` : detail.to;
  const keys = Object.keys(detail);
  return keys.length > 0 ? JSON.stringify(detail).slice(0, 80) : '';
}

/** Columns padded to their widest cell; the last column is left as it is. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose: 'peyvand audit', poolSize: 2 });
  try {
    await migrateSystemTables(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

function refused(json: boolean, message: string): number {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, message }, null, 2)}\n`);
  process.stderr.write(`peyvand audit: ${message}\n`);
  return 1;
}

export async function audit(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        entity: { type: 'string' },
        record: { type: 'string' },
        actor: { type: 'string' },
        action: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        config: { type: 'boolean' },
        kind: { type: 'string' },
        subject: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values } = parsed;
  const json = values.json === true;
  const isConfig = values.config === true;
  let zone: string, since: Date | undefined, until: Date | undefined, limit: number;
  try {
    if (isConfig) {
      const recordOnly = (['entity', 'record', 'action'] as const).find((k) => values[k] !== undefined);
      if (recordOnly) throw new UsageError(`--${recordOnly} is for record changes; it does not go with --config`);
      if (values.kind !== undefined && !isConfigKind(values.kind)) throw new UsageError(`--kind takes one of ${CONFIG_KINDS.join(', ')}`);
    } else {
      const configOnly = (['kind', 'subject'] as const).find((k) => values[k] !== undefined);
      if (configOnly) throw new UsageError(`--${configOnly} goes with --config`);
      if (values.action !== undefined && !isAuditAction(values.action)) throw new UsageError(`--action takes one of ${AUDIT_ACTIONS.join(', ')}`);
      if (values.entity !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(values.entity)) throw new UsageError(`--entity takes an entity name, not "${values.entity}"`);
      if (values.record !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.record)) throw new UsageError(`--record takes a record id (a UUID), not "${values.record}"`);
    }
    zone = timeZone();
    since = day(values.since, '--since', zone, false);
    until = day(values.until, '--until', zone, true);
    if (since && until && since >= until) throw new UsageError('--since must not be after --until');
    limit = limitOf(values.limit);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }

  return withDatabase(async (database) => {
    const db = database.db;
    if (isConfig) {
      const found = await collect(limit, (cursor, size) => listConfigChanges(db, { kind: values.kind, subject: values.subject, actor: values.actor, since, until, cursor, limit: size }));
      if (!found.ok) return refused(json, found.error.message);
      const { items, more } = found.value;
      if (json) {
        process.stdout.write(`${JSON.stringify({ ok: true, items, more }, null, 2)}\n`);
        return 0;
      }
      if (items.length === 0) {
        process.stdout.write('No configuration changes match.\n');
        return 0;
      }
      const rows = items.map((e) => [when(e.at, zone), who(e.actor), e.kind, e.subject, e.action, configSummary(e)]);
      process.stdout.write(`${table(['when', 'who', 'kind', 'subject', 'action', 'summary'], rows)}\n${more ? `(first ${items.length}; more with --limit)\n` : ''}`);
      return 0;
    }
    const { model } = await loadCurrentModel(db);
    if (values.entity !== undefined && !findEntity(model, values.entity)) {
      process.stderr.write(`peyvand audit: note: "${values.entity}" is not an entity of the model now (entities: ${model.entities.map((e) => e.name).join(', ') || 'none'}); its field changes are not shown\n`);
    }
    const found = await collect(limit, (cursor, size) => listAudit(db, model, { entity: values.entity, recordId: values.record, action: values.action, actor: values.actor, since, until, cursor, limit: size }));
    if (!found.ok) return refused(json, found.error.message);
    const { items, more } = found.value;
    if (json) {
      process.stdout.write(`${JSON.stringify({ ok: true, items, more }, null, 2)}\n`);
      return 0;
    }
    if (items.length === 0) {
      process.stdout.write('No record changes match.\n');
      return 0;
    }
    const rows = items.map((e) => [when(e.at, zone), who(e.actor), e.action, `${e.entity}/${e.recordId}`, changesText(e)]);
    process.stdout.write(`${table(['when', 'who', 'action', 'record', 'changes'], rows)}\n${more ? `(first ${items.length}; more with --limit)\n` : ''}`);
    return 0;
  });
}
