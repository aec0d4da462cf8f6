/**
 * Record events as workflows see them, read from outbox rows, and which workflows an event starts.
 * Pure: the dispatcher does the reading and the writing.
 */
import type { JsonObject, JsonValue, Model } from '../model/types.ts';
import type { RecordTopic, WorkflowModel } from './types.ts';

export interface RecordEvent {
  readonly topic: RecordTopic;
  readonly entity: string;
  readonly recordId: string;
  readonly actorId: string | null;
  /** How many workflow runs led to this write (0: a person or an integration made it). */
  readonly depth: number;
  /** The record after the change (before it, for a deletion). */
  readonly record: JsonObject;
  /** The record before an update, else null. */
  readonly old: JsonObject | null;
  /** Fields an update changed. */
  readonly changed: readonly string[];
}

export interface OutboxRow {
  readonly topic: string;
  readonly entity: string;
  readonly record_id: string;
  readonly actor_id: string | null;
  readonly payload: unknown;
}

const TOPICS: ReadonlySet<string> = new Set(['record.created', 'record.updated', 'record.deleted']);

function object(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

/** An outbox row → the event, or null for a topic workflows do not handle. */
export function recordEvent(row: OutboxRow): RecordEvent | null {
  if (!TOPICS.has(row.topic)) return null;
  const payload = object(typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);
  const depth = typeof payload.depth === 'number' ? payload.depth : 0;
  const base = { topic: row.topic as RecordTopic, entity: row.entity, recordId: row.record_id, actorId: row.actor_id, depth };
  const owner = (payload.owner as JsonValue | undefined) ?? row.actor_id;
  switch (row.topic) {
    case 'record.created':
      return { ...base, record: { ...object(payload.values), id: row.record_id, owner: owner ?? null }, old: null, changed: [] };
    case 'record.updated': {
      const record = { ...object(payload.record), id: row.record_id, owner: owner ?? null };
      const changes = object(payload.changes);
      const old: Record<string, JsonValue> = { ...record };
      for (const [field, change] of Object.entries(changes)) old[field] = object(change).old ?? null;
      return { ...base, record, old, changed: Object.keys(changes) };
    }
    default:
      return { ...base, record: { ...object(payload.record), id: row.record_id }, old: null, changed: [] };
  }
}

/** The enabled workflows whose trigger this event fires (before their conditions are checked). */
export function workflowsFor(model: Model, event: RecordEvent): WorkflowModel[] {
  return model.workflows.filter((w) => {
    if (!w.enabled || w.entity !== event.entity || w.trigger.on !== event.topic) return false;
    if (w.trigger.on === 'record.updated' && w.trigger.fields.length > 0) return w.trigger.fields.some((f) => event.changed.includes(f));
    return true;
  });
}
