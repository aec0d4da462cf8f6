/**
 * The import page's server side: uploaded files (written in chunks to a temporary folder, never
 * held in memory), the mapping drafted for each, and the import or dry check running on it in
 * the background with its progress and error report. One workspace per runtime; uploads belong
 * to the user who made them and are removed a day later.
 *
 * A deployment of several web processes needs sticky sessions for the import page: an upload and
 * its job live in the process that received them.
 *
 *   const ws = importWorkspace(runtime);
 *   const upload = await ws.createUpload({ user, entity: 'contact', fileName: 'people.csv' });
 *   await ws.append(upload, 0, bytes);
 *   const job = ws.start({ runtime, user, upload, mapping: doc, kind: 'check' });
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthUser } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';
import { normaliseMapping, type ImportMappingDefinition, type MappingIssue } from '../../data/import-mapping.ts';
import { errorReportHead, errorReportLine } from '../../data/error-report.ts';
import { openTabularFile, type SourceRefusal } from './tabular-source.ts';
import { runImport, type ImportProgress, type ImportResult } from './import-service.ts';

export const WORKSPACE_LIMITS = {
  /** Largest upload (PEYVAND_IMPORT_MAX_BYTES overrides). */
  maxBytes: Number(process.env.PEYVAND_IMPORT_MAX_BYTES ?? 2 * 1024 ** 3),
  /** Largest chunk a browser sends (under the adapter's default body limit of 512 KB). */
  maxChunkBytes: 480 * 1024,
  maxUploadsPerUser: 20,
  /** All uploads waiting together, every user's (PEYVAND_IMPORT_MAX_TOTAL_BYTES overrides). */
  maxTotalBytes: Number(process.env.PEYVAND_IMPORT_MAX_TOTAL_BYTES ?? 8 * 1024 ** 3),
  keepMs: 24 * 60 * 60 * 1000,
} as const;

export interface ImportUpload {
  readonly id: string;
  readonly userId: string;
  readonly entity: string;
  readonly fileName: string;
  readonly path: string;
  size: number;
  complete: boolean;
  readonly createdAt: number;
  /** The mapping as last edited on the page. */
  draft: ImportMappingDefinition | null;
  job: ImportJob | null;
}

export type JobKind = 'check' | 'import';

export interface ImportJob {
  readonly id: string;
  readonly kind: JobKind;
  status: 'running' | 'done' | 'failed';
  progress: ImportProgress | null;
  result: ImportResult | null;
  /** A refusal before the import could start, or an unexpected failure. */
  error: string | null;
  issues: readonly MappingIssue[];
  readonly reportPath: string;
  readonly startedAt: number;
  finishedAt: number | null;
  readonly done: Promise<void>;
}

const ID = /^[a-f0-9]{32}$/;

class ImportWorkspace {
  readonly #root: string;
  readonly #uploads = new Map<string, ImportUpload>();

  constructor(root: string) {
    this.#root = root;
  }

  async createUpload(input: { readonly user: AuthUser; readonly entity: string; readonly fileName: string }): Promise<ImportUpload | string> {
    await this.#sweep();
    const mine = [...this.#uploads.values()].filter((u) => u.userId === input.user.id);
    if (mine.length >= WORKSPACE_LIMITS.maxUploadsPerUser) return `you have ${mine.length} uploads waiting; import or wait for them to expire first`;
    const id = randomBytes(16).toString('hex');
    const dir = join(this.#root, id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const upload: ImportUpload = {
      id,
      userId: input.user.id,
      entity: input.entity,
      fileName: input.fileName.replaceAll('\u0000', '').replace(/[\r\n]/g, '').slice(0, 200) || 'upload',
      path: join(dir, 'file'),
      size: 0,
      complete: false,
      createdAt: Date.now(),
      draft: null,
      job: null,
    };
    await appendFile(upload.path, new Uint8Array());
    this.#uploads.set(id, upload);
    return upload;
  }

  /** The user's upload of this entity, or null (someone else's is as good as missing). */
  get(id: string, user: AuthUser, entity: string): ImportUpload | null {
    if (!ID.test(id)) return null;
    const upload = this.#uploads.get(id);
    return upload && upload.userId === user.id && upload.entity === entity ? upload : null;
  }

  /** Appends a chunk at `offset` (which must be the size so far, so a repeated chunk is refused, not doubled). */
  async append(upload: ImportUpload, offset: number, chunk: Uint8Array): Promise<string | null> {
    if (upload.complete) return 'the upload is already complete';
    if (offset !== upload.size) return `expected the chunk at byte ${upload.size}, got ${offset}`;
    if (chunk.length > WORKSPACE_LIMITS.maxChunkBytes) return 'the chunk is too large';
    if (upload.size + chunk.length > WORKSPACE_LIMITS.maxBytes) return `the file is larger than ${Math.round(WORKSPACE_LIMITS.maxBytes / 1024 ** 2)} MB`;
    const waiting = [...this.#uploads.values()].reduce((sum, u) => sum + u.size, 0);
    if (waiting + chunk.length > WORKSPACE_LIMITS.maxTotalBytes) return 'the server holds too many uploaded files waiting to be imported; try again later';
    await appendFile(upload.path, chunk);
    upload.size += chunk.length;
    return null;
  }

  async finish(upload: ImportUpload): Promise<void> {
    upload.size = (await stat(upload.path)).size;
    upload.complete = true;
  }

  async remove(upload: ImportUpload): Promise<void> {
    this.#uploads.delete(upload.id);
    await rm(join(this.#root, upload.id), { recursive: true, force: true });
  }

  /** Starts a dry check or the import of an upload with a mapping; one job at a time per upload. */
  start(input: { readonly runtime: Runtime; readonly user: AuthUser; readonly upload: ImportUpload; readonly mapping: ImportMappingDefinition; readonly kind: JobKind }): ImportJob | string {
    const { upload } = input;
    if (!upload.complete) return 'the file has not finished uploading';
    if (upload.job?.status === 'running') return 'an import of this file is running';
    const id = randomBytes(8).toString('hex');
    const reportPath = join(this.#root, upload.id, `errors-${id}.csv`);
    let finish: () => void = () => undefined;
    const job: ImportJob = {
      id,
      kind: input.kind,
      status: 'running',
      progress: null,
      result: null,
      error: null,
      issues: [],
      reportPath,
      startedAt: Date.now(),
      finishedAt: null,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    upload.job = job;
    void this.#run(job, input)
      .catch((error: unknown) => {
        job.status = 'failed';
        job.error = `the import failed: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        job.finishedAt = Date.now();
        finish();
      });
    return job;
  }

  async #run(job: ImportJob, input: { readonly runtime: Runtime; readonly user: AuthUser; readonly upload: ImportUpload; readonly mapping: ImportMappingDefinition; readonly kind: JobKind }): Promise<void> {
    const model = input.runtime.current().model;
    const checked = normaliseMapping(input.mapping, { model, entity: input.upload.entity });
    if (!checked.ok) {
      job.status = 'failed';
      job.issues = checked.issues;
      job.error = checked.issues[0]?.message ?? 'the mapping is not valid';
      return;
    }
    const opened = await openTabularFile(input.upload.path, checked.mapping);
    if (!opened.ok) {
      job.status = 'failed';
      job.error = refusalText(opened.refusal);
      return;
    }
    let report: WriteStream | null = null;
    try {
      report = createWriteStream(job.reportPath);
      report.write(errorReportHead());
      const out = report;
      const result = await runImport({
        db: input.runtime.database.db,
        model,
        source: opened.source,
        mapping: checked.mapping,
        actor: { kind: 'user', user: input.user, access: await input.runtime.accessOf(input.user) },
        dryRun: input.kind === 'check',
        onProgress: (p) => (job.progress = p),
        onIssue: (issue) => out.write(errorReportLine(issue)),
      });
      job.result = result;
      job.progress = { ...result.counts, bytesRead: opened.source.totalBytes, totalBytes: opened.source.totalBytes, elapsedMs: result.elapsedMs };
      job.status = 'done';
    } finally {
      await new Promise<void>((resolve) => (report ? report.end(() => resolve()) : resolve()));
    }
  }

  /** Removes uploads older than a day (their files too), unless an import of them is running. */
  async #sweep(): Promise<void> {
    const now = Date.now();
    for (const upload of [...this.#uploads.values()]) {
      if (now - upload.createdAt > WORKSPACE_LIMITS.keepMs && upload.job?.status !== 'running') await this.remove(upload);
    }
  }
}

function refusalText(refusal: SourceRefusal): string {
  return refusal.message;
}

const workspaces = new WeakMap<Runtime, ImportWorkspace>();

/** The workspace of a runtime (its files under the system's temporary folder). */
export function importWorkspace(runtime: Runtime): ImportWorkspace {
  let ws = workspaces.get(runtime);
  if (!ws) {
    const base = process.env.PEYVAND_IMPORT_DIR ?? tmpdir();
    void removeOrphanedWorkspaces(base);
    ws = new ImportWorkspace(join(base, `peyvand-imports-${process.pid}-${randomBytes(4).toString('hex')}`));
    workspaces.set(runtime, ws);
  }
  return ws;
}

/** Upload folders of processes that are gone (a crash or a restart) are removed. */
async function removeOrphanedWorkspaces(base: string): Promise<void> {
  const names = await readdir(base).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^peyvand-imports-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(base, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type { ImportWorkspace };
