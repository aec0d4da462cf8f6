/** `peyvand privacy export|erase` as an operator runs it: output, exit codes, --yes and --as. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { migrateSystemTables, openDatabase, type Database } from '../../src/lib/server/db/database.ts';
import { createRecord } from '../../src/lib/server/records/record-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { must } from '../support/runtime.ts';

const BIN = resolve('bin/peyvand.js');

describe('peyvand privacy', () => {
  let dir: string;
  let url: string;
  let drop: () => Promise<void>;
  let database: Database;
  let id: string;

  function run(args: string[]) {
    const result = spawnSync(process.execPath, [BIN, 'privacy', ...args], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-privacy-'));
    ({ url, drop } = await createPostgresDatabase('peyvand_privacy_cli'));
    const applied = spawnSync(process.execPath, [BIN, 'pack', 'apply', 'packs/b2b-sales'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', timeout: 60_000 });
    expect(applied.status, applied.stderr).toBe(0);
    database = await openDatabase({ url, poolSize: 2 });
    await migrateSystemTables(database);
    const admin = await createUser(database.db, { email: 'dpo@example.com', name: 'DPO', password: 'correct horse battery', isAdmin: true });
    const clerk = await createUser(database.db, { email: 'clerk@example.com', name: 'Clerk', password: 'correct horse battery' });
    if (!admin.ok || !clerk.ok) throw new Error('users');
    const { model } = await loadCurrentModel(database.db);
    const contact = model.entities.find((e) => e.name === 'contact');
    if (!contact) throw new Error('no contact entity');
    const created = must(await createRecord({ db: database.db, actorId: null, access: SYSTEM_ACCESS }, contact, { full_name: 'مریم کریمی', email: 'maryam@example.com', phone: '+989121234567' }));
    id = String(created.id);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 on usage errors, erase without --yes among them', () => {
    expect(run([]).code).toBe(2);
    expect(run(['export', 'contact']).code).toBe(2);
    const refused = run(['erase', 'contact', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
  });

  it('exports to stdout and to a file, and refuses an unknown record with exit 1', async () => {
    const printed = run(['export', 'contact', id]);
    expect(printed.code, printed.stderr).toBe(0);
    expect((JSON.parse(printed.stdout) as { record: { full_name: string } }).record.full_name).toBe('مریم کریمی');
    const out = join(dir, 'maryam.json');
    expect(run(['export', 'contact', id, '--out', out, '--as', 'dpo@example.com']).code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ generatedBy: { email: 'dpo@example.com' }, subject: { entity: 'contact', id } });
    expect(run(['export', 'contact', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']).code).toBe(1);
    expect(run(['export', 'nope', id]).code).toBe(1);
  });

  it('erases with --yes as an administrator only, and a second time finds nothing', async () => {
    const clerk = run(['erase', 'contact', id, '--yes', '--as', 'clerk@example.com']);
    expect(clerk.code).toBe(1);
    expect(clerk.stderr).toContain('not an administrator');
    const erased = run(['erase', 'contact', id, '--yes', '--as', 'dpo@example.com']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toContain('erased');
    const row = await database.db.selectFrom('peyvand.config_log').select(['action', 'subject']).where('kind', '=', 'privacy').orderBy('id').execute();
    expect(row.map((r) => r.action)).toEqual(['export', 'export', 'erase']);
    const again = run(['erase', 'contact', id, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing left to erase');
  });
});
