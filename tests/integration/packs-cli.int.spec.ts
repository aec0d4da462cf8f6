/**
 * `peyvand pack validate|plan|apply|export` as a consultant runs them: folders and bundle files,
 * --json, conflicts with a change made in the designer resolved with --resolve, downgrades, and
 * the exit codes (0 done, 1 refused, 2 usage).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSystemTables, openDatabase } from '../../src/lib/server/db/database.ts';
import { applyEntityChange, getEntityDocument } from '../../src/lib/server/designer/designer-service.ts';
import { readPackBundle } from '../../src/lib/packs/pack-bundle.ts';

const BIN = resolve('bin/peyvand.js');
const CONFLICT = 'entities/contact.json#/properties/email/title';

function run(args: string[], dataDir: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, PEYVAND_DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function writePack(dir: string, version: string, emailTitle: string): Promise<void> {
  await mkdir(join(dir, 'entities'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'pack.json'), JSON.stringify({ name: 'crm-lite', version, title: 'CRM lite' }));
  await writeFile(
    join(dir, 'entities', 'contact.json'),
    JSON.stringify({ $id: 'contact', type: 'object', properties: { full_name: { type: 'string', title: 'Full name' }, email: { type: 'string', format: 'email', title: emailTitle } }, required: ['full_name'] }),
  );
  await writeFile(join(dir, 'data', 'contact.csv'), 'full_name,email\r\n"Smith, Jane",jane@example.com\r\n');
}

describe('peyvand pack (CLI)', () => {
  let dir: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-pack-cli-'));
    data = join(dir, 'data');
    await writePack(join(dir, 'v1'), '1.0.0', 'Email');
    await writePack(join(dir, 'v11'), '1.1.0', 'Email address');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate, apply, export as a folder and as a bundle; export refuses a folder that is not a pack', async () => {
    const valid = run(['pack', 'validate', join(dir, 'v1'), '--json'], data);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ ok: true, pack: { name: 'crm-lite', version: '1.0.0' }, files: ['data/contact.csv', 'entities/contact.json', 'pack.json'] });

    const applied = run(['pack', 'apply', join(dir, 'v1')], data);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied pack crm-lite@1.0.0: model version 1.');
    expect(applied.stdout).toContain('+ entity contact (2 fields)');

    const folder = run(['pack', 'export', join(dir, 'out'), '--json'], data);
    expect(folder.code).toBe(0);
    expect(JSON.parse(folder.stdout)).toMatchObject({ ok: true, format: 'folder', files: ['data/contact.csv', 'entities/contact.json', 'pack.json'] });
    expect(await readFile(join(dir, 'out', 'data', 'contact.csv'), 'utf8')).toBe('full_name,email\r\n"Smith, Jane",jane@example.com\r\n');
    expect(await readFile(join(dir, 'out', 'pack.json'), 'utf8')).toBe('{\n  "name": "crm-lite",\n  "version": "1.0.0",\n  "title": "CRM lite"\n}\n');

    const bundle = run(['pack', 'export', join(dir, 'crm-lite.json'), '--pack', 'crm-lite'], data);
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toContain('one bundle file, 3 files');
    const read = readPackBundle(await readFile(join(dir, 'crm-lite.json'), 'utf8'));
    expect(read.ok && read.files.map((f) => f.path)).toEqual(['data/contact.csv', 'entities/contact.json', 'pack.json']);
    expect(run(['pack', 'validate', join(dir, 'crm-lite.json')], data).stdout).toContain('pack crm-lite@1.0.0 is valid');

    await mkdir(join(dir, 'notes'));
    await writeFile(join(dir, 'notes', 'todo.txt'), 'mine');
    const refused = run(['pack', 'export', join(dir, 'notes')], data);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not a pack folder/);
    expect(await readFile(join(dir, 'notes', 'todo.txt'), 'utf8')).toBe('mine');
  }, 180_000);

  it('a label edited in the designer and changed by the pack: plan shows the conflict, apply refuses (1) until --resolve', async () => {
    const database = await openDatabase({ dataDir: data });
    try {
      await migrateSystemTables(database);
      const stored = await getEntityDocument(database, 'contact');
      const doc = structuredClone(stored?.document) as { properties: { email: { title: string } } };
      doc.properties.email.title = 'Work e-mail';
      const edited = await applyEntityChange(database, { document: doc, previousName: 'contact', allowDestructive: false }, null);
      expect(edited.ok).toBe(true);
    } finally {
      await database.close();
    }

    const plan = run(['pack', 'plan', join(dir, 'v11'), '--json'], data);
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { status: string; refusals: string[]; conflicts: { id: string; base: string; mine: string; pack: string }[] };
    expect(planned).toMatchObject({ status: 'planned', refusals: ['conflicts'], conflicts: [{ id: CONFLICT, base: 'Email', mine: 'Work e-mail', pack: 'Email address' }] });

    const refused = run(['pack', 'apply', join(dir, 'v11')], data);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('was NOT applied');
    expect(refused.stdout).toContain(`✗ ${CONFLICT} (edit; unresolved: keeping mine for now)`);
    expect(refused.stdout).toContain('--resolve <id>=mine|pack');

    expect(run(['pack', 'apply', join(dir, 'v11'), '--resolve', `${CONFLICT}=theirs`], data).code).toBe(2);
    expect(run(['pack', 'apply', join(dir, 'v11'), '--resolve-all', 'everything'], data).code).toBe(2);

    const applied = run(['pack', 'apply', join(dir, 'v11'), '--resolve', `${CONFLICT}=mine`, '--json'], data);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, status: 'applied', change: 'upgrade', conflicts: [{ id: CONFLICT, resolution: 'mine' }] });
    const exported = run(['pack', 'export', join(dir, 'after')], data);
    expect(exported.code).toBe(0);
    const contact = JSON.parse(await readFile(join(dir, 'after', 'entities', 'contact.json'), 'utf8')) as { properties: { email: { title: string } } };
    expect(contact.properties.email.title).toBe('Work e-mail');
    expect(run(['pack', 'apply', join(dir, 'v11'), '--resolve', `${CONFLICT}=mine`], data).stdout).toContain('is already applied; nothing to do');
  }, 180_000);

  it('applying the older bundle needs --allow-downgrade', () => {
    const refused = run(['pack', 'apply', join(dir, 'crm-lite.json')], data);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('1.0.0 is older than the installed 1.1.0: confirm the downgrade with --allow-downgrade');
    const applied = run(['pack', 'apply', join(dir, 'crm-lite.json'), '--allow-downgrade', '--resolve-all', 'pack'], data);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied pack crm-lite@1.0.0 (downgrade from 1.1.0)');
  }, 120_000);

  it('refuses a file that is no bundle, and usage errors exit 2', async () => {
    await writeFile(join(dir, 'bogus.json'), JSON.stringify({ format: 'zip', files: {} }));
    const bogus = run(['pack', 'validate', join(dir, 'bogus.json'), '--json'], data);
    expect(bogus.code).toBe(1);
    expect(JSON.parse(bogus.stdout)).toMatchObject({ ok: false, issues: [{ file: '(bundle)', pointer: '/format' }] });
    expect(run(['pack', 'frobnicate', join(dir, 'v1')], data).code).toBe(2);
    expect(run(['pack', 'export'], data).code).toBe(2);
    expect(run(['help'], data).stdout).toContain('pack export <dir|file.json>');
  }, 60_000);
});
