/**
 * `peyvand data` as a user runs it: exit codes, --json, --report, --mapping, export files; and an
 * import killed with SIGKILL midway (PostgreSQL) leaves nothing, so that running it again gives
 * exactly the intended records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { BACKENDS, createPostgresDatabase } from '../support/databases.ts';

const BIN = resolve('bin/peyvand.js');

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function writePack(dir: string): Promise<string> {
  const pack = join(dir, 'pack');
  await mkdir(join(pack, 'entities'), { recursive: true });
  await writeFile(join(pack, 'pack.json'), JSON.stringify({ name: 'data-cli', version: '1.0.0', title: 'Data CLI test' }));
  await writeFile(
    join(pack, 'entities', 'company.json'),
    JSON.stringify({ $id: 'company', type: 'object', 'x-title-field': 'name', properties: { name: { type: 'string', minLength: 1, maxLength: 200, 'x-unique': true } }, required: ['name'] }),
  );
  await writeFile(
    join(pack, 'entities', 'contact.json'),
    JSON.stringify({
      $id: 'contact',
      type: 'object',
      title: 'Contact',
      'x-title-field': 'full_name',
      properties: {
        full_name: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name', 'x-labels': { fa: 'نام کامل' } },
        email: { type: 'string', format: 'email', title: 'Email', 'x-unique': true },
        stage: { type: 'string', enum: ['lead', 'customer'], default: 'lead', title: 'Stage' },
        company_id: { type: 'string', format: 'uuid', 'x-ref': 'company', title: 'Company' },
      },
      required: ['full_name', 'email'],
    }),
  );
  return pack;
}

describe('peyvand data (PGlite)', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-data-cli-'));
    env = { PEYVAND_DATA_DIR: join(dir, 'data') };
    const applied = run(['pack', 'apply', await writePack(dir)], env);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 on usage errors', () => {
    expect(run(['data'], env).code).toBe(2);
    expect(run(['data', 'frobnicate'], env).code).toBe(2);
    expect(run(['data', 'import', 'contact'], env).code).toBe(2);
    expect(run(['data', 'import', 'contact', 'x.csv', '--mode', 'sometimes'], env).code).toBe(2);
    expect(run(['data', 'import', 'contact', 'x.csv', '--no-such-flag'], env).code).toBe(2);
    expect(run(['data', 'export', 'contact', 'x.txt'], env).code).toBe(2);
  });

  it('imports, reports problems (--report, --json), and exports a filtered list', async () => {
    const csv = join(dir, 'contacts.csv');
    await writeFile(csv, 'Full name;E-mail;Stage\nSara;sara@x.ir;customer\nAli;=cmd|calc;lead\nMaryam;maryam@x.ir;\n');
    const report = join(dir, 'errors.csv');
    const strict = run(['data', 'import', 'contact', csv, '--report', report], env);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('nothing was imported');
    expect(strict.stdout).toContain('row 3, column "E-mail"');
    expect(strict.stderr).toMatch(/progress: 3 rows \(100%\)/);
    const written = await readFile(report, 'utf8');
    expect(written).toContain("3,E-mail,email,'=cmd|calc,");

    const lenient = run(['data', 'import', 'contact', csv, '--mode', 'valid-rows', '--json'], env);
    expect(lenient.code).toBe(0);
    const result = JSON.parse(lenient.stdout) as { status: string; counts: { created: number; failed: number }; issues: { row: number }[] };
    expect(result).toMatchObject({ status: 'imported', counts: { created: 2, failed: 1 }, issues: [{ row: 3 }] });

    const again = run(['data', 'import', 'contact', csv, '--mode', 'valid-rows', '--dedupe-on', 'email', '--on-duplicate', 'skip', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ counts: { created: 0, skipped: 2, failed: 1 } });

    const out = join(dir, 'customers.csv');
    const exported = run(['data', 'export', 'contact', out, '--filter', JSON.stringify({ field: 'stage', op: 'eq', value: 'customer' })], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('\uFEFFfull_name,email,stage,company_id\r\nSara,sara@x.ir,customer,\r\n');
    const badFilter = run(['data', 'export', 'contact', join(dir, 'x.csv'), '--filter', '{"field":"nope","op":"eq","value":1}'], env);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stdout).toContain('"nope" is not a field of contact');
  });

  it('takes a mapping file, and refuses a bad one naming the JSON pointer', async () => {
    const csv = join(dir, 'people.csv');
    await writeFile(csv, 'Person,Mail,Org\nRoya,roya@x.ir,Kavir\n');
    const mapping = join(dir, 'people.json');
    await writeFile(mapping, JSON.stringify({ entity: 'contact', columns: { Person: 'full_name', Mail: 'email', Org: 'company_id' }, relations: { company_id: { on: 'name', create: true } } }));
    const ok = run(['data', 'import', 'contact', csv, '--mapping', mapping, '--json'], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ counts: { created: 1 }, relatedCreated: 1 });

    await writeFile(mapping, JSON.stringify({ entity: 'contact', columns: { Person: 'full_nam', Mail: 'email' }, onDuplicate: 'replace' }));
    const bad = run(['data', 'import', 'contact', csv, '--mapping', mapping], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${mapping} /onDuplicate`);
  });

  it('refuses a binary file and a file with too many columns, exit 1 and nothing imported', async () => {
    const png = join(dir, 'photo.csv');
    await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
    const binary = run(['data', 'import', 'contact', png], env);
    expect(binary.code).toBe(1);
    expect(binary.stdout).toContain('PNG image');
    const wide = join(dir, 'wide.csv');
    await writeFile(wide, `${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\n`);
    const tooWide = run(['data', 'import', 'contact', wide, '--json'], env);
    expect(tooWide.code).toBe(1);
    expect(JSON.parse(tooWide.stdout)).toMatchObject({ status: 'refused', code: 'too-many-columns' });
  });

  it('suggests a mapping from labels', async () => {
    const csv = join(dir, 'fa.csv');
    await writeFile(csv, 'نام کامل,Email,Something else\nسارا,s@x.ir,x\n');
    const suggested = run(['data', 'suggest', 'contact', csv], env);
    expect(suggested.code).toBe(0);
    expect(JSON.parse(suggested.stdout)).toMatchObject({ entity: 'contact', columns: { 'نام کامل': 'full_name', Email: 'email', 'Something else': null } });
  });
});

describe.runIf(BACKENDS.includes('postgres'))('an import killed midway (PostgreSQL)', () => {
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  const ROWS = 150_000;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peyvand-data-kill-'));
    db = await createPostgresDatabase('peyvand_data_kill');
    const applied = run(['pack', 'apply', await writePack(dir)], { DATABASE_URL: db.url });
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const out = createWriteStream(join(dir, 'big.csv'));
    out.write('full_name,email,stage\n');
    for (let i = 0; i < ROWS; i += 1000) {
      let chunk = '';
      for (let j = i; j < i + 1000; j++) chunk += `Person ${j},person${j}@example.com,${j % 2 ? 'lead' : 'customer'}\n`;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }, 120_000);
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function counts(): Promise<{ contacts: number; distinct: number; audit: number; outbox: number }> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ contacts: string; distinct: string; audit: string; outbox: string }>(
        `select (select count(*) from data.contact) as contacts, (select count(distinct email) from data.contact) as distinct,
                (select count(*) from peyvand.audit_log) as audit, (select count(*) from peyvand.outbox) as outbox`,
      );
      const row = r.rows[0];
      return { contacts: Number(row?.contacts), distinct: Number(row?.distinct), audit: Number(row?.audit), outbox: Number(row?.outbox) };
    } finally {
      await client.end();
    }
  }

  it('leaves no partial rows, and the same command again imports exactly the file', async () => {
    const file = join(dir, 'big.csv');
    const child = spawn(process.execPath, [BIN, 'data', 'import', 'contact', file], { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const progressed = new Promise<number>((resolveRows, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const last = [...stderr.matchAll(/progress: ([\d,]+) rows/g)].at(-1);
        const rows = last ? Number(last[1]?.replace(/,/g, '')) : 0;
        if (rows >= 2000) resolveRows(rows);
      });
      child.on('exit', (code) => reject(new Error(`the import ended (${code}) before it was killed:\n${stderr}`)));
    });
    const seen = await progressed;
    expect(seen).toBeLessThan(ROWS);
    child.kill('SIGKILL');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(code).toBeNull();
    expect(signal).toBe('SIGKILL');

    expect(await counts()).toEqual({ contacts: 0, distinct: 0, audit: 0, outbox: 0 });

    const again = run(['data', 'import', 'contact', file, '--json'], { DATABASE_URL: db.url });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'imported', counts: { rows: ROWS, created: ROWS, failed: 0 } });
    expect(await counts()).toEqual({ contacts: ROWS, distinct: ROWS, audit: ROWS, outbox: ROWS });
  }, 240_000);
});
