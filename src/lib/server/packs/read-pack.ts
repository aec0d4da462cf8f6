/**
 * Reads a pack from disk — a folder, or a bundle file (`<name>.json`) — into its files; the pure
 * loader does the rest. Hidden files (`.DS_Store`, `.gitkeep`) are skipped; symbolic links, nested
 * folders and files that are not UTF-8 text are reported, never followed or guessed at.
 *
 *   const read = await readPackInput('packs/b2b-sales');      // or 'b2b-sales-1.0.0.json'
 *   if (read.issues.length === 0) loadPackFiles(read.files);
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackIssue, PackSource, SourceFile } from '../../model/load-pack.ts';
import { MAX_BUNDLE_BYTES, MAX_PACK_FILES, readPackBundle, sortFiles } from '../../packs/pack-bundle.ts';

export class PackReadError extends Error {
  readonly code = 'PACK_READ';
}

export interface PackRead {
  /** `folder` or `bundle`: what the path was. */
  readonly from: 'folder' | 'bundle';
  readonly files: readonly SourceFile[];
  readonly issues: readonly PackIssue[];
}

const MAX_TOTAL_BYTES = 200_000_000;

/** A folder or a bundle file; a path that is neither is a `PackReadError`. */
export async function readPackInput(path: string): Promise<PackRead> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) return { from: 'folder', ...(await readPackFiles(path)) };
  if (info?.isFile() && path.endsWith('.json')) return { from: 'bundle', ...(await readBundleFile(path, info.size)) };
  throw new PackReadError(`${path} is neither a pack folder (with pack.json) nor a pack bundle (<name>.json)`);
}

async function readBundleFile(path: string, size: number): Promise<{ files: readonly SourceFile[]; issues: readonly PackIssue[] }> {
  if (size > MAX_BUNDLE_BYTES) return { files: [], issues: [{ file: '(bundle)', pointer: '', message: `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes` }] };
  const text = decodeUtf8(await readFile(path));
  if (text === null) return { files: [], issues: [{ file: '(bundle)', pointer: '', message: 'the bundle is not UTF-8 text' }] };
  const read = readPackBundle(text);
  return read.ok ? { files: read.files, issues: [] } : { files: [], issues: read.issues };
}

/** Every file of a pack folder (one level of sub-folders), by its path inside the pack. */
export async function readPackFiles(dir: string): Promise<{ files: readonly SourceFile[]; issues: readonly PackIssue[] }> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new PackReadError(`${dir} is not a folder (a pack is a folder with pack.json and entities/)`);
  const files: SourceFile[] = [];
  const issues: PackIssue[] = [];
  let total = 0;
  const readOne = async (absolute: string, path: string) => {
    if (files.length >= MAX_PACK_FILES) {
      if (files.length === MAX_PACK_FILES) issues.push({ file: path, pointer: '', message: `a pack holds at most ${MAX_PACK_FILES} files` });
      return;
    }
    const bytes = await readFile(absolute);
    total += bytes.length;
    if (total > MAX_TOTAL_BYTES) {
      issues.push({ file: path, pointer: '', message: `the pack is larger than ${MAX_TOTAL_BYTES} bytes` });
      return;
    }
    const text = decodeUtf8(bytes);
    if (text === null) issues.push({ file: path, pointer: '', message: 'the file is not UTF-8 text' });
    else files.push({ path, text });
  };
  for (const entry of await visibleEntries(dir)) {
    if (entry.isFile()) await readOne(join(dir, entry.name), entry.name);
    else if (entry.isDirectory()) {
      for (const inner of await visibleEntries(join(dir, entry.name))) {
        const path = `${entry.name}/${inner.name}`;
        if (inner.isFile()) await readOne(join(dir, entry.name, inner.name), path);
        else issues.push({ file: path, pointer: '', message: inner.isSymbolicLink() ? 'symbolic links are not read' : 'a pack has no folders inside its folders' });
      }
    } else issues.push({ file: entry.name, pointer: '', message: entry.isSymbolicLink() ? 'symbolic links are not read' : 'not a file or a folder' });
  }
  return { files: sortFiles(files), issues };
}

async function visibleEntries(dir: string) {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** UTF-8 text with its byte-order mark kept (CSV files are carried byte for byte), or null. */
function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * A pack folder as the manifest, entities, workflows and its other files. A file that cannot be
 * read as text is a `PackReadError` here; `readPackFiles` reports it as an issue instead.
 */
export async function readPackFolder(dir: string): Promise<PackSource> {
  const read = await readPackFiles(dir);
  if (read.issues.length > 0) throw new PackReadError(read.issues.map((i) => `${i.file}: ${i.message}`).join('; '));
  const under = (folder: string) => read.files.filter((f) => f.path.startsWith(`${folder}/`) && f.path.endsWith('.json'));
  const entities = under('entities');
  const workflows = under('workflows');
  return {
    manifest: read.files.find((f) => f.path === 'pack.json') ?? null,
    entities,
    workflows,
    files: read.files.filter((f) => f.path !== 'pack.json' && !entities.includes(f) && !workflows.includes(f)),
  };
}

/** Seed data files `data/<entity>.csv`, by entity. */
export async function readSeedData(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const dataDir = join(dir, 'data');
  let names: string[] = [];
  try {
    names = await readdir(dataDir);
  } catch {
    return out;
  }
  for (const name of names.filter((n) => n.endsWith('.csv')).sort()) out.set(name.slice(0, -4), await readFile(join(dataDir, name), 'utf8'));
  return out;
}
