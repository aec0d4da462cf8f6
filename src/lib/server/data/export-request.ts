/**
 * GET /e/<entity>/export?format=csv|xlsx&<the list's own query>: the list as the user sees it
 * (filters, sort, search), every record of it, streamed. Headers are the field labels in the
 * user's language; related records appear by their titles; cells are neutralised against formula
 * injection. The export right of the role (`record.export`), then the same record and field checks as the list.
 */
import type { Access } from '../../access/access.ts';
import { PassThrough, Readable } from 'node:stream';
import { error } from '@sveltejs/kit';
import type { AuthUser } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';
import { entityFromUrl } from '../records/page-support.ts';
import { filterOf, readListParams } from '../../records/list-params.ts';
import { exportRecords, type ExportFormat, type ExportResult } from './export-service.ts';

const TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export async function exportRequest(ctx: { readonly runtime: Runtime; readonly user: AuthUser | null; readonly access: Access | null; readonly locale: string }, entityName: string, url: URL): Promise<Response> {
  const user = ctx.user;
  const access = ctx.access;
  if (!user || !access) error(401, 'sign in');
  const { model } = ctx.runtime.current();
  const entity = entityFromUrl(model, entityName);
  // The export service narrows the entity to what `access` may see, and its filter to those fields.
  const format: ExportFormat = url.searchParams.get('format') === 'xlsx' ? 'xlsx' : 'csv';
  const state = readListParams(url.searchParams);
  const filter = filterOf(entity, state);
  const out = new PassThrough();
  const exported = exportRecords({
    db: ctx.runtime.database.db,
    model,
    entity,
    actor: { kind: 'user', user, access },
    format,
    out,
    headers: 'labels',
    locale: ctx.locale,
    list: { ...(filter ? { filter } : {}), ...(state.sort.length > 0 ? { sort: state.sort } : {}), ...(state.search ? { search: state.search } : {}) },
  });
  // A refusal (a filter the list refuses, no permission) comes before the first byte: answer it as an error.
  const first = await Promise.race([new Promise<'data'>((resolve) => out.once('readable', () => resolve('data'))), exported]);
  if (first !== 'data' && !(first as ExportResult).ok) {
    const refused = first as Extract<ExportResult, { ok: false }>;
    error(refused.code === 'forbidden' ? 403 : 400, refused.message);
  }
  exported.catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
  const date = new Date().toISOString().slice(0, 10);
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': TYPES[format],
      'content-disposition': `attachment; filename="${entity.name}-${date}.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
