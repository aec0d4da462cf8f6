/**
 * What the import pages (src/routes/e/[entity]/import/**) do, apart from their markup: upload in
 * chunks (or one small form post without JavaScript), the mapping editor's load and actions, the
 * run page with its progress, and the error report download. The routes only pass the request in.
 */
import type { Access } from '../../access/access.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { error, fail, json, redirect, type ActionFailure } from '@sveltejs/kit';
import type { EntityModel, FieldModel, LocalizedText } from '../../model/types.ts';
import type { AuthUser } from '../auth/permissions.ts';
import { can } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';
import { entityFromUrl } from '../records/page-support.ts';
import { columnChoices, draftFor, mappingFromForm, type ColumnChoice } from '../../data/mapping-form.ts';
import type { ImportMappingDefinition, MappingIssue } from '../../data/import-mapping.ts';
import type { ImportIssue } from '../../data/row-parser.ts';
import { openTabularFile } from './tabular-source.ts';
import { importWorkspace, WORKSPACE_LIMITS, type ImportJob, type ImportUpload, type JobKind } from './import-workspace.ts';
import { deleteTemplate, findTemplate, listTemplates, saveTemplate, templateName } from './import-templates.ts';
import type { ImportCounts, ImportStatus } from './import-service.ts';

export interface PageContext {
  readonly runtime: Runtime;
  readonly user: AuthUser | null;
  readonly access: Access | null;
}

function signedIn(ctx: PageContext): AuthUser {
  if (!ctx.user) redirect(303, '/signin');
  return ctx.user;
}

function accessOf(ctx: PageContext): Access {
  if (!ctx.access) redirect(303, '/signin');
  return ctx.access;
}

function entityOf(ctx: PageContext, name: string): EntityModel {
  const entity = entityFromUrl(ctx.runtime.current().model, name, accessOf(ctx));
  const user = signedIn(ctx);
  const decision = can(user, { action: 'record.import', entity: entity.name }, accessOf(ctx));
  if (!decision.allowed) error(403, decision.message);
  return entity;
}

export interface TemplateSummary {
  readonly key: string;
  readonly name: string;
  readonly pack: string | null;
  readonly title: string | LocalizedText | null;
}

// ------------------------------------------------------------------------------- start page

export async function loadImportStart(ctx: PageContext, entityName: string) {
  const entity = entityOf(ctx, entityName);
  const templates = await listTemplates(ctx.runtime.database.db, entity.name);
  return {
    entity,
    templates: templates.map((t): TemplateSummary => ({ key: t.key, name: t.name, pack: t.pack, title: t.title })),
    chunkBytes: WORKSPACE_LIMITS.maxChunkBytes,
    maxBytes: WORKSPACE_LIMITS.maxBytes,
  };
}

function mappingUrl(entity: string, upload: ImportUpload, template: string | null): string {
  return `/e/${entity}/import/${upload.id}${template ? `?template=${encodeURIComponent(template)}` : ''}`;
}

/** POST (no JavaScript): the whole file in one multipart form; the adapter's body limit caps it. */
export async function uploadFormAction(ctx: PageContext, entityName: string, request: Request): Promise<ActionFailure<{ uploadError: string }>> {
  const user = signedIn(ctx);
  const entity = entityOf(ctx, entityName);
  const form = await request.formData();
  const file = form.get('file');
  if (!(file instanceof File) || file.size === 0) return fail(400, { uploadError: 'choose a file' });
  const ws = importWorkspace(ctx.runtime);
  const upload = await ws.createUpload({ user, entity: entity.name, fileName: file.name });
  if (typeof upload === 'string') return fail(400, { uploadError: upload });
  const bytes = new Uint8Array(await file.arrayBuffer());
  for (let offset = 0; offset < bytes.length; offset += WORKSPACE_LIMITS.maxChunkBytes) {
    const problem = await ws.append(upload, offset, bytes.subarray(offset, offset + WORKSPACE_LIMITS.maxChunkBytes));
    if (problem) {
      await ws.remove(upload);
      return fail(400, { uploadError: problem });
    }
  }
  await ws.finish(upload);
  const template = typeof form.get('template') === 'string' ? String(form.get('template')) : '';
  redirect(303, mappingUrl(entity.name, upload, template || null));
}

export async function deleteTemplateAction(ctx: PageContext, entityName: string, request: Request) {
  const user = signedIn(ctx);
  const entity = entityOf(ctx, entityName);
  const name = String((await request.formData()).get('name') ?? '');
  await deleteTemplate(ctx.runtime.database.db, { user, access: accessOf(ctx), entity: entity.name, name });
  return { deleted: name };
}

/**
 * The chunked upload the page's script makes (every chunk under the adapter's body limit):
 * POST ?name=… → { id }; PUT ?id=…&offset=… with the bytes; POST ?id=…&finish=1 → { url }.
 */
export async function uploadRequest(ctx: PageContext, entityName: string, request: Request, url: URL): Promise<Response> {
  if (!ctx.user) return json({ error: 'sign in' }, { status: 401 });
  const user = ctx.user;
  const entity = entityOf(ctx, entityName);
  const ws = importWorkspace(ctx.runtime);
  const id = url.searchParams.get('id');
  if (request.method === 'POST' && id === null) {
    const upload = await ws.createUpload({ user, entity: entity.name, fileName: url.searchParams.get('name') ?? 'upload' });
    return typeof upload === 'string' ? json({ error: upload }, { status: 400 }) : json({ id: upload.id });
  }
  const upload = id ? ws.get(id, user, entity.name) : null;
  if (!upload) return json({ error: 'no such upload' }, { status: 404 });
  if (request.method === 'PUT') {
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > WORKSPACE_LIMITS.maxChunkBytes) return json({ error: 'the chunk is too large' }, { status: 413 });
    const chunk = new Uint8Array(await request.arrayBuffer());
    const problem = await ws.append(upload, Number(url.searchParams.get('offset') ?? -1), chunk);
    return problem ? json({ error: problem, size: upload.size }, { status: 409 }) : json({ size: upload.size });
  }
  if (request.method === 'POST' && url.searchParams.get('finish') === '1') {
    await ws.finish(upload);
    return json({ url: mappingUrl(entity.name, upload, url.searchParams.get('template')) });
  }
  return json({ error: 'unknown request' }, { status: 400 });
}

// -------------------------------------------------------------------------------- mapping

function uploadOf(ctx: PageContext, entity: EntityModel, id: string): ImportUpload {
  const upload = importWorkspace(ctx.runtime).get(id, signedIn(ctx), entity.name);
  if (!upload) error(404, 'gone');
  return upload;
}

export interface JobSummary {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: ImportJob['status'];
  readonly resultStatus: ImportStatus | null;
  readonly message: string | null;
  readonly counts: ImportCounts | null;
  readonly rowsRead: number;
  readonly percent: number;
  readonly issues: readonly ImportIssue[];
  readonly issueCount: number;
  readonly mappingIssues: readonly MappingIssue[];
  readonly ignoredColumns: readonly string[];
  readonly hasReport: boolean;
}

export function jobSummary(job: ImportJob | null, issueLimit = 100): JobSummary | null {
  if (!job) return null;
  const p = job.progress;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    resultStatus: job.result?.status ?? null,
    message: job.error ?? job.result?.message ?? null,
    counts: job.result?.counts ?? (p ? { rows: p.rows, created: p.created, updated: p.updated, merged: p.merged, skipped: p.skipped, failed: p.failed } : null),
    rowsRead: p?.rows ?? 0,
    percent: p && p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytesRead / p.totalBytes) * 100)) : 0,
    issues: (job.result?.issues ?? []).slice(0, issueLimit),
    issueCount: job.result?.issueCount ?? 0,
    mappingIssues: job.issues,
    ignoredColumns: job.result?.ignoredColumns ?? [],
    hasReport: (job.result?.issueCount ?? 0) > 0,
  };
}

export interface FieldChoice {
  readonly name: string;
  readonly label: LocalizedText;
  readonly required: boolean;
  readonly relation: boolean;
  readonly dedupable: boolean;
}

function fieldChoices(entity: EntityModel): FieldChoice[] {
  return entity.fields
    .filter((f: FieldModel) => !f.readOnly)
    .map((f) => ({ name: f.name, label: f.label, required: f.required, relation: f.relation !== null, dedupable: f.type !== 'money' && f.type !== 'tags' && f.type !== 'multi_select' }));
}

export async function loadMappingPage(ctx: PageContext, entityName: string, uploadId: string, url: URL) {
  const entity = entityOf(ctx, entityName);
  const upload = uploadOf(ctx, entity, uploadId);
  const model = ctx.runtime.current().model;
  const templateKey = url.searchParams.get('template');
  const template = templateKey ? await findTemplate(ctx.runtime.database.db, entity.name, templateKey) : null;
  const options = { sheet: template?.mapping.sheet ?? upload.draft?.sheet ?? null, delimiter: template?.mapping.delimiter ?? upload.draft?.delimiter ?? null, encoding: template?.mapping.encoding ?? upload.draft?.encoding ?? null };
  const opened = await openTabularFile(upload.path, options);
  const base = { entity, upload: { id: upload.id, fileName: upload.fileName, size: upload.size }, fields: fieldChoices(entity), job: jobSummary(upload.job, 20), template: template ? { key: template.key, name: template.name } : null };
  if (!opened.ok) return { ...base, refusal: opened.refusal.message, file: null, choices: [] as ColumnChoice[], draft: null };
  const source = opened.source;
  const sample: string[][] = [];
  try {
    for await (const row of source.rows()) {
      sample.push(row.cells.map((c) => (c.length > 60 ? `${c.slice(0, 59)}…` : c)));
      if (sample.length >= 5) break;
    }
  } catch {
    // A problem further in the file is reported by the check; the editor needs only the header.
  } finally {
    source.close();
  }
  if (template || !upload.draft) upload.draft = draftFor(entity, source.headers, template?.mapping ?? null);
  const draft = upload.draft;
  return {
    ...base,
    refusal: null,
    file: { format: source.format, encoding: source.encoding, delimiter: source.delimiter === '\t' ? 'tab' : source.delimiter, sheet: source.sheet, headers: [...source.headers], sample },
    choices: columnChoices(model, entity, source.headers, draft),
    draft: { dedupeOn: draft.dedupeOn ?? [], onDuplicate: draft.onDuplicate ?? 'skip', mode: draft.mode ?? 'all-or-nothing', dateFormats: (draft.dateFormats ?? []).join(', '), name: draft.name ?? '' },
  };
}

async function headersOf(upload: ImportUpload): Promise<string[] | null> {
  const opened = await openTabularFile(upload.path, { sheet: upload.draft?.sheet ?? null, delimiter: upload.draft?.delimiter ?? null, encoding: upload.draft?.encoding ?? null });
  if (!opened.ok) return null;
  opened.source.close();
  return [...opened.source.headers];
}

export type MappingActionData = { readonly mappingError?: string; readonly saved?: string; readonly issues?: readonly MappingIssue[] };

/** The editor's buttons: check (a dry run), import, or save the mapping as a template. */
export async function mappingAction(ctx: PageContext, entityName: string, uploadId: string, request: Request, kind: JobKind | 'save'): Promise<MappingActionData | ActionFailure<MappingActionData>> {
  const user = signedIn(ctx);
  const entity = entityOf(ctx, entityName);
  const upload = uploadOf(ctx, entity, uploadId);
  const model = ctx.runtime.current().model;
  const form = await request.formData();
  const headers = await headersOf(upload);
  if (!headers) return fail(400, { mappingError: 'the file cannot be read' });
  const draft: ImportMappingDefinition = form.has('col.0') || headers.length === 0 ? mappingFromForm(form, headers, upload.draft ?? { entity: entity.name, columns: {} }, entity, model) : (upload.draft ?? draftFor(entity, headers, null));
  upload.draft = draft;
  if (kind === 'save') {
    const name = templateName(String(form.get('templateName') ?? ''));
    if (name === '') return fail(400, { mappingError: 'give the template a name (letters and digits)' });
    const saved = await saveTemplate(ctx.runtime.database.db, { model, user, access: accessOf(ctx), entity: entity.name, name, mapping: draft });
    if (!saved.ok) return fail(400, { mappingError: saved.message, issues: saved.issues ?? [] });
    upload.draft = { ...draft, name };
    return { saved: name };
  }
  const started = importWorkspace(ctx.runtime).start({ runtime: ctx.runtime, user, upload, mapping: draft, kind });
  if (typeof started === 'string') return fail(409, { mappingError: started });
  redirect(303, `/e/${entity.name}/import/${upload.id}/run`);
}

// ------------------------------------------------------------------------------------ run

export function loadRunPage(ctx: PageContext, entityName: string, uploadId: string) {
  const entity = entityOf(ctx, entityName);
  const upload = uploadOf(ctx, entity, uploadId);
  return { entity, upload: { id: upload.id, fileName: upload.fileName, size: upload.size }, job: jobSummary(upload.job) };
}

export function progressRequest(ctx: PageContext, entityName: string, uploadId: string): Response {
  if (!ctx.user) return json({ error: 'sign in' }, { status: 401 });
  const entity = entityOf(ctx, entityName);
  const upload = importWorkspace(ctx.runtime).get(uploadId, ctx.user, entity.name);
  if (!upload) return json({ error: 'gone' }, { status: 404 });
  return json(jobSummary(upload.job), { headers: { 'cache-control': 'no-store' } });
}

/** The error report of the upload's last job, as CSV (its cells were neutralised when written). */
export async function errorReportRequest(ctx: PageContext, entityName: string, uploadId: string): Promise<Response> {
  const entity = entityOf(ctx, entityName);
  const upload = uploadOf(ctx, entity, uploadId);
  const job = upload.job;
  if (!job || job.status === 'running') error(404, 'no report yet');
  const info = await stat(job.reportPath).catch(() => null);
  if (!info) error(404, 'no report');
  const base = upload.fileName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'import';
  return new Response(Readable.toWeb(createReadStream(job.reportPath)) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(info.size),
      'content-disposition': `attachment; filename="${base}-problems.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
