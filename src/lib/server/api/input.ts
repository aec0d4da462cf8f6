/** Small input parsers for tRPC (`(input: unknown) => T`): shape only; the services check meaning. */
import { PeyvandApiError } from './trpc.ts';
import type { ListInput, FilterNode } from '../records/list-query.ts';

function invalid(path: string, message: string): never {
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: 'invalid', issues: [{ path, field: null, message }] });
}

function object(input: unknown, what: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('', `${what} must be a JSON object`);
  return input as Record<string, unknown>;
}

/** Any JSON object (procedures that read their own keys with `requiredText`). */
export function parseObjectInput(input: unknown): Record<string, unknown> {
  return object(input, 'input');
}

export function requiredText(o: Record<string, unknown>, key: string, max = 1000): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) invalid(`/${key}`, `${key} must be a text of 1 to ${max} characters`);
  return v;
}

function only(o: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(o).find((k) => !keys.includes(k));
  if (extra !== undefined) invalid(`/${extra}`, `unknown input "${extra}"; expected ${keys.join(', ')}`);
}

export function parseIdInput(input: unknown): { id: string } {
  const o = object(input, 'input');
  only(o, ['id']);
  if (typeof o.id !== 'string') invalid('/id', 'id must be a text');
  return { id: o.id };
}

export function parseUpdateInput(input: unknown): { id: string; version: number; values: unknown } {
  const o = object(input, 'input');
  only(o, ['id', 'version', 'values']);
  if (typeof o.id !== 'string') invalid('/id', 'id must be a text');
  if (typeof o.version !== 'number' || !Number.isInteger(o.version)) invalid('/version', 'version (the version you read) must be a whole number');
  return { id: o.id, version: o.version, values: o.values };
}

export function parseDeleteInput(input: unknown): { id: string; version?: number } {
  const o = object(input, 'input');
  only(o, ['id', 'version']);
  if (typeof o.id !== 'string') invalid('/id', 'id must be a text');
  if (o.version !== undefined && (typeof o.version !== 'number' || !Number.isInteger(o.version))) invalid('/version', 'version must be a whole number');
  return o.version === undefined ? { id: o.id } : { id: o.id, version: o.version };
}

export function parseBulkInput(input: unknown): { records: unknown } {
  const o = object(input, 'input');
  only(o, ['records']);
  return { records: o.records };
}

export function parseRecordInput(input: unknown): unknown {
  return input;
}

export function parseListInput(input: unknown): ListInput {
  if (input === undefined || input === null) return {};
  const o = object(input, 'list input');
  only(o, ['filter', 'sort', 'limit', 'cursor', 'search', 'includeTotal']);
  if (o.sort !== undefined && !Array.isArray(o.sort)) invalid('/sort', 'sort must be a list of { field, direction }');
  const sort = (o.sort as unknown[] | undefined)?.map((s, i) => {
    const key = object(s, `sort[${i}]`);
    only(key, ['field', 'direction']);
    if (typeof key.field !== 'string') invalid(`/sort/${i}/field`, 'field must be a text');
    if (key.direction !== undefined && key.direction !== 'asc' && key.direction !== 'desc') invalid(`/sort/${i}/direction`, 'direction must be "asc" or "desc"');
    return { field: key.field, ...(key.direction ? { direction: key.direction as 'asc' | 'desc' } : {}) };
  });
  if (o.limit !== undefined && typeof o.limit !== 'number') invalid('/limit', 'limit must be a number');
  if (o.cursor !== undefined && o.cursor !== null && typeof o.cursor !== 'string') invalid('/cursor', 'cursor must be a text');
  if (o.search !== undefined && typeof o.search !== 'string') invalid('/search', 'search must be a text');
  const total = o.includeTotal;
  const isCap = (v: unknown): v is { upTo: number } =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { upTo?: unknown }).upTo === 'number' && Number.isInteger((v as { upTo: number }).upTo);
  if (total !== undefined && typeof total !== 'boolean' && !isCap(total)) invalid('/includeTotal', 'includeTotal must be true, false or { "upTo": <whole number> }');
  return {
    ...(o.filter !== undefined ? { filter: o.filter as FilterNode } : {}),
    ...(sort ? { sort } : {}),
    ...(o.limit !== undefined ? { limit: o.limit as number } : {}),
    ...(typeof o.cursor === 'string' ? { cursor: o.cursor } : {}),
    ...(o.search !== undefined ? { search: o.search as string } : {}),
    ...(total !== undefined ? { includeTotal: total as boolean | { upTo: number } } : {}),
  };
}

export function parseSaveViewInput(input: unknown): { name: string; query: string; shared: boolean } {
  const o = object(input, 'input');
  only(o, ['name', 'query', 'shared']);
  if (typeof o.name !== 'string') invalid('/name', 'name must be a text');
  if (typeof o.query !== 'string') invalid('/query', 'query must be the list URL query, e.g. "sort=name:asc"');
  if (o.shared !== undefined && typeof o.shared !== 'boolean') invalid('/shared', 'shared must be true or false');
  return { name: o.name, query: o.query, shared: o.shared === true };
}
