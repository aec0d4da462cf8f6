/**
 * SECURITY.md item 10: exported CSV and XLSX are safe to open. Every cell and header whose first
 * character after leading spaces is `= + - @`, a tab or a carriage return is neutralised — values,
 * related records' titles and labels alike — and an XLSX file never holds a formula.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import type { EntityModel, Model } from '../../src/lib/model/types.ts';
import { bulkCreate } from '../../src/lib/server/records/record-service.ts';
import { exportRecords, type ExportFormat } from '../../src/lib/server/data/export-service.ts';

const PAYLOADS = ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '   =HYPERLINK("http://evil.example","click")', ' @x', "'=already quoted"];

const TARGET = entity('target', { name: { type: 'string', title: 'Name' } }, { 'x-title-field': 'name' });
const NOTE = entity('note', {
  text: { type: 'string', title: '=HYPERLINK("http://evil.example")', 'x-labels': { fa: '@SUM(1)' } },
  count: { type: 'integer', title: '+Count' },
  target_id: { type: 'string', format: 'uuid', 'x-ref': 'target', title: '-Target' },
});

/** The files of a zip archive (what an .xlsx is), read from its central directory. */
function unzip(buffer: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    files.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

describe.each(BACKENDS)('export is safe to open on %s', (kind) => {
  let t: TestDatabase;
  let model: Model;
  let note: EntityModel;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const applied = await applyPack(t.database, packOf([TARGET, NOTE]), { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    model = (await loadCurrentModel(t.database.db)).model;
    note = model.entities.find((e) => e.name === 'note') as EntityModel;
    const target = model.entities.find((e) => e.name === 'target') as EntityModel;
    const made = await bulkCreate({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, target, [{ name: '=cmd|" /C calc"!A0' }]);
    if (!made.ok) throw new Error(made.error.message);
    const notes = await bulkCreate({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, note, [...PAYLOADS.map((text, i) => ({ text, count: i })), { text: 'plain', count: -12, target_id: made.value.ids[0] }]);
    if (!notes.ok) throw new Error(notes.error.message);
  });
  afterAll(() => t.drop());

  async function exported(format: ExportFormat, headers: 'names' | 'labels', locale = 'en'): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const result = await exportRecords({ db: t.database.db, model, entity: note, actor: { kind: 'system', actorId: null }, format, out, headers, locale, list: { sort: [{ field: 'count', direction: 'asc' }] } });
    expect(result.ok).toBe(true);
    return Buffer.concat(chunks);
  }

  const dangerous = (cell: string) => /^[ ]*[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell);

  it('CSV: every dangerous value, title and label starts with an apostrophe', async () => {
    for (const [headers, locale] of [['labels', 'en'], ['labels', 'fa'], ['names', 'en']] as const) {
      const rows = parse((await exported('csv', headers, locale)).toString('utf8'), { bom: true, relax_column_count: false }) as string[][];
      const cells = rows.flat();
      expect(cells.filter(dangerous)).toEqual([]);
      if (headers === 'labels') expect(rows[0]?.[0]).toBe(locale === 'fa' ? "'@SUM(1)" : `'=HYPERLINK("http://evil.example")`);
      const texts = rows.slice(1).map((r) => r[0]);
      expect(texts).toEqual(['plain', ...PAYLOADS.map((p) => `'${p}`)]);
      // A plain negative number stays a number; the related record's title is neutralised too.
      expect(rows[1]?.slice(1)).toEqual(['-12', `'=cmd|" /C calc"!A0`]);
    }
  });

  it('XLSX: no formula anywhere, every cell text, the same neutralising', async () => {
    const bytes = await exported('xlsx', 'labels');
    const files = unzip(bytes);
    const sheets = [...files.entries()].filter(([name]) => name.startsWith('xl/worksheets/'));
    expect(sheets.length).toBe(1);
    for (const [, xml] of sheets) {
      expect(xml).not.toMatch(/<f[ >]/);
      expect(xml).not.toMatch(/t="(n|b|e)"/);
    }
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    const cells: string[] = [];
    sheet?.eachRow((row) => row.eachCell((cell) => {
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      cells.push(String(cell.value));
    }));
    expect(cells.filter(dangerous)).toEqual([]);
    expect(cells[0]).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(cells).toContain(`'=cmd|" /C calc"!A0`);
    expect(cells).toContain("''=already quoted");
  });

  it('exports nothing a reader may not read (a user who must change the password)', async () => {
    const out = new PassThrough();
    const result = await exportRecords({
      db: t.database.db,
      model,
      entity: note,
      actor: { kind: 'user', user: { id: '00000000-0000-4000-8000-000000000001', email: 'x@x.ir', name: 'X', isAdmin: false, mustChangePassword: true }, access: SYSTEM_ACCESS },
      format: 'csv',
      out,
    });
    expect(result).toMatchObject({ ok: false, code: 'forbidden' });
    const rows = await sql<{ n: string | number }>`select count(*) as n from data.note`.execute(t.database.db);
    expect(Number(rows.rows[0]?.n)).toBe(PAYLOADS.length + 1);
  });
});
