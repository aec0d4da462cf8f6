/**
 * Every pack in packs/ (new ones are picked up as they are added): apply on an empty database →
 * export → apply the export on another empty database → export again gives the same bytes, as a
 * folder and as a bundle; and the first export says what the pack says (JSON equal as values,
 * CSV byte for byte).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { loadPackFiles, type SourceFile } from '../../src/lib/model/load-pack.ts';
import { packBundleText, readPackBundle } from '../../src/lib/packs/pack-bundle.ts';
import { sameJson } from '../../src/lib/packs/pack-json.ts';
import { exportInstalledPack, installPackFiles } from '../../src/lib/server/packs/pack-service.ts';
import { readPackFiles, readPackInput } from '../../src/lib/server/packs/read-pack.ts';
import { writePackOutput } from '../../src/lib/server/packs/write-pack.ts';

const PACKS = fileURLToPath(new URL('../../packs/', import.meta.url));

interface PackOnDisk {
  readonly name: string;
  readonly dir: string;
  readonly requires: readonly string[];
}

/** The folders of packs/, each after the packs it requires. */
function packsOnDisk(): PackOnDisk[] {
  const all = readdirSync(PACKS)
    .filter((name) => statSync(join(PACKS, name)).isDirectory())
    .sort()
    .map((folder) => {
      const manifest = JSON.parse(readFileSync(join(PACKS, folder, 'pack.json'), 'utf8')) as { name: string; requires?: { packs?: Record<string, string> } };
      return { name: manifest.name, dir: join(PACKS, folder), requires: Object.keys(manifest.requires?.packs ?? {}) };
    });
  const ordered: PackOnDisk[] = [];
  const visit = (pack: PackOnDisk) => {
    if (ordered.includes(pack)) return;
    for (const name of pack.requires) {
      const required = all.find((p) => p.name === name);
      if (required) visit(required);
    }
    ordered.push(pack);
  };
  all.forEach(visit);
  return ordered;
}

async function install(t: TestDatabase, files: readonly SourceFile[]) {
  const report = await installPackFiles(t.database, files, { actorId: null });
  if (report.status !== 'applied') throw new Error(`${report.pack?.name ?? '?'}: ${report.status} ${JSON.stringify(report.issues.length > 0 ? report.issues : report.refusals)}`);
  return report;
}

async function filesOf(dir: string): Promise<readonly SourceFile[]> {
  const read = await readPackFiles(dir);
  if (read.issues.length > 0) throw new Error(JSON.stringify(read.issues));
  return read.files;
}

const packs = packsOnDisk();

describe.each(BACKENDS)('pack round trip on %s', (kind) => {
  let first: TestDatabase;
  let second: TestDatabase;
  let scratch: string;
  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(kind), createTestDatabase(kind)]);
    scratch = await mkdtemp(join(tmpdir(), 'peyvand-round-trip-'));
  });
  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
    await rm(scratch, { recursive: true, force: true });
  });

  it('finds the packs in packs/', () => {
    expect(packs.map((p) => p.name)).toContain('b2b-sales');
  });

  // In dependency order on the same two databases, so a pack that requires another finds it.
  it.each(packs.map((p) => [p.name, p] as const))('%s: export → apply on an empty database → export gives the same bytes', async (name, pack) => {
    const source = await filesOf(pack.dir);
    await install(first, source);
    const exported = await exportInstalledPack(first.database, name);
    if (!exported) throw new Error('not exported');

    // The export says what the pack says.
    expect(exported.map((f) => f.path)).toEqual(source.map((f) => f.path));
    for (const file of source) {
      const out = exported.find((f) => f.path === file.path)?.text ?? '';
      if (file.path.endsWith('.csv')) expect(out, file.path).toBe(file.text);
      else expect(sameJson(JSON.parse(out), JSON.parse(file.text)), file.path).toBe(true);
    }
    // Entities keep their field order.
    for (const file of source.filter((f) => f.path.startsWith('entities/'))) {
      const fields = (text: string) => Object.keys((JSON.parse(text) as { properties: object }).properties);
      expect(fields(exported.find((f) => f.path === file.path)?.text ?? '{"properties":{}}'), file.path).toEqual(fields(file.text));
    }

    // Through a folder on disk, onto an empty database, and back.
    const folder = join(scratch, `${name}-${kind}`);
    await writePackOutput(folder, exported);
    await install(second, await filesOf(folder));
    const again = await exportInstalledPack(second.database, name);
    expect(again).toEqual(exported);

    // As one bundle file: the same bytes again, and the same files when read back.
    const bundle = join(scratch, `${name}-${kind}.json`);
    await writePackOutput(bundle, exported);
    expect(readFileSync(bundle, 'utf8')).toBe(packBundleText(again ?? []));
    const read = await readPackInput(bundle);
    expect(read.from).toBe('bundle');
    expect(read.files).toEqual(exported);
    const reread = readPackBundle(readFileSync(bundle, 'utf8'));
    expect(reread.ok && loadPackFiles(reread.files).ok).toBe(true);
  }, 120_000);
});
