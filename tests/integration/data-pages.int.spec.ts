/**
 * The import and export pages' server side, called the way the routes call it: a chunked upload,
 * the mapping editor (suggested, edited, saved as a template), a dry check, the import with its
 * progress and report, the error CSV, and the list's export with its filters.
 */
import type { Access } from '../../src/lib/access/access.ts';
import { grantRoles } from '../support/access.ts';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { errorReportRequest, loadImportStart, loadMappingPage, loadRunPage, mappingAction, progressRequest, uploadFormAction, uploadRequest, type JobSummary } from '../../src/lib/server/data/import-pages.ts';
import { importWorkspace } from '../../src/lib/server/data/import-workspace.ts';
import { exportRequest } from '../../src/lib/server/data/export-request.ts';

const CONTACT = entity(
  'contact',
  {
    full_name: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name', 'x-labels': { fa: 'نام کامل' } },
    email: { type: 'string', format: 'email', title: 'Email', 'x-labels': { fa: 'ایمیل' }, 'x-unique': true },
    stage: { type: 'string', enum: ['lead', 'customer'], default: 'lead', title: 'Stage', 'x-options': { lead: { en: 'Lead', fa: 'سرنخ' }, customer: { en: 'Customer', fa: 'مشتری' } } },
    birthday: { type: 'string', format: 'date', title: 'Birthday' },
  },
  { 'x-title-field': 'full_name', required: ['full_name', 'email'] },
);

async function thrown(run: Promise<unknown> | unknown): Promise<unknown> {
  try {
    await run;
  } catch (e) {
    return e;
  }
  throw new Error('expected it to throw');
}

describe.each(BACKENDS)('import and export pages on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let user: AuthUser;
  let other: AuthUser;
  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_data_pages'));
    const applied = await applyPack(runtime.database, packOf([CONTACT]), { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    await runtime.refresh();
    const make = async (email: string): Promise<AuthUser> => {
      const created = await createUser(runtime.database.db, { email, name: email, password: 'a long enough password', isAdmin: false, mustChangePassword: false });
      if (!created.ok) throw new Error(created.error.message);
      await grantRoles(runtime.database, [created.user.id]);
      await runtime.refresh();
      return { id: created.user.id, email, name: email, isAdmin: false, mustChangePassword: false };
    };
    user = await make('importer@example.com');
    other = await make('other@example.com');
    for (const u of [user, other]) accessById.set(u.id, await runtime.accessOf(u));
  });
  afterAll(() => dispose());

  const accessById = new Map<string, Access>();
  const ctx = (who: AuthUser | null = user) => ({ runtime, user: who, access: who ? (accessById.get(who.id) ?? null) : null });

  async function upload(bytes: Uint8Array, name: string, chunk = 7): Promise<string> {
    const base = 'http://localhost/e/contact/import/upload';
    const created = await uploadRequest(ctx(), 'contact', new Request(`${base}?name=${name}`, { method: 'POST' }), new URL(`${base}?name=${name}`));
    const { id } = (await created.json()) as { id: string };
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      const url = `${base}?id=${id}&offset=${offset}`;
      const response = await uploadRequest(ctx(), 'contact', new Request(url, { method: 'PUT', body: bytes.slice(offset, offset + chunk).buffer }), new URL(url));
      expect(response.status).toBe(200);
    }
    // A chunk sent twice is refused, not appended again.
    const repeat = `${base}?id=${id}&offset=0`;
    expect((await uploadRequest(ctx(), 'contact', new Request(repeat, { method: 'PUT', body: bytes.slice(0, 1).buffer }), new URL(repeat))).status).toBe(409);
    const finish = `${base}?id=${id}&finish=1`;
    const done = (await (await uploadRequest(ctx(), 'contact', new Request(finish, { method: 'POST' }), new URL(finish))).json()) as { url: string };
    expect(done.url).toBe(`/e/contact/import/${id}`);
    return id;
  }

  function post(path: string, values: [string, string][]): Request {
    const body = new FormData();
    for (const [k, v] of values) body.append(k, v);
    return new Request(`http://localhost${path}`, { method: 'POST', body });
  }

  async function finished(id: string): Promise<JobSummary> {
    await importWorkspace(runtime).get(id, user, 'contact')?.job?.done;
    const page = loadRunPage(ctx(), 'contact', id);
    if (!page.job) throw new Error('no job');
    return page.job;
  }

  it('uploads in chunks, suggests the mapping, checks, imports, reports, and saves a template', async () => {
    const csv = new TextEncoder().encode('نام کامل;ایمیل;Stage;Birthday\nسارا;sara@x.ir;مشتری;21/08/1990\nAli;not-mail;Lead;\nMaryam;maryam@x.ir;;1990-01-02\n');
    const id = await upload(csv, 'people.csv');
    const page = await loadMappingPage(ctx(), 'contact', id, new URL(`http://localhost/e/contact/import/${id}`));
    expect(page.refusal).toBeNull();
    expect(page.file?.headers).toEqual(['نام کامل', 'ایمیل', 'Stage', 'Birthday']);
    expect(page.file?.delimiter).toBe(';');
    expect(page.choices.map((c) => c.field)).toEqual(['full_name', 'email', 'stage', 'birthday']);
    expect(page.file?.sample[0]).toEqual(['سارا', 'sara@x.ir', 'مشتری', '21/08/1990']);

    // Another user cannot see this upload.
    expect(isHttpError(await thrown(loadMappingPage(ctx(other), 'contact', id, new URL('http://localhost/')))) ).toBe(true);

    const form: [string, string][] = [['col.0', 'full_name'], ['col.1', 'email'], ['col.2', 'stage'], ['col.3', 'birthday'], ['dateFormats', 'DD/MM/YYYY'], ['mode', 'all-or-nothing'], ['onDuplicate', 'skip']];
    const checked = await thrown(mappingAction(ctx(), 'contact', id, post(`/e/contact/import/${id}?/check`, form), 'check'));
    expect(isRedirect(checked) && checked.location).toBe(`/e/contact/import/${id}/run`);
    const check = await finished(id);
    expect(check).toMatchObject({ kind: 'check', status: 'done', resultStatus: 'dry-run', counts: { rows: 3, created: 2, failed: 1 }, hasReport: true });
    expect(check.issues[0]).toMatchObject({ row: 3, column: 'ایمیل' });
    const progress = (await progressRequest(ctx(), 'contact', id).json()) as JobSummary;
    expect(progress).toMatchObject({ status: 'done', percent: 100 });

    const report = await errorReportRequest(ctx(), 'contact', id);
    expect(report.headers.get('content-type')).toContain('text/csv');
    expect(await report.text()).toContain('3,ایمیل,email,not-mail,');

    // Saved as a template; the next upload of the same shape starts from it.
    const saved = await mappingAction(ctx(), 'contact', id, post(`/e/contact/import/${id}?/save`, [...form, ['templateName', 'People export']]), 'save');
    expect(saved).toEqual({ saved: 'people-export' });
    const start = await loadImportStart(ctx(), 'contact');
    expect(start.templates.map((t) => t.key)).toContain('saved:people-export');

    // Import the valid rows.
    const imported = await thrown(mappingAction(ctx(), 'contact', id, post(`/e/contact/import/${id}?/import`, form.map(([k, v]) => (k === 'mode' ? [k, 'valid-rows'] : [k, v]))), 'import'));
    expect(isRedirect(imported)).toBe(true);
    expect(await finished(id)).toMatchObject({ kind: 'import', resultStatus: 'imported', counts: { created: 2, failed: 1 } });
    const rows = await sql<{ email: string; birthday: string | null; owner: string }>`select email, birthday, owner from data.contact order by email`.execute(runtime.database.db);
    expect(rows.rows).toEqual([
      { email: 'maryam@x.ir', birthday: '1990-01-02', owner: user.id },
      { email: 'sara@x.ir', birthday: '1990-08-21', owner: user.id },
    ]);

    const second = await upload(new TextEncoder().encode('نام کامل;ایمیل;Stage;Birthday\nRoya;roya@x.ir;;05/06/1991\n'), 'more.csv', 1000);
    const withTemplate = await loadMappingPage(ctx(), 'contact', second, new URL(`http://localhost/e/contact/import/${second}?template=saved:people-export`));
    expect(withTemplate.template).toEqual({ key: 'saved:people-export', name: 'people-export' });
    expect(withTemplate.draft).toMatchObject({ dateFormats: 'DD/MM/YYYY' });
  });

  it('takes a small file in one form post without JavaScript, and shows a refused file plainly', async () => {
    const body = new FormData();
    body.append('file', new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])], 'photo.png'));
    const redirected = await thrown(uploadFormAction(ctx(), 'contact', new Request('http://localhost/e/contact/import?/upload', { method: 'POST', body })));
    if (!isRedirect(redirected)) throw new Error('expected a redirect');
    const id = redirected.location.split('/').at(-1) ?? '';
    const page = await loadMappingPage(ctx(), 'contact', id, new URL(`http://localhost${redirected.location}`));
    expect(page.refusal).toContain('PNG image');
    const empty = await uploadFormAction(ctx(), 'contact', post('/e/contact/import?/upload', []));
    expect(isActionFailure(empty)).toBe(true);
  });

  it('exports the list with its filter as CSV (labels in the user’s language) and XLSX; refuses a bad filter', async () => {
    const csv = await exportRequest({ runtime, user, access: await runtime.accessOf(user), locale: 'fa' }, 'contact', new URL('http://localhost/e/contact/export?format=csv&ff=stage&fo=eq&fv=customer'));
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="contact-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csv.arrayBuffer())).toBe('\uFEFFنام کامل,ایمیل,Stage,Birthday\r\nسارا,sara@x.ir,customer,1990-08-21\r\n');
    const xlsx = await exportRequest({ runtime, user, access: await runtime.accessOf(user), locale: 'en' }, 'contact', new URL('http://localhost/e/contact/export?format=xlsx&sort=email:desc'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
    const values = workbook.worksheets[0]?.getSheetValues().slice(1).map((r) => (Array.isArray(r) ? r.slice(1, 3) : []));
    expect(values).toEqual([['Full name', 'Email'], ['سارا', 'sara@x.ir'], ['Maryam', 'maryam@x.ir']]);
    const bad = await thrown(exportRequest({ runtime, user, access: await runtime.accessOf(user), locale: 'en' }, 'contact', new URL('http://localhost/e/contact/export?format=csv&ff=birthday&fo=eq&fv=not-a-date')));
    expect(isHttpError(bad) && bad.status).toBe(400);
    const anonymous = await thrown(exportRequest({ runtime, user: null, access: null, locale: 'en' }, 'contact', new URL('http://localhost/e/contact/export')));
    expect(isHttpError(anonymous) && anonymous.status).toBe(401);
  });
});
