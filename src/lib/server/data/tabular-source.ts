/**
 * A CSV or XLSX file as a header and a stream of rows of text cells, never held in memory whole.
 * Problems with the file itself (binary, an encoding we cannot read, too many columns, a quote
 * never closed) are typed refusals with a message that says what to do.
 *
 *   const opened = await openTabularFile('/tmp/contacts.csv', {});
 *   if (!opened.ok) throw new Error(opened.refusal.message);
 *   for await (const { cells, row } of opened.source.rows()) …
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { parse as parseCsv, type Parser } from 'csv-parse';
import ExcelJS from 'exceljs';
import { scanHeader, sniffDelimiter, uniqueHeaders, type Delimiter } from '../../data/csv-shape.ts';
import { sniffFile, type RefusalCode, type TextEncodingName } from '../../data/file-sniff.ts';
import { IMPORT_LIMITS } from '../../data/import-mapping.ts';

export interface SourceRow {
  readonly cells: readonly string[];
  /** As a spreadsheet numbers it: the header is row 1. */
  readonly row: number;
}

export interface TabularSource {
  readonly format: 'csv' | 'xlsx';
  readonly headers: readonly string[];
  /** CSV only. */
  readonly encoding: TextEncodingName | null;
  readonly delimiter: Delimiter | null;
  readonly sheet: string | null;
  readonly totalBytes: number;
  /** Bytes of the file read so far (for progress by bytes). */
  bytesRead(): number;
  /** The data rows after the header; iterate once. Blank rows are skipped. */
  rows(): AsyncIterable<SourceRow>;
  close(): void;
}

export type SourceRefusalCode = RefusalCode | 'too-many-columns' | 'header-too-long' | 'no-header' | 'malformed' | 'sheet' | 'not-found';

export interface SourceRefusal {
  readonly code: SourceRefusalCode;
  readonly message: string;
}

/** Thrown while rows are read, when the rest of the file cannot be read (e.g. a quote never closed). */
export class SourceError extends Error {
  readonly code: SourceRefusalCode;
  constructor(code: SourceRefusalCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type OpenResult = { readonly ok: true; readonly source: TabularSource } | { readonly ok: false; readonly refusal: SourceRefusal };

export interface OpenOptions {
  readonly encoding?: TextEncodingName | null;
  readonly delimiter?: Delimiter | null;
  readonly sheet?: string | null;
}

const PREFIX_BYTES = 64 * 1024;
/** The header line may be long (a thousand long column names), but not endless. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;
/** One record (a row with its quoted newlines) at most. */
const MAX_RECORD_CHARS = 4 * 1024 * 1024;

function refuse(code: SourceRefusalCode, message: string): OpenResult {
  return { ok: false, refusal: { code, message } };
}

/** Where the bytes come from: a file, or (seed data, tests) a buffer. */
export interface ByteSource {
  readonly size: number;
  prefix(bytes: number): Promise<Uint8Array>;
  stream(start: number): Readable;
}

export function fileBytes(path: string, size: number): ByteSource {
  return {
    size,
    async prefix(bytes) {
      const handle = await open(path, 'r');
      try {
        const buffer = new Uint8Array(bytes);
        const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    stream: (start) => createReadStream(path, { start, highWaterMark: 256 * 1024 }),
  };
}

export function memoryBytes(data: Uint8Array | string): ByteSource {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    size: bytes.length,
    prefix: async (n) => bytes.subarray(0, n),
    stream: (start) => Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start)]),
  };
}

export async function openTabularFile(path: string, options: OpenOptions = {}): Promise<OpenResult> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return refuse('not-found', `${path} is not a file`);
  return openTabular(fileBytes(path, info.size), options);
}

export async function openTabular(bytes: ByteSource, options: OpenOptions = {}): Promise<OpenResult> {
  const prefix = await bytes.prefix(PREFIX_BYTES);
  const sniff = sniffFile(prefix, options.encoding ?? undefined);
  if (sniff.kind === 'refused') return refuse(sniff.code, sniff.message);
  if (sniff.kind === 'xlsx') return openXlsx(bytes, options.sheet ?? null);
  return openCsv(bytes, prefix, sniff.encoding, sniff.bomLength, options.delimiter ?? null);
}

// ---------------------------------------------------------------------------------------- CSV

async function openCsv(bytes: ByteSource, prefix: Uint8Array, encoding: TextEncodingName, bomLength: number, declared: Delimiter | null): Promise<OpenResult> {
  const size = bytes.size;
  const decode = (bytes: Uint8Array) => new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(bomLength), { stream: true });
  let text = decode(prefix);
  const delimiter = declared ?? sniffDelimiter(text);
  let scan = scanHeader(text, delimiter, IMPORT_LIMITS.maxColumns);
  // A long header: read on (in growing steps) until it ends, or has too many columns, or is endless.
  for (let n = PREFIX_BYTES * 4; !scan.complete && scan.columns <= IMPORT_LIMITS.maxColumns && prefix.length < size; n *= 4) {
    prefix = await bytes.prefix(Math.min(n, MAX_HEADER_BYTES));
    text = decode(prefix);
    scan = scanHeader(text, delimiter, IMPORT_LIMITS.maxColumns);
    if (prefix.length >= MAX_HEADER_BYTES) break;
  }
  if (scan.columns > IMPORT_LIMITS.maxColumns) {
    return refuse('too-many-columns', `the file has more than ${IMPORT_LIMITS.maxColumns.toLocaleString('en')} columns (the first line has at least ${scan.columns.toLocaleString('en')}); an import takes at most ${IMPORT_LIMITS.maxColumns.toLocaleString('en')}`);
  }
  if (!scan.complete && prefix.length < size) return refuse('header-too-long', `the first line of the file is longer than ${MAX_HEADER_BYTES / 1024 / 1024} MB; is this really a CSV file?`);

  let read = 0;
  let decodedBytes = 0;
  let stream: Readable | null = null;
  let parser: Parser | null = null;
  // Progress counts the bytes of the rows handed out, not the bytes read ahead: the parser's
  // count of UTF-8 bytes, scaled back to the file's encoding.
  let handedOut = 0;
  const consumed = () => (decodedBytes > 0 ? Math.min(read, Math.round(bomLength + handedOut * (read / decodedBytes))) : 0);
  const source: TabularSource = {
    format: 'csv',
    headers: [],
    encoding,
    delimiter,
    sheet: null,
    totalBytes: size,
    bytesRead: consumed,
    rows: () => csvRows(),
    close: () => {
      stream?.destroy();
      parser?.destroy();
    },
  };

  function start(): Parser {
    stream = bytes.stream(bomLength);
    const decoder = new TextDecoder(encoding, { fatal: encoding.startsWith('utf-'), ignoreBOM: true });
    const decoding = new Transform({
      readableObjectMode: false,
      transform(chunk: Buffer, _enc, done) {
        read += chunk.length;
        try {
          const text = decoder.decode(chunk, { stream: true });
          decodedBytes += Buffer.byteLength(text);
          done(null, text);
        } catch {
          done(new SourceError('encoding', `the file is not valid ${encoding.toUpperCase()} near byte ${read.toLocaleString('en')}; save it as "CSV UTF-8" and try again`));
        }
      },
      flush(done) {
        try {
          done(null, decoder.decode());
        } catch {
          done(new SourceError('encoding', `the file ends in the middle of a ${encoding.toUpperCase()} character`));
        }
      },
    });
    parser = parseCsv({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      info: true,
    });
    const p = parser;
    stream.on('error', (e) => p.destroy(e));
    decoding.on('error', (e) => p.destroy(e));
    stream.pipe(decoding).pipe(p);
    return p;
  }

  async function* csvRows(): AsyncGenerator<SourceRow> {
    let row = 0;
    try {
      for await (const item of start()) {
        const { record, info } = item as { record: string[]; info: { bytes: number } };
        handedOut = info.bytes;
        const cells = record;
        if (cells.every((c) => c.trim() === '')) continue;
        row++;
        yield { cells, row };
      }
    } catch (error) {
      throw asSourceError(error, row);
    }
  }

  // The header: the first record, parsed the same way as the rest.
  const headerStream = csvRows();
  const first = await headerStream.next().catch((error: unknown) => ({ error }));
  if ('error' in first) return refuse((first.error as SourceError).code ?? 'malformed', (first.error as Error).message);
  if (first.done) return refuse('no-header', 'the file has no header row');
  const headers = uniqueHeaders(first.value.cells);
  return {
    ok: true,
    source: {
      ...source,
      headers,
      // The same generator goes on after the header, so rows keep counting from it.
      rows: () => headerStream,
    },
  };
}

function asSourceError(error: unknown, row: number): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; message?: string; lines?: number };
  const line = typeof e.lines === 'number' ? `line ${e.lines.toLocaleString('en')}` : `after row ${row.toLocaleString('en')}`;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new SourceError('malformed', `a quoted cell is never closed (${line}); the rest of the file cannot be read`);
    case 'CSV_MAX_RECORD_SIZE':
      return new SourceError('malformed', `a row is longer than ${MAX_RECORD_CHARS / 1024 / 1024} million characters (${line}); is a quote left open?`);
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new SourceError('malformed', `a quoted cell is followed by more text before the delimiter (${line})`);
    default:
      return new SourceError('malformed', `the file cannot be read as CSV (${line}): ${e.message ?? String(error)}`);
  }
}

// --------------------------------------------------------------------------------------- XLSX

interface ReaderInternals {
  model?: { sheets?: { name: string; id: number; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
}

/** A cell value from exceljs → the text a CSV would have had. Formulas give their cached result. */
export function xlsxCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toPrecision(15))) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
  }
  if (typeof value === 'object') {
    const v = value as { richText?: { text?: string }[]; text?: unknown; result?: unknown; error?: string; formula?: string; sharedFormula?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text ?? '').join('');
    if ('formula' in v || 'sharedFormula' in v) return xlsxCellText(v.result);
    if (typeof v.error === 'string') return v.error;
    if ('text' in v) return xlsxCellText(v.text);
  }
  return '';
}

function rowCells(values: unknown): string[] {
  // exceljs rows are 1-based and sparse; a row naming column XFD1 must not become a huge array.
  const raw = Array.isArray(values) ? (values as unknown[]) : [];
  if (raw.length > IMPORT_LIMITS.maxColumns + 1) throw new SourceError('too-many-columns', `a row has more than ${IMPORT_LIMITS.maxColumns.toLocaleString('en')} columns; an import takes at most ${IMPORT_LIMITS.maxColumns.toLocaleString('en')}`);
  const cells = Array.from(raw.slice(1), (v) => xlsxCellText(v));
  if (cells.some((c) => c.length > XLSX_LIMITS.maxCellChars)) throw new SourceError('malformed', `a cell is longer than ${XLSX_LIMITS.maxCellChars.toLocaleString('en')} characters (the most a spreadsheet cell holds)`);
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/** What a workbook may unpack to: more, or a suspicious compression ratio, is refused before parsing. */
export const XLSX_LIMITS = { maxUnpackedBytes: 512 * 1024 * 1024, maxRatio: 200, maxCentralDirectoryBytes: 16 * 1024 * 1024, maxCellChars: 32_767 } as const;

async function readRange(bytes: ByteSource, start: number, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of bytes.stream(start)) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
    if (got >= length) break;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/**
 * A zip bomb's problem, read from the zip's central directory (sizes as the archive declares them),
 * or null. An XLSX is a zip: a few kilobytes can declare gigabytes of XML.
 */
export async function zipBombProblem(bytes: ByteSource): Promise<string | null> {
  const tailLength = Math.min(bytes.size, 22 + 65_535);
  const tail = await readRange(bytes, bytes.size - tailLength, tailLength);
  const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > tail.length) return 'the file is not a readable XLSX workbook (its zip table of contents is missing)';
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (directorySize === 0xffffffff || directoryOffset === 0xffffffff) return 'the workbook is a ZIP64 archive, larger than an import takes';
  if (directorySize > XLSX_LIMITS.maxCentralDirectoryBytes || directoryOffset + directorySize > bytes.size) return 'the workbook\'s table of contents is damaged or too large';
  const directory = await readRange(bytes, directoryOffset, directorySize);
  let total = 0;
  for (let at = 0; at + 46 <= directory.length; ) {
    if (directory.readUInt32LE(at) !== 0x02014b50) return 'the workbook\'s table of contents is damaged';
    const packed = directory.readUInt32LE(at + 20);
    const unpacked = directory.readUInt32LE(at + 24);
    if (packed === 0xffffffff || unpacked === 0xffffffff) return 'the workbook has a part too large for an import (ZIP64)';
    total += unpacked;
    if (unpacked > 1024 * 1024 && unpacked > packed * XLSX_LIMITS.maxRatio) return `the workbook has a part that unpacks ${Math.round(unpacked / Math.max(packed, 1))} times its size; it looks like a zip bomb and is refused`;
    if (total > XLSX_LIMITS.maxUnpackedBytes) return `the workbook unpacks to more than ${XLSX_LIMITS.maxUnpackedBytes / 1024 / 1024} MB; save it as CSV to import it`;
    at += 46 + directory.readUInt16LE(at + 28) + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
  }
  return null;
}

async function openXlsx(bytes: ByteSource, wantedSheet: string | null): Promise<OpenResult> {
  const bomb = await zipBombProblem(bytes);
  if (bomb) return refuse('malformed', bomb);
  let read = 0;
  const size = bytes.size;
  const input = bytes.stream(0);
  const counting = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      done(null, chunk);
    },
  });
  input.on('error', (e) => counting.destroy(e));
  input.pipe(counting);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(counting, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore' });
  const internals = reader as unknown as ReaderInternals;
  const sheets = reader[Symbol.asyncIterator]();
  const close = () => {
    input.destroy();
    counting.destroy();
  };

  const sheetNumber = (): { number: number | null; name: string | null; names: string[] } => {
    const all = internals.model?.sheets ?? [];
    const names = all.map((s) => s.name);
    const sheet = wantedSheet === null ? all[0] : all.find((s) => s.name === wantedSheet);
    const target = sheet ? internals.workbookRels?.find((r) => r.Id === sheet.rId)?.Target : undefined;
    const match = target ? /sheet(\d+)\.xml$/.exec(target) : null;
    return { number: match ? Number(match[1]) : sheet ? sheet.id : null, name: sheet?.name ?? null, names };
  };

  let worksheet: AsyncGenerator<ExcelJS.Row> | null = null;
  let sheetName: string | null = null;
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      const wanted = sheetNumber();
      if (wanted.number === null) {
        close();
        return refuse('sheet', wantedSheet === null ? 'the workbook has no worksheet' : `the workbook has no sheet named "${wantedSheet}" (its sheets: ${wanted.names.join(', ')})`);
      }
      const ws = next.value as unknown as { id: number; [Symbol.asyncIterator](): AsyncGenerator<ExcelJS.Row> };
      if (Number(ws.id) === wanted.number) {
        worksheet = ws[Symbol.asyncIterator]();
        sheetName = wanted.name;
        break;
      }
      // Another sheet: skip its rows.
      for await (const _row of ws) void _row;
    }
  } catch (error) {
    close();
    return refuse('malformed', `the file is not a readable XLSX workbook: ${(error as Error).message}`);
  }
  if (!worksheet) {
    close();
    return refuse('sheet', wantedSheet === null ? 'the workbook has no worksheet' : `the workbook has no sheet named "${wantedSheet}"`);
  }

  // The header: the first row with any text.
  let headerRow: ExcelJS.Row | null = null;
  try {
    for (;;) {
      const next = await worksheet.next();
      if (next.done) break;
      if (rowCells(next.value.values).length > 0) {
        headerRow = next.value;
        break;
      }
    }
  } catch (error) {
    close();
    return refuse('malformed', `the worksheet cannot be read: ${(error as Error).message}`);
  }
  if (!headerRow) {
    close();
    return refuse('no-header', `the sheet "${sheetName ?? ''}" is empty`);
  }
  const headerCells = rowCells(headerRow.values);
  if (headerCells.length > IMPORT_LIMITS.maxColumns) {
    close();
    return refuse('too-many-columns', `the sheet has ${headerCells.length.toLocaleString('en')} columns; an import takes at most ${IMPORT_LIMITS.maxColumns.toLocaleString('en')}`);
  }
  const headers = uniqueHeaders(headerCells);
  const rest = worksheet;

  async function* xlsxRows(): AsyncGenerator<SourceRow> {
    try {
      for (;;) {
        const next = await rest.next();
        if (next.done) break;
        const cells = rowCells(next.value.values);
        if (cells.length === 0 || cells.every((c) => c.trim() === '')) continue;
        // Spreadsheets leave trailing blank cells out; only extra cells make a row ragged.
        while (cells.length < headers.length) cells.push('');
        yield { cells, row: next.value.number };
      }
    } catch (error) {
      throw new SourceError('malformed', `the worksheet cannot be read: ${(error as Error).message}`);
    } finally {
      close();
    }
  }

  return {
    ok: true,
    source: { format: 'xlsx', headers, encoding: null, delimiter: null, sheet: sheetName, totalBytes: size, bytesRead: () => read, rows: xlsxRows, close },
  };
}
