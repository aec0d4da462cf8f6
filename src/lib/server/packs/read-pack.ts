/** Reads a pack folder from disk into a `PackSource` (the pure loader does the rest). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { PackSource, SourceFile } from '../../model/load-pack.ts';

export class PackReadError extends Error {
  readonly code = 'PACK_READ';
}

async function readIfExists(path: string, root: string): Promise<SourceFile | null> {
  try {
    return { path: relative(root, path), text: await readFile(path, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function jsonFiles(dir: string, root: string): Promise<SourceFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: SourceFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = await readIfExists(join(dir, name), root);
    if (file) files.push(file);
  }
  return files;
}

export async function readPackFolder(dir: string): Promise<PackSource> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new PackReadError(`${dir} is not a folder (a pack is a folder with pack.json and entities/)`);
  return {
    manifest: await readIfExists(join(dir, 'pack.json'), dir),
    entities: await jsonFiles(join(dir, 'entities'), dir),
    workflows: await jsonFiles(join(dir, 'workflows'), dir),
  };
}

/** Seed data files `data/<entity>.csv`, in the order of the entities (referenced ones first). */
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
