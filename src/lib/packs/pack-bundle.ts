/**
 * A pack in one JSON document, for upload and download in the browser and for `peyvand pack
 * export|apply <file.json>`: every file of the pack by its path, texts as they are (CSV byte for
 * byte), with a format name and version so that a later platform can tell what it reads.
 *
 *   {
 *     "format": "peyvand-pack-bundle",
 *     "formatVersion": 1,
 *     "name": "b2b-sales",
 *     "version": "1.0.0",
 *     "files": { "entities/company.json": "{\n  \"$id\": \"company\", …", "pack.json": "…" }
 *   }
 */
import type { PackIssue, SourceFile } from '../model/load-pack.ts';

export const PACK_BUNDLE_FORMAT = 'peyvand-pack-bundle';
export const PACK_BUNDLE_FORMAT_VERSION = 1;
export const MAX_BUNDLE_BYTES = 64_000_000;
export const MAX_PACK_FILES = 5000;

export interface PackBundle {
  readonly format: typeof PACK_BUNDLE_FORMAT;
  readonly formatVersion: typeof PACK_BUNDLE_FORMAT_VERSION;
  readonly name: string;
  readonly version: string;
  /** Path in the pack → the file's text, in path order. */
  readonly files: Readonly<Record<string, string>>;
}

/** A path a pack file may have: one folder level at most, no hidden or parent segments. */
const PACK_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/;

export function isPackPath(path: string): boolean {
  return PACK_PATH.test(path);
}

export function sortFiles(files: readonly SourceFile[]): SourceFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The bundle of a pack's files (their manifest names the pack). */
export function packBundle(files: readonly SourceFile[]): PackBundle {
  const manifest = files.find((f) => f.path === 'pack.json');
  const doc = manifest ? (JSON.parse(manifest.text) as { name?: unknown; version?: unknown }) : {};
  return {
    format: PACK_BUNDLE_FORMAT,
    formatVersion: PACK_BUNDLE_FORMAT_VERSION,
    name: typeof doc.name === 'string' ? doc.name : '',
    version: typeof doc.version === 'string' ? doc.version : '',
    files: Object.fromEntries(sortFiles(files).map((f) => [f.path, f.text])),
  };
}

/** The bundle as a file: two-space JSON with a final newline (equal packs, equal bytes). */
export function packBundleText(files: readonly SourceFile[]): string {
  return `${JSON.stringify(packBundle(files), null, 2)}\n`;
}

export type ReadBundleResult = { readonly ok: true; readonly files: readonly SourceFile[] } | { readonly ok: false; readonly issues: readonly PackIssue[] };

const BUNDLE = '(bundle)';

/** The files of a bundle (its text, or the document already parsed), or why it is not one. */
export function readPackBundle(input: string | unknown): ReadBundleResult {
  const issue = (pointer: string, message: string): ReadBundleResult => ({ ok: false, issues: [{ file: BUNDLE, pointer, message }] });
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_BUNDLE_BYTES) return issue('', `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
    try {
      doc = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (error) {
      return issue('', `the bundle is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return issue('', 'a pack bundle is a JSON object with "format", "formatVersion" and "files"');
  const bundle = doc as Record<string, unknown>;
  if (bundle.format !== PACK_BUNDLE_FORMAT) return issue('/format', `this is not a Peyvand pack bundle ("format" must be "${PACK_BUNDLE_FORMAT}")`);
  if (bundle.formatVersion !== PACK_BUNDLE_FORMAT_VERSION) {
    return issue('/formatVersion', `bundle format version ${JSON.stringify(bundle.formatVersion)} is not supported; this platform reads version ${PACK_BUNDLE_FORMAT_VERSION}`);
  }
  const raw = bundle.files;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return issue('/files', '"files" must be an object of paths and texts');
  const entries = Object.entries(raw);
  if (entries.length > MAX_PACK_FILES) return issue('/files', `a pack holds at most ${MAX_PACK_FILES} files`);
  const issues: PackIssue[] = [];
  const files: SourceFile[] = [];
  for (const [path, text] of entries) {
    const pointer = `/files/${path.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (!isPackPath(path)) issues.push({ file: BUNDLE, pointer, message: `"${path}" is not a path a pack file can have` });
    else if (typeof text !== 'string') issues.push({ file: BUNDLE, pointer, message: 'a file must be given as its text' });
    else files.push({ path, text });
  }
  for (const key of ['name', 'version'] as const) {
    const value = bundle[key];
    if (value !== undefined && typeof value !== 'string') issues.push({ file: BUNDLE, pointer: `/${key}`, message: `"${key}" must be a text` });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, files: sortFiles(files) };
}
