/** Import and export of records on both backends: the engine behind `peyvand data` and the import page. */
import { loadAccess } from '../../src/lib/server/auth/access-store.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import type { Model } from '../../src/lib/model/types.ts';
import { normaliseMapping, type ImportMappingDefinition } from '../../src/lib/data/import-mapping.ts';
import { errorReportCsv } from '../../src/lib/data/error-report.ts';
import { memoryBytes, openTabular, type OpenOptions } from '../../src/lib/server/data/tabular-source.ts';
import { runImport, type ImportActor, type ImportResult, type RunImportInput } from '../../src/lib/server/data/import-service.ts';
import { exportRecords } from '../../src/lib/server/data/export-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';

const COMPANY = entity(
  'company',
  {
    name: { type: 'string', minLength: 1, maxLength: 200, title: 'Name', 'x-labels': { fa: 'نام شرکت' }, 'x-unique': true },
    code: { type: 'integer', title: 'Code', 'x-unique': true },
    contacts: { type: 'integer', title: 'Contacts', 'x-rollup': { entity: 'contact', via: 'company_id', measure: 'count' } },
  },
  { 'x-title-field': 'name', required: ['name'] },
);

const CONTACT = entity(
  'contact',
  {
    full_name: { type: 'string', minLength: 1, maxLength: 100, title: 'Full name', 'x-labels': { fa: 'نام کامل', ar: 'الاسم الكامل' } },
    email: { type: 'string', format: 'email', title: 'Email', 'x-labels': { fa: 'ایمیل' }, 'x-unique': true },
    phone: { type: 'string', format: 'phone', title: 'Mobile', 'x-labels': { fa: 'تلفن همراه' } },
    birthday: { type: 'string', format: 'date', title: 'Birthday', 'x-labels': { fa: 'تاریخ تولد' } },
    stage: {
      type: 'string',
      title: 'Stage',
      'x-labels': { fa: 'مرحله' },
      enum: ['lead', 'customer'],
      default: 'lead',
      'x-options': { lead: { en: 'Lead', fa: 'سرنخ' }, customer: { en: 'Customer', fa: 'مشتری' } },
    },
    budget: { type: 'object', 'x-type': 'money', 'x-currencies': ['IRR', 'USD'], title: 'Budget' },
    job_title: { type: 'string', maxLength: 100, title: 'Job title' },
    company_id: { type: 'string', format: 'uuid', 'x-ref': 'company', title: 'Company', 'x-labels': { fa: 'شرکت' } },
  },
  { 'x-title-field': 'full_name', 'x-default-sort': [{ field: 'full_name', direction: 'asc' }], required: ['full_name', 'email'] },
);

const SYSTEM: ImportActor = { kind: 'system', actorId: null };

interface Env {
  readonly t: TestDatabase;
  model: Model;
}

async function fresh(kind: TestDatabase['kind']): Promise<Env> {
  const t = await createTestDatabase(kind);
  const applied = await applyPack(t.database, packOf([COMPANY, CONTACT]), { actorId: null });
  if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
  return { t, model: (await loadCurrentModel(t.database.db)).model };
}

async function importData(
  env: Env,
  data: string | Uint8Array,
  doc: Omit<ImportMappingDefinition, 'entity'> & { entity?: string },
  options: Partial<Pick<RunImportInput, 'mode' | 'dryRun' | 'actor' | 'batchSize'>> & { open?: OpenOptions } = {},
): Promise<ImportResult> {
  const opened = await openTabular(memoryBytes(data), options.open ?? {});
  if (!opened.ok) throw new Error(opened.refusal.message);
  const mapping = normaliseMapping({ entity: 'contact', ...doc }, { model: env.model });
  if (!mapping.ok) throw new Error(JSON.stringify(mapping.issues));
  return runImport({ db: env.t.database.db, model: env.model, source: opened.source, mapping: mapping.mapping, actor: options.actor ?? SYSTEM, ...options });
}

async function rows<T = Record<string, unknown>>(env: Env, table: 'contact' | 'company', order = 'email'): Promise<T[]> {
  const r = await sql<T>`select * from ${sql.id('data', table)} order by ${sql.id(table === 'company' ? 'name' : order)}`.execute(env.t.database.db);
  return r.rows;
}

async function count(env: Env, query: 'audit' | 'outbox' | 'contact' | 'company'): Promise<number> {
  const table = { audit: sql`peyvand.audit_log`, outbox: sql`peyvand.outbox`, contact: sql`data.contact`, company: sql`data.company` }[query];
  const r = await sql<{ n: string | number }>`select count(*) as n from ${table}`.execute(env.t.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

async function exportToBuffer(env: Env, input: Omit<Parameters<typeof exportRecords>[0], 'db' | 'model' | 'out' | 'actor'> & { actor?: ImportActor }): Promise<{ result: Awaited<ReturnType<typeof exportRecords>>; bytes: Buffer }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await exportRecords({ db: env.t.database.db, model: env.model, actor: input.actor ?? SYSTEM, out, ...input });
  return { result, bytes: Buffer.concat(chunks) };
}

const COLUMNS = { 'Full name': 'full_name', 'E-mail': 'email', Mobile: 'phone', Birthday: 'birthday', Stage: 'stage', Budget: 'budget', Company: 'company_id' };

describe.each(BACKENDS)('data import on %s', (kind) => {
  let env: Env;
  beforeAll(async () => {
    env = await fresh(kind);
  });
  afterAll(() => env.t.drop());
  beforeEach(async () => {
    // The audit trail refuses truncation; a test owns its database and may lift that for a reset.
    await sql`alter table peyvand.audit_log disable trigger audit_log_append_only`.execute(env.t.database.db);
    await sql`truncate data.contact, data.company, peyvand.audit_log, peyvand.outbox`.execute(env.t.database.db);
    await sql`alter table peyvand.audit_log enable trigger audit_log_append_only`.execute(env.t.database.db);
    await sql`insert into data.company (id, name, code) values (gen_random_uuid(), 'Acme Corp', 7), (gen_random_uuid(), 'Pars Tejarat', 12)`.execute(env.t.database.db);
  });

  it('parses each column by its field type and writes each record with an audit entry and an outbox event', async () => {
    const csv = [
      'Full name;E-mail;Mobile;Birthday;Stage;Budget;Company',
      'سارا محمدی;Sara@Example.COM;۰۹۱۲ ۳۴۵ ۶۷۸۹;21/08/1990;مشتری;12.50 USD;pars tejarat',
      'Jane Smith;jane@acme.example;+14155550111;1984-03-12;Lead;;Acme Corp',
      '"Ali ""the"" Rezaei";ali@x.ir;;;;"1,250,000 IRR";',
    ].join('\r\n');
    const result = await importData(env, csv, { columns: COLUMNS, dateFormats: ['DD/MM/YYYY'] });
    expect(result).toMatchObject({ status: 'imported', counts: { rows: 3, created: 3, failed: 0 }, issueCount: 0 });
    const saved = await rows<{ full_name: string; email: string; phone: string | null; birthday: string | null; stage: string; budget__amount: string | null; company_id: string | null }>(env, 'contact');
    expect(saved.map((r) => [r.full_name, r.email, r.phone, r.birthday, r.stage, r.budget__amount])).toEqual([
      ['Ali "the" Rezaei', 'ali@x.ir', null, null, 'lead', '1250000'],
      ['Jane Smith', 'jane@acme.example', '+14155550111', '1984-03-12', 'lead', null],
      ['سارا محمدی', 'Sara@example.com', '+989123456789', '1990-08-21', 'customer', '12.50'],
    ]);
    // "pars tejarat" found "Pars Tejarat" (folded match); the roll-up counts the imported contacts.
    const companies = await rows<{ name: string; id: string; contacts: number | string }>(env, 'company');
    expect(saved[2]?.company_id).toBe(companies.find((c) => c.name === 'Pars Tejarat')?.id);
    expect(companies.map((c) => Number(c.contacts))).toEqual([1, 1]);
    expect(await count(env, 'audit')).toBe(3);
    expect(await count(env, 'outbox')).toBe(3);
  });

  it('all-or-nothing: one bad row imports nothing; valid-rows imports the others and reports each problem by row and column', async () => {
    const csv = 'Full name,E-mail,Stage,Company\nGood One,good@x.ir,lead,Acme Corp\nBad Mail,not-an-email,lead,\nNo Company,nc@x.ir,VIP,Nowhere Ltd\nGood Two,good2@x.ir,customer,\n';
    const strict = await importData(env, csv, { columns: { 'Full name': 'full_name', 'E-mail': 'email', Stage: 'stage', Company: 'company_id' } });
    expect(strict).toMatchObject({ status: 'rolled-back', counts: { rows: 4, failed: 2 } });
    expect(await count(env, 'contact')).toBe(0);
    expect(await count(env, 'audit')).toBe(0);
    expect(strict.issues.map((i) => [i.row, i.column, i.field])).toEqual([
      [3, 'E-mail', 'email'],
      [4, 'Stage', 'stage'],
    ]);

    const lenient = await importData(env, csv, { columns: { 'Full name': 'full_name', 'E-mail': 'email', Stage: 'stage', Company: 'company_id' } }, { mode: 'valid-rows' });
    expect(lenient).toMatchObject({ status: 'imported', counts: { rows: 4, created: 2, failed: 2 } });
    expect((await rows<{ email: string }>(env, 'contact')).map((r) => r.email).sort()).toEqual(['good2@x.ir', 'good@x.ir']);
    expect(lenient.issues[0]).toMatchObject({ row: 3, column: 'E-mail', value: 'not-an-email', message: expect.stringContaining('not a valid email') });
  });

  it('reports a relation that matches nothing, a row the entity refuses, and a value already taken', async () => {
    await importData(env, 'Full name,E-mail\nExisting,taken@x.ir\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } });
    const csv = 'Full name,E-mail,Company\nNo Company,a@x.ir,Nowhere Ltd\n,b@x.ir,\nTaken,taken@x.ir,\nTwice,twice@x.ir,\nTwice again,twice@x.ir,\nFine,fine@x.ir,\n';
    const result = await importData(env, csv, { columns: { 'Full name': 'full_name', 'E-mail': 'email', Company: 'company_id' } }, { mode: 'valid-rows' });
    expect(result.counts).toMatchObject({ rows: 6, created: 2, failed: 4 });
    const byRow = Object.fromEntries(result.issues.map((i) => [i.row, i]));
    expect(byRow[2]).toMatchObject({ column: 'Company', message: 'no company has name "Nowhere Ltd"' });
    expect(byRow[3]).toMatchObject({ column: 'Full name', field: 'full_name', message: expect.stringContaining('required') });
    expect(byRow[4]).toMatchObject({ column: 'E-mail', message: expect.stringContaining('already has email "taken@x.ir"') });
    expect(byRow[6]).toMatchObject({ column: 'E-mail', message: expect.stringContaining('row 5') });
    expect((await rows<{ email: string }>(env, 'contact')).map((r) => r.email).sort()).toEqual(['fine@x.ir', 'taken@x.ir', 'twice@x.ir']);
  });

  it('finds the one row the database refuses in a batch, and keeps the rest (valid-rows)', async () => {
    // 30 rows, one of them repeating an email of an earlier batch: the batch insert fails, the rows are retried.
    const lines = Array.from({ length: 30 }, (_, i) => `P${i},p${i === 25 ? 3 : i}@x.ir`);
    const result = await importData(env, `Full name,E-mail\n${lines.join('\n')}\n`, { columns: { 'Full name': 'full_name', 'E-mail': 'email' } }, { mode: 'valid-rows', batchSize: 10 });
    expect(result.counts).toMatchObject({ rows: 30, created: 29, failed: 1 });
    expect(result.issues).toEqual([expect.objectContaining({ row: 27, field: 'email', message: expect.stringContaining('p3@x.ir') })]);
    expect(await count(env, 'contact')).toBe(29);
    expect(await count(env, 'audit')).toBe(29);
  });

  it('duplicates, against the table and within the file: skip, update or merge, with the count of each', async () => {
    await importData(env, 'Full name,E-mail,Job title,Mobile\nSara,sara@x.ir,,09123456789\nAli,ali@x.ir,CTO,\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email', 'Job title': 'job_title', Mobile: 'phone' } });
    const csv = 'Full name,E-mail,Job title,Mobile\nSara M.,SARA@X.IR,CEO,\nAli R.,ali@x.ir,,09350000000\nNew,new@x.ir,,\nNew again,new@x.ir,Owner,\n';
    const columns = { 'Full name': 'full_name', 'E-mail': 'email', 'Job title': 'job_title', Mobile: 'phone' };
    const snapshot = async () =>
      (await rows<{ full_name: string; email: string; job_title: string | null; phone: string | null }>(env, 'contact')).map((r) => [r.email, r.full_name, r.job_title, r.phone]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

    const skip = await importData(env, csv, { columns, dedupeOn: ['email'], onDuplicate: 'skip' }, { dryRun: true });
    expect(skip).toMatchObject({ status: 'dry-run', counts: { created: 1, skipped: 3, updated: 0, merged: 0 } });
    expect(await count(env, 'contact')).toBe(2);

    const merge = await importData(env, csv, { columns, dedupeOn: ['email'], onDuplicate: 'merge' });
    expect(merge.counts).toMatchObject({ created: 1, merged: 3, skipped: 0 });
    // "SARA@X.IR" matches sara@x.ir (folded); merge fills empty fields only, a later row of the file merges into an earlier one's record.
    expect(await snapshot()).toEqual([
      ['ali@x.ir', 'Ali', 'CTO', '+989350000000'],
      ['new@x.ir', 'New', 'Owner', null],
      ['sara@x.ir', 'Sara', 'CEO', '+989123456789'],
    ]);

    const update = await importData(env, csv, { columns, dedupeOn: ['email'], onDuplicate: 'update' });
    expect(update.counts).toMatchObject({ created: 0, updated: 4 });
    // update overwrites with the row's non-empty values; the email matched on keeps its stored spelling.
    expect(await snapshot()).toEqual([
      ['ali@x.ir', 'Ali R.', 'CTO', '+989350000000'],
      ['new@x.ir', 'New again', 'Owner', null],
      ['sara@x.ir', 'Sara M.', 'CEO', '+989123456789'],
    ]);
    const history = await sql<{ action: string }>`select action from peyvand.audit_log order by id`.execute(env.t.database.db);
    expect(history.rows.filter((r) => r.action === 'update').length).toBeGreaterThanOrEqual(4);
  });

  it('relations by a declared key (with Persian digits), and create: true makes the missing target', async () => {
    const csv = 'Full name,E-mail,Company code\nA,a@x.ir,۷\nB,b@x.ir,99\n';
    const byCode = await importData(env, csv, { columns: { 'Full name': 'full_name', 'E-mail': 'email', 'Company code': 'company_id' }, relations: { company_id: 'code' } }, { mode: 'valid-rows' });
    expect(byCode.counts).toMatchObject({ created: 1, failed: 1 });
    expect(byCode.issues[0]).toMatchObject({ row: 3, message: 'no company has code "99"' });

    const created = await importData(env, 'Full name,E-mail,Company\nC,c@x.ir,Kavir Software\nD,d@x.ir,kavir  software\n', {
      columns: { 'Full name': 'full_name', 'E-mail': 'email', Company: 'company_id' },
      relations: { company_id: { on: 'name', create: true } },
    });
    expect(created).toMatchObject({ status: 'imported', relatedCreated: 1, counts: { created: 2 } });
    expect((await rows<{ name: string }>(env, 'company')).map((c) => c.name)).toEqual(['Acme Corp', 'Kavir Software', 'Pars Tejarat']);
  });

  it('writes the error report as CSV, cells neutralised', async () => {
    const result = await importData(env, 'Full name,E-mail\n=HYPERLINK("http://evil"),@evil\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } });
    const report = errorReportCsv(result.issues);
    expect(report.startsWith('\uFEFFrow,column,field,value,problem\r\n')).toBe(true);
    expect(report).toContain(`2,E-mail,email,'@evil,`);
    expect(report).not.toMatch(/(^|,)[=+@-]/m);
  });

  it('a dry run writes nothing', async () => {
    const result = await importData(env, 'Full name,E-mail\nA,a@x.ir\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } }, { dryRun: true });
    expect(result).toMatchObject({ status: 'dry-run', counts: { created: 1 } });
    expect(await count(env, 'contact')).toBe(0);
    expect(await count(env, 'outbox')).toBe(0);
  });

  it('checks the permission of the importing user (a pending password change may do nothing)', async () => {
    const made = await createUser(env.t.database.db, { email: `locked-${kind}@x.ir`, name: 'Locked', password: 'a-long-password-1', isAdmin: false, mustChangePassword: true });
    if (!made.ok) throw new Error(made.error.message);
    const result = await importData(env, 'Full name,E-mail\nA,a@x.ir\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } }, { actor: { kind: 'user', user: made.user, access: await loadAccess(env.t.database.db, env.model, made.user) } });
    expect(result).toMatchObject({ status: 'refused', message: expect.stringContaining('Change your password to continue. (record.import on contact)') });
    expect(await count(env, 'contact')).toBe(0);
  });

  it('refuses a mapping naming a column the file lacks', async () => {
    const result = await importData(env, 'Name,Mail\nA,a@x.ir\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } });
    expect(result).toMatchObject({ status: 'refused', message: expect.stringContaining('no column "Full name"') });
  });

  it('exports a filtered, sorted, searched list as CSV with labels and related titles; XLSX round-trips', async () => {
    await importData(env, 'Full name,E-mail,Stage,Budget,Company\nZed,z@x.ir,customer,-12.50 USD,Acme Corp\nAmy,amy@x.ir,customer,,Pars Tejarat\nBob,bob@x.ir,lead,,\n', {
      columns: { 'Full name': 'full_name', 'E-mail': 'email', Stage: 'stage', Budget: 'budget', Company: 'company_id' },
    });
    const csv = await exportToBuffer(env, { entity: env.model.entities.find((e) => e.name === 'contact')!, format: 'csv', headers: 'labels', locale: 'fa', list: { filter: { field: 'stage', op: 'eq', value: 'customer' }, sort: [{ field: 'full_name', direction: 'desc' }] } });
    expect(csv.result).toEqual({ ok: true, rows: 2 });
    const lines = csv.bytes.toString('utf8').split('\r\n');
    expect(lines[0]).toBe('\uFEFFنام کامل,ایمیل,تلفن همراه,تاریخ تولد,مرحله,Budget,Job title,شرکت');
    expect(lines[1]).toBe("Zed,z@x.ir,,,customer,'-12.50 USD,,Acme Corp");
    expect(lines[2]).toBe('Amy,amy@x.ir,,,customer,,,Pars Tejarat');
    const searched = await exportToBuffer(env, { entity: env.model.entities.find((e) => e.name === 'contact')!, format: 'csv', list: { search: 'bob' } });
    expect(searched.result).toEqual({ ok: true, rows: 1 });
    const refused = await exportToBuffer(env, { entity: env.model.entities.find((e) => e.name === 'contact')!, format: 'csv', list: { filter: { field: 'password', op: 'eq', value: 'x' } } });
    expect(refused.result).toMatchObject({ ok: false, code: 'invalid' });

    // XLSX: export everything, import it into an empty copy, compare.
    const xlsx = await exportToBuffer(env, { entity: env.model.entities.find((e) => e.name === 'contact')!, format: 'xlsx', headers: 'labels', locale: 'en' });
    expect(xlsx.result).toEqual({ ok: true, rows: 3 });
    const before = (await rows<Record<string, unknown>>(env, 'contact')).map(({ full_name, email, stage, budget__amount, budget__currency, company_id }) => ({ full_name, email, stage, budget__amount, budget__currency, company_id }));
    await sql`truncate data.contact`.execute(env.t.database.db);
    const opened = await openTabular(memoryBytes(new Uint8Array(xlsx.bytes)));
    expect(opened.ok && opened.source.format).toBe('xlsx');
    const back = await importData(env, new Uint8Array(xlsx.bytes), { columns: { 'Full name': 'full_name', Email: 'email', Mobile: 'phone', Birthday: 'birthday', Stage: 'stage', Budget: 'budget', 'Job title': 'job_title', Company: 'company_id' } });
    expect(back).toMatchObject({ status: 'imported', counts: { created: 3 } });
    const after = (await rows<Record<string, unknown>>(env, 'contact')).map(({ full_name, email, stage, budget__amount, budget__currency, company_id }) => ({ full_name, email, stage, budget__amount, budget__currency, company_id }));
    expect(after).toEqual(before);
  });
});

describe.each(BACKENDS)('malformed files on %s', (kind) => {
  let env: Env;
  beforeAll(async () => {
    env = await fresh(kind);
  });
  afterAll(() => env.t.drop());

  const refusal = async (data: string | Uint8Array, options: OpenOptions = {}) => {
    const opened = await openTabular(memoryBytes(data), options);
    if (opened.ok) throw new Error('expected a refusal');
    return opened.refusal;
  };

  it('refuses binary files, saying what they are', async () => {
    expect(await refusal(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toMatchObject({ code: 'binary', message: expect.stringContaining('PNG image') });
    expect(await refusal(new Uint8Array(Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) % 256)))).toMatchObject({ code: 'binary' });
    expect(await refusal(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]))).toMatchObject({ code: 'malformed', message: expect.stringContaining('not a readable XLSX') });
  });

  it('refuses an encoding it cannot read, naming it', async () => {
    const russian = 'Имя,Почта\nИван Петров,ivan@x.ru\nОльга Смирнова,olga@x.ru\nСергей Иванов,sergei@x.ru\n'.repeat(4);
    const cp1251 = new Uint8Array([...russian].map((ch) => (ch.charCodeAt(0) < 128 ? ch.charCodeAt(0) : ch.charCodeAt(0) - 0x410 + 0xc0)));
    expect(await refusal(cp1251)).toMatchObject({ code: 'encoding', message: expect.stringContaining('windows-1251') });
  });

  it('reads Persian in windows-1256 and text in UTF-16', async () => {
    const decoder = new TextDecoder('windows-1256');
    const table = new Map<string, number>();
    for (let b = 0; b < 256; b++) table.set(decoder.decode(new Uint8Array([b])), b);
    const text = 'نام کامل,ایمیل\nسارا محمدي,sara@x.ir\nعلي رضايي,ali@x.ir\n'.replace(/ی/g, 'ي');
    const bytes = new Uint8Array([...text].map((ch) => table.get(ch) ?? 63));
    const result = await importData(env, bytes, { columns: { 'نام کامل': 'full_name', 'ایمیل': 'email' } });
    expect(result).toMatchObject({ status: 'imported', counts: { created: 2 } });
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'Full name,E-mail\nمریم,m@x.ir\n'].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
    expect(await importData(env, utf16, { columns: { 'Full name': 'full_name', 'E-mail': 'email' } })).toMatchObject({ status: 'imported', counts: { created: 1 } });
  });

  it('refuses 100,000 columns quickly, from the first line only', async () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `column_${i}`).join(',');
    const file = `${header}\n${'x,'.repeat(99_999)}x\n`.repeat(20);
    let read = 0;
    const bytes = memoryBytes(file);
    const counting = { ...bytes, prefix: async (n: number) => { read = Math.max(read, n); return bytes.prefix(n); } };
    const started = performance.now();
    const opened = await openTabular(counting);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(opened).toMatchObject({ ok: false, refusal: { code: 'too-many-columns', message: expect.stringContaining('more than 1,000 columns') } });
    expect(read).toBeLessThan(bytes.size / 10);
  });

  it('reports ragged rows one by one, and refuses a quote never closed', async () => {
    const before = await count(env, 'contact');
    const result = await importData(env, 'Full name,E-mail\nA,a@x.ir\nB,b@x.ir,extra\nC\nD,d@x.ir\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } }, { mode: 'valid-rows' });
    expect(result.counts).toMatchObject({ created: 2, failed: 2 });
    expect(result.issues.map((i) => [i.row, i.message])).toEqual([
      [3, expect.stringContaining('3 cells but the header has 2')],
      [4, expect.stringContaining('1 cell but the header has 2')],
    ]);
    // Refused when the file is opened or while it is read, depending on where the reader meets the end.
    const unclosed = 'Full name,E-mail\nX,x@x.ir\n"unclosed,y@x.ir\nZ,z@x.ir\n';
    const opened = await openTabular(memoryBytes(unclosed));
    if (!opened.ok) expect(opened.refusal.message).toContain('never closed');
    else {
      const broken = await importData(env, unclosed, { columns: { 'Full name': 'full_name', 'E-mail': 'email' } }, { mode: 'valid-rows' });
      expect(broken).toMatchObject({ status: 'refused', message: expect.stringContaining('never closed') });
    }
    expect(await count(env, 'contact')).toBe(before + 2);
  });

  it('reads the first sheet of a workbook, or the one named, and names the sheets when asked for a missing one', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Notes').addRow(['not', 'contacts']);
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['Full name', 'E-mail', 'Birthday']);
    sheet.addRow(['Nasrin', { text: 'nasrin@x.ir', hyperlink: 'mailto:nasrin@x.ir' }, new Date(Date.UTC(1988, 4, 7))]);
    sheet.addRow([]);
    sheet.addRow([{ richText: [{ text: 'Ka' }, { text: 'veh' }] }, 'kaveh@x.ir']);
    sheet.addRow(['Formula', { formula: 'LOWER("F@X.IR")', result: 'f@x.ir' }]);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    expect(await refusal(bytes, { sheet: 'Leads' })).toMatchObject({ code: 'sheet', message: expect.stringContaining('its sheets: Notes, Contacts') });
    const first = await openTabular(memoryBytes(bytes));
    expect(first.ok && first.source.headers).toEqual(['not', 'contacts']);
    if (first.ok) first.source.close();
    const result = await importData(env, bytes, { columns: { 'Full name': 'full_name', 'E-mail': 'email', Birthday: 'birthday' } }, { open: { sheet: 'Contacts' } });
    expect(result).toMatchObject({ status: 'imported', counts: { rows: 3, created: 3 } });
    const saved = await sql<{ email: string; full_name: string; birthday: string | null }>`select email, full_name, birthday from data.contact where email in ('nasrin@x.ir', 'kaveh@x.ir', 'f@x.ir') order by email`.execute(env.t.database.db);
    expect(saved.rows).toEqual([
      { email: 'f@x.ir', full_name: 'Formula', birthday: null },
      { email: 'kaveh@x.ir', full_name: 'Kaveh', birthday: null },
      { email: 'nasrin@x.ir', full_name: 'Nasrin', birthday: '1988-05-07' },
    ]);
  });

  it('refuses an empty file and a file with only a header reads no rows', async () => {
    expect(await refusal('')).toMatchObject({ code: 'empty' });
    expect(await importData(env, 'Full name,E-mail\n', { columns: { 'Full name': 'full_name', 'E-mail': 'email' } })).toMatchObject({ status: 'imported', counts: { rows: 0 } });
  });
});
