/** Upload folders left by a process that died are removed when the next one opens its workspace. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importWorkspace } from '../../src/lib/server/data/import-workspace.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';

describe('import workspace', () => {
  const before = process.env.PEYVAND_IMPORT_DIR;
  afterAll(() => {
    if (before === undefined) delete process.env.PEYVAND_IMPORT_DIR;
    else process.env.PEYVAND_IMPORT_DIR = before;
  });

  it('removes the folders of dead processes and keeps its own and unrelated ones', async () => {
    const base = await mkdtemp(join(tmpdir(), 'peyvand-ws-'));
    try {
      process.env.PEYVAND_IMPORT_DIR = base;
      // PIDs above the kernel's limit (4,194,304) cannot belong to a live process.
      const orphan = join(base, 'peyvand-imports-4999999-abcd1234');
      await mkdir(join(orphan, 'upload'), { recursive: true });
      await writeFile(join(orphan, 'upload', 'file'), 'a stranded upload');
      const mine = join(base, `peyvand-imports-${process.pid}-00000000`);
      await mkdir(mine);
      await mkdir(join(base, 'something-else'));
      importWorkspace({} as Runtime);
      for (let i = 0; i < 50 && (await readdir(base)).includes('peyvand-imports-4999999-abcd1234'); i++) await new Promise((r) => setTimeout(r, 20));
      expect((await readdir(base)).sort()).toEqual([`peyvand-imports-${process.pid}-00000000`, 'something-else']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
