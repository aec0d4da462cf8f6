/**
 * A hostile workbook: an XLSX is a zip, and a few kilobytes can declare gigabytes of XML. The import
 * refuses it from the zip's table of contents, before any part is unpacked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTabularFile } from '../../src/lib/server/data/tabular-source.ts';

/** A zip of the given parts (deflated), written by hand so that nothing caps what it declares. */
function zip(parts: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(parts)) {
    const packed = deflateRawSync(content, { level: 9 });
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(content), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(content), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(parts).length, 8);
  end.writeUInt16LE(Object.keys(parts).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('hostile workbooks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-xlsx-bomb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a workbook whose part unpacks a thousand times its size, before parsing it', async () => {
    const file = join(dir, 'bomb.xlsx');
    // 64 MB of the same byte deflates to about 64 KB.
    await writeFile(file, zip({ '[Content_Types].xml': Buffer.from('<Types/>'), 'xl/sharedStrings.xml': Buffer.alloc(64 * 1024 * 1024, 0x41) }));
    const opened = await openTabularFile(file);
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.refusal.message).toMatch(/zip bomb/);
  });

  it('still reads an ordinary workbook', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('People');
    sheet.addRow(['full_name', 'email']);
    sheet.addRow(['سارا محمدی', 'sara@example.com']);
    const file = join(dir, 'people.xlsx');
    await workbook.xlsx.writeFile(file);
    const opened = await openTabularFile(file);
    expect(opened.ok).toBe(true);
    if (opened.ok) {
      expect(opened.source.headers).toEqual(['full_name', 'email']);
      const rows = [];
      for await (const row of opened.source.rows()) rows.push(row.cells);
      expect(rows).toEqual([['سارا محمدی', 'sara@example.com']]);
    }
  });
});
