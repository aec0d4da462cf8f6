/**
 * Time-based work, run on a timer by every process that runs jobs (safe in several at once: each
 * run's event key is unique, so two schedulers firing the same occurrence start one run):
 * - the sweep: runs that are due but on no queue (Redis was down, a process died holding one);
 * - cron schedules (`on: schedule`), for the workflow or for each record its filter selects;
 * - date triggers (`on: date`): N days before/after a date field, once or every year, from a local
 *   time of day in a fixed zone, the record's zone or its owner's.
 */
import { SYSTEM_ACCESS } from '../../access/access.ts';
import { CronExpressionParser } from 'cron-parser';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { checkCondition, localDate, type RunInput } from '../../rules/scope.ts';
import type { TriggerModel, WorkflowModel } from '../../rules/types.ts';
import { findEntity, type EntityModel, type JsonObject, type Model } from '../../model/types.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { listRecords, rowToRecord, type RecordOutput } from '../records/record-service.ts';
import type { ListInput } from '../records/list-query.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { fieldColumns } from '../schema/plan.ts';
import { insertRuns, runJob, type NewRun } from './dispatcher.ts';
import type { RunJob } from './job-queue.ts';

/** A cron occurrence older than this (the process was down) is not fired late. */
export const CRON_CATCH_UP_MS = 10 * 60_000;
/** Records one schedule or date occurrence may start runs for. */
export const MAX_FAN_OUT = 10_000;
/** A run that sat pending this long without being taken is put on the queue again. */
export const REQUEUE_AFTER_MS = 30_000;

export interface SchedulerOptions {
  readonly db: Kysely<SystemTables>;
  readonly model: () => Model;
  readonly now?: () => Date;
  readonly defaultTimeZone?: string;
}

/** Runs that are due and on no queue, or held by a worker whose lease ran out. */
export async function sweep(options: SchedulerOptions, limit = 500): Promise<RunJob[]> {
  const now = (options.now ?? (() => new Date()))();
  const stale = new Date(now.getTime() - REQUEUE_AFTER_MS).toISOString();
  const result = await sql<{ id: string; pc: number; attempt: number }>`
    update peyvand.workflow_runs set enqueued_at = ${now.toISOString()}::timestamptz
    where id in (
      select id from peyvand.workflow_runs
      where (status in ('pending', 'waiting') and coalesce(resume_at, created_at) <= ${now.toISOString()}::timestamptz
             and (enqueued_at is null or enqueued_at < ${stale}::timestamptz))
         or (status = 'running' and lease_until < ${now.toISOString()}::timestamptz)
      order by coalesce(resume_at, created_at) limit ${limit}
      for update skip locked)
    returning id, pc, attempt`.execute(options.db);
  return result.rows.map((r) => ({ runId: r.id, key: `${r.id}:${r.pc}:${r.attempt}:${now.getTime()}` }));
}

/** The latest occurrence of a cron expression at or before `now`, in its zone. */
export function lastOccurrence(cron: string, timeZone: string, now: Date): Date {
  const expression = CronExpressionParser.parse(cron, { tz: timeZone, currentDate: new Date(now.getTime() + 1) });
  return expression.prev().toDate();
}

export async function fireSchedules(options: SchedulerOptions): Promise<RunJob[]> {
  const now = (options.now ?? (() => new Date()))();
  const model = options.model();
  const jobs: RunJob[] = [];
  for (const workflow of model.workflows) {
    if (!workflow.enabled || workflow.trigger.on !== 'schedule') continue;
    const trigger = workflow.trigger;
    let at: Date;
    try {
      at = lastOccurrence(trigger.cron, trigger.timezone, now);
    } catch {
      continue; // refused when the workflow was saved; an older stored model may still hold one
    }
    if (now.getTime() - at.getTime() > CRON_CATCH_UP_MS) continue;
    const key = `schedule:${at.toISOString()}`;
    const entity = workflow.entity ? findEntity(model, workflow.entity) : undefined;
    const runs: NewRun[] = [];
    if (!entity) {
      const input: RunInput = { record: null, old: null, changed: [], event: { firedAt: at.toISOString() }, user: null };
      runs.push(newRun(workflow, key, 'schedule', null, null, input));
    } else {
      for (const record of await recordsFor(options.db, entity, trigger)) {
        const input: RunInput = { record, old: null, changed: [], event: { firedAt: at.toISOString() }, user: null };
        const pass = checkCondition(model, workflow, input, now);
        if (pass.ok && !pass.pass) continue;
        runs.push(pass.ok ? newRun(workflow, `${key}:${String(record.id)}`, 'schedule', entity.name, String(record.id), input) : { ...newRun(workflow, `${key}:${String(record.id)}`, 'schedule', entity.name, String(record.id), input), status: 'failed', error: pass.error });
      }
    }
    const inserted = await insertRuns(options.db, runs, now);
    jobs.push(...inserted.filter((r) => r.status === 'pending').map((r) => runJob(r.id)));
  }
  return jobs;
}

async function recordsFor(db: Kysely<SystemTables>, entity: EntityModel, trigger: Extract<TriggerModel, { on: 'schedule' }>): Promise<RecordOutput[]> {
  const out: RecordOutput[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRecords({ db, actorId: null, access: SYSTEM_ACCESS }, entity, { limit: 200, ...(trigger.filter ? { filter: trigger.filter as ListInput['filter'] } : {}), ...(cursor ? { cursor } : {}) });
    if (!page.ok) return out;
    out.push(...page.value.items);
    cursor = page.value.nextCursor ?? undefined;
  } while (cursor && out.length < MAX_FAN_OUT);
  return out.slice(0, MAX_FAN_OUT);
}

function newRun(workflow: WorkflowModel, eventKey: string, trigger: string, entity: string | null, recordId: string | null, input: RunInput): NewRun {
  return { id: uuidv7(), workflow: workflow.name, event_key: eventKey, trigger, entity, record_id: recordId, actor_id: null, depth: 0, input, status: 'pending', error: null };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Local `HH:MM` of an instant in a zone. */
function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  return `${parts.find((p) => p.type === 'hour')?.value ?? '00'}:${parts.find((p) => p.type === 'minute')?.value ?? '00'}`;
}

/**
 * The occurrence of a date trigger that falls on `today` (a local date), or null. Yearly: the
 * anniversary in today's year, 29 February counting as 28 February in other years.
 */
export function occurrenceOn(trigger: Pick<Extract<TriggerModel, { on: 'date' }>, 'offsetDays' | 'repeat'>, value: string, today: string): string | null {
  const target = addDays(today, -trigger.offsetDays); // the date value that fires today
  if (trigger.repeat === 'once') return value === target ? value : null;
  const year = Number(target.slice(0, 4));
  let monthDay = value.slice(5);
  if (monthDay === '02-29' && !isLeap(year)) monthDay = '02-28';
  const anniversary = `${year}-${monthDay}`;
  if (anniversary !== target) return null;
  // Not before the date itself (a birthday next year does not fire this year).
  return anniversary >= value ? anniversary : null;
}

export async function fireDateTriggers(options: SchedulerOptions): Promise<RunJob[]> {
  const now = (options.now ?? (() => new Date()))();
  const model = options.model();
  const jobs: RunJob[] = [];
  for (const workflow of model.workflows) {
    if (!workflow.enabled || workflow.trigger.on !== 'date' || !workflow.entity) continue;
    const trigger = workflow.trigger;
    const entity = findEntity(model, workflow.entity);
    if (!entity) continue;
    // Local "today" is within a day of UTC's anywhere on Earth: candidates are dates that fire on
    // one of three days; each is then checked exactly in its own zone.
    const utcToday = now.toISOString().slice(0, 10);
    const targets = [-1, 0, 1].map((d) => addDays(addDays(utcToday, d), -trigger.offsetDays));
    const candidates = await dateCandidates(options.db, entity, trigger.field, trigger.repeat, targets);
    const zones = await ownerZones(options.db, trigger, candidates);
    const runs: NewRun[] = [];
    for (const record of candidates) {
      const value = record[trigger.field];
      if (typeof value !== 'string') continue;
      const zone = zoneFor(trigger, record, zones, options.defaultTimeZone ?? 'UTC');
      const today = localDate(now, zone);
      if (localTime(now, zone) < trigger.at) continue;
      const occurrence = occurrenceOn(trigger, value, today);
      if (!occurrence) continue;
      const input: RunInput = { record, old: null, changed: [], event: { occurrence, timeZone: zone }, user: null };
      const pass = checkCondition(model, workflow, input, now);
      if (pass.ok && !pass.pass) continue;
      const run = newRun(workflow, `date:${trigger.field}:${occurrence}:${String(record.id)}`, 'date', entity.name, String(record.id), input);
      runs.push(pass.ok ? run : { ...run, status: 'failed', error: pass.error });
      if (runs.length >= MAX_FAN_OUT) break;
    }
    const inserted = await insertRuns(options.db, runs, now);
    jobs.push(...inserted.filter((r) => r.status === 'pending').map((r) => runJob(r.id)));
  }
  return jobs;
}

async function dateCandidates(db: Kysely<SystemTables>, entity: EntityModel, field: string, repeat: 'yearly' | 'once', targets: readonly string[]): Promise<RecordOutput[]> {
  const model = entity.fields.find((f) => f.name === field);
  const name = model ? fieldColumns(model)[0]?.name : undefined;
  if (!name) return [];
  const column = sql.id(name);
  let where;
  if (repeat === 'once') {
    where = sql`${column} = any(${sql.val(targets)}::date[])`;
  } else {
    const monthDays = new Set(targets.map((t) => t.slice(5)));
    // 29 February birthdays fire on 28 February in years without one.
    if (targets.some((t) => t.slice(5) === '02-28' && !isLeap(Number(t.slice(0, 4))))) monthDays.add('02-29');
    where = sql`to_char(${column}, 'MM-DD') = any(${sql.val([...monthDays])}::text[])`;
  }
  const result = await sql<Record<string, unknown>>`select * from ${sql.id(DATA_SCHEMA, entity.name)} where ${where} limit ${MAX_FAN_OUT}`.execute(db);
  return result.rows.map((row) => rowToRecord(entity, row));
}

async function ownerZones(db: Kysely<SystemTables>, trigger: Extract<TriggerModel, { on: 'date' }>, records: readonly RecordOutput[]): Promise<Map<string, string>> {
  if (trigger.timezone.kind !== 'owner') return new Map();
  const owners = [...new Set(records.map((r) => r.owner).filter((o): o is string => typeof o === 'string'))];
  if (owners.length === 0) return new Map();
  const rows = await db.selectFrom('peyvand.users').select(['id', 'time_zone']).where('id', 'in', owners).execute();
  return new Map(rows.filter((r) => r.time_zone).map((r) => [r.id, r.time_zone as string]));
}

function zoneFor(trigger: Extract<TriggerModel, { on: 'date' }>, record: JsonObject, owners: ReadonlyMap<string, string>, fallback: string): string {
  const tz = trigger.timezone;
  const candidate = tz.kind === 'fixed' ? tz.zone : tz.kind === 'field' ? record[tz.field] : typeof record.owner === 'string' ? owners.get(record.owner) : undefined;
  if (typeof candidate !== 'string') return fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: candidate });
    return candidate;
  } catch {
    return fallback; // a record's zone field holding something else
  }
}
