/**
 * `audit.*`: the global audit trail, for administrators only (values are shown as stored).
 *
 *   await caller.audit.records({ entity: 'deal', actor: 'sara@example.com', since: '2025-01-01T00:00:00Z', limit: 50 });
 *   await caller.audit.config({ kind: 'pack', cursor });                // { items, nextCursor }
 */
import { listAudit, listConfigChanges, type AuditResult } from '../audit/audit-service.ts';
import { parseObjectInput } from './input.ts';
import { PeyvandApiError, procedure, router } from './trpc.ts';

function invalid(path: string, message: string): never {
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: 'invalid', issues: [{ path: `/${path}`, field: null, message }] });
}

/** Only these keys, each a text (or, for `limit`, a number). */
function read(input: Record<string, unknown>, keys: readonly string[]): { readonly text: Readonly<Record<string, string | undefined>>; readonly limit: number | undefined } {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!keys.includes(key)) invalid(key, `unknown input "${key}"; expected ${keys.join(', ')}`);
    if (key === 'limit') continue;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > 400) invalid(key, `${key} must be a text of at most 400 characters`);
    out[key] = value;
  }
  const limit = input.limit;
  if (limit !== undefined && limit !== null && typeof limit !== 'number') invalid('limit', 'limit must be a number');
  return { text: out, limit: typeof limit === 'number' ? limit : undefined };
}

function instant(value: string | undefined, key: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) || Number.isNaN(date.getTime())) invalid(key, `${key} must be an ISO 8601 date or time`);
  return date;
}

function unwrap<T>(result: AuditResult<T>): T {
  if (result.ok) return result.value;
  const { code, path, message } = result.error;
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: code, issues: [{ path: `/${path}`, field: null, message }] });
}

const COMMON = ['actor', 'since', 'until', 'cursor', 'limit'] as const;

export const auditRouter = router({
  records: procedure({ action: 'admin' })
    .input((input: unknown) => parseObjectInput(input ?? {}))
    .query(async ({ ctx, input }) => {
      const { text: o, limit } = read(input, [...COMMON, 'entity', 'recordId', 'action']);
      return unwrap(
        await listAudit(ctx.runtime.database.db, ctx.runtime.current().model, {
          entity: o.entity,
          recordId: o.recordId,
          action: o.action,
          actor: o.actor,
          since: instant(o.since, 'since'),
          until: instant(o.until, 'until'),
          cursor: o.cursor,
          limit,
        }),
      );
    }),
  config: procedure({ action: 'admin' })
    .input((input: unknown) => parseObjectInput(input ?? {}))
    .query(async ({ ctx, input }) => {
      const { text: o, limit } = read(input, [...COMMON, 'kind', 'subject']);
      return unwrap(
        await listConfigChanges(ctx.runtime.database.db, {
          kind: o.kind,
          subject: o.subject,
          actor: o.actor,
          since: instant(o.since, 'since'),
          until: instant(o.until, 'until'),
          cursor: o.cursor,
          limit,
        }),
      );
    }),
});
