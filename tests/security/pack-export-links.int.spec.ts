/** `pack export <dir>` never writes through a symbolic link planted in the folder. */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackWriteError, writePackFolder } from '../../src/lib/server/packs/write-pack.ts';

describe('pack export and symbolic links', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'peyvand-links-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const files = [
    { path: 'pack.json', text: '{"name":"p","version":"1.0.0","title":"P"}\n' },
    { path: 'entities/thing.json', text: '{"$id":"thing"}\n' },
  ];

  it('refuses a folder link and a file link, writing nothing outside the pack', async () => {
    const outside = join(root, 'outside');
    await writeFile(join(root, 'marker'), 'x');
    await mkdir(outside);
    const pack = join(root, 'pack');
    await mkdir(pack);
    await writeFile(join(pack, 'pack.json'), '{}');
    await symlink(outside, join(pack, 'entities'));
    await expect(writePackFolder(pack, files)).rejects.toThrow(PackWriteError);
    expect(await readdir(outside)).toEqual([]);

    const victim = join(root, 'victim.txt');
    await writeFile(victim, 'keep me');
    const second = join(root, 'pack2');
    await mkdir(join(second, 'entities'), { recursive: true });
    await writeFile(join(second, 'pack.json'), '{}');
    await symlink(victim, join(second, 'entities', 'thing.json'));
    await expect(writePackFolder(second, files)).rejects.toThrow(/symbolic link/);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });
});
