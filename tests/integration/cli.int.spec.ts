/** The `peyvand` command as a user runs it: exit codes, --json, and the embedded-database lock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { B2B_VERSION } from '../support/packs.ts';
import { createPostgresDatabase } from '../support/databases.ts';

const BIN = resolve('bin/peyvand.js');

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, DATABASE_URL: env.DATABASE_URL ?? '' }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('peyvand CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 on a usage error and 0 on help', () => {
    expect(run(['frobnicate'], {}).code).toBe(2);
    expect(run(['pack'], {}).code).toBe(2);
    expect(run(['pack', 'apply', 'x', '--no-such-flag'], {}).code).toBe(2);
    expect(run(['help'], {}).stdout).toContain('pack validate');
  });

  it('validate: exit 0 for a valid pack, 1 with file, pointer and reason for a bad one (--json too)', async () => {
    expect(run(['pack', 'validate', 'packs/b2b-sales'], {}).code).toBe(0);
    const bad = join(dir, 'bad');
    await mkdir(join(bad, 'entities'), { recursive: true });
    await writeFile(join(bad, 'pack.json'), JSON.stringify({ name: 'bad', version: '1.0', title: 'Bad' }));
    await writeFile(join(bad, 'entities', 'thing.json'), JSON.stringify({ $id: 'thing', type: 'object', properties: { 'drop table': { type: 'string', tsType: 'any' } } }));
    const text = run(['pack', 'validate', bad], {});
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('pack.json /version');
    expect(text.stdout).toContain('entities/thing.json /properties/drop table');
    const json = run(['pack', 'validate', bad, '--json'], {});
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; issues: { file: string; pointer: string; message: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.issues.map((i) => i.file)).toEqual(expect.arrayContaining(['pack.json', 'entities/thing.json']));
    expect(parsed.issues.some((i) => i.message.includes('tsType'))).toBe(true);
  }, 60_000);

  it('plan, apply, apply again (no-op) and types on PGlite', async () => {
    const env = { PEYVAND_DATA_DIR: join(dir, 'data') };
    const plan = run(['pack', 'plan', 'packs/b2b-sales', '--json'], env);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { status: string }).status).toBe('planned');
    const apply = run(['pack', 'apply', 'packs/b2b-sales'], env);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(`Applied pack b2b-sales@${B2B_VERSION}`);
    expect(run(['pack', 'apply', 'packs/b2b-sales'], env).stdout).toContain('nothing to do');
    const out = join(dir, 'peyvand.gen.d.ts');
    expect(run(['types', out], env).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('export interface ContactInput');
    const user = run(['user', 'create', '--email', 'ops@example.com', '--name', 'Ops'], env);
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(/one-time password/);
    const token = run(['token', 'create', '--email', 'ops@example.com', '--name', 'script'], env);
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^pvd_[A-Za-z0-9_-]{40,}$/);
    expect(run(['token', 'create', '--email', 'nobody@example.com', '--name', 'x'], env).code).toBe(1);
  }, 120_000);

  it('refuses, with a clear message, to open an embedded database a running server holds', async () => {
    const env = { ...process.env, PEYVAND_DATA_DIR: join(dir, 'locked'), DATABASE_URL: '' };
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start')), 60_000);
        server.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening')) {
            clearTimeout(timer);
            resolvePromise();
          }
        });
      });
      const refused = run(['pack', 'apply', 'packs/b2b-sales'], { PEYVAND_DATA_DIR: join(dir, 'locked') });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by the Peyvand server/);
      expect(refused.stderr).toMatch(/DATABASE_URL/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // After the server stopped, the folder opens again.
    expect(run(['pack', 'apply', 'packs/b2b-sales'], { PEYVAND_DATA_DIR: join(dir, 'locked') }).code).toBe(0);
  }, 120_000);

  it('applies on PostgreSQL through DATABASE_URL', async () => {
    const created = await createPostgresDatabase('peyvand_cli');
    try {
      const applied = run(['pack', 'apply', 'packs/b2b-sales', '--json'], { DATABASE_URL: created.url });
      expect(applied.code).toBe(0);
      expect((JSON.parse(applied.stdout) as { status: string; version: number }).version).toBe(1);
    } finally {
      await created.drop();
    }
  }, 60_000);
});
