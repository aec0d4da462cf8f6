/**
 * Writes an exported pack to disk: a folder in the pack layout, or one bundle file (`.json`).
 * Into an existing pack folder, files of the pack's kinds that the export no longer has are
 * removed (a removed entity leaves no stale file); other files (a README) are left alone.
 * A folder that is not empty and holds no pack.json is refused, so nothing unrelated is touched.
 */
import { lstat, mkdir, readdir, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SourceFile } from '../../model/load-pack.ts';
import { classifyPackFile } from '../../packs/kinds/registry.ts';
import { packBundleText } from '../../packs/pack-bundle.ts';

export class PackWriteError extends Error {
  readonly code = 'PACK_WRITE';
}

export async function writePackOutput(target: string, files: readonly SourceFile[]): Promise<'folder' | 'bundle'> {
  if (target.endsWith('.json')) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, packBundleText(files));
    return 'bundle';
  }
  await writePackFolder(target, files);
  return 'folder';
}

export async function writePackFolder(dir: string, files: readonly SourceFile[]): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info && !info.isDirectory()) throw new PackWriteError(`${dir} exists and is not a folder`);
  if (info) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes('pack.json')) throw new PackWriteError(`${dir} is not empty and is not a pack folder (no pack.json); choose an empty or new folder`);
    await removeStale(dir, new Set(files.map((f) => f.path)));
  }
  for (const file of files) {
    const path = join(dir, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    // A symbolic link in the folder (entities/ → elsewhere, or a file → ~/.bashrc) would send the write
    // outside the pack: refused rather than followed.
    await refuseLinks(dir, file.path);
    await writeFile(path, file.text);
  }
}

async function refuseLinks(dir: string, relative: string): Promise<void> {
  let at = dir;
  for (const part of relative.split('/')) {
    at = join(at, part);
    const info = await lstat(at).catch(() => null);
    if (info?.isSymbolicLink()) throw new PackWriteError(`${at} is a symbolic link; a pack is not written through links`);
  }
}

async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && classifyPackFile(entry.name) && !keep.has(entry.name)) await unlink(join(dir, entry.name));
    if (!entry.isDirectory()) continue;
    const inner = await readdir(join(dir, entry.name), { withFileTypes: true });
    let left = inner.length;
    for (const file of inner) {
      const path = `${entry.name}/${file.name}`;
      if (file.isFile() && classifyPackFile(path) && !keep.has(path)) {
        await unlink(join(dir, entry.name, file.name));
        left -= 1;
      }
    }
    // A kind's folder this emptied goes too; a folder that was empty already stays.
    if (left === 0 && inner.length > 0) await rmdir(join(dir, entry.name));
  }
}
