/**
 * Crash tests: a `peyvand worker` process (PostgreSQL + BullMQ) is killed with SIGKILL at chosen
 * points of a step, then a fresh worker takes the run over. Internal effects (record update, task)
 * happen exactly once; an external effect killed before its send is sent once, and one killed after
 * the send but before it is recorded is repeated at most once, carrying the same Message-ID /
 * Idempotency-Key so the receiver can drop it.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createPostgresDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { must } from '../support/runtime.ts';
import { REDIS_URL, waitFor } from '../support/jobs.ts';
import { openDatabase, migrateSystemTables, type Database } from '../../src/lib/server/db/database.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { createRecord, getRecord } from '../../src/lib/server/records/record-service.ts';
import { findEntity, type EntityModel } from '../../src/lib/model/types.ts';
import type { FaultPoint } from '../../src/lib/server/jobs/run-executor.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.execPath;

interface Mail {
  readonly messageId: string;
  readonly subject: string;
}
interface Hook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe.skipIf(!BACKENDS.includes('postgres'))('workflow runs survive a killed worker', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let url: string;
  let deal: EntityModel;
  let smtp: SMTPServer;
  let http: Server;
  let smtpPort = 0;
  let httpPort = 0;
  const mails: Mail[] = [];
  const hooks: Hook[] = [];
  const prefix = `peyvand-crash-${randomUUID().slice(0, 8)}`;
  const workers = new Set<ChildProcess>();

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          mails.push({ messageId: /^Message-ID: (.+)$/im.exec(raw)?.[1]?.trim() ?? '', subject: /^Subject: (.+)$/im.exec(raw)?.[1]?.trim() ?? '' });
          callback();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    smtpPort = (smtp.server.address() as AddressInfo).port;
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;

    const created = await createPostgresDatabase('peyvand_crash');
    url = created.url;
    drop = created.drop;
    database = await openDatabase({ url, poolSize: 3 });
    await migrateSystemTables(database);
    const pack = packOf(
      [entity('deal', { title: { type: 'string', maxLength: 200 }, note: { type: 'string', maxLength: 200 } }, { required: ['title'] })],
      {},
      [
        {
          name: 'on_deal',
          entity: 'deal',
          trigger: { on: 'record.created' },
          actions: [
            { id: 'mark', type: 'update_record', set: { note: 'concat(coalesce(note, ""), "+")' } },
            { id: 'task', type: 'create_task', title: 'Call about {{record.title}}' },
            { id: 'tell', type: 'send_email', to: 'boss@example.com', subject: 'New deal {{record.title}}', text: 'See {{record.title}}' },
            { id: 'hook', type: 'call_webhook', url: `http://127.0.0.1:${httpPort}/deal`, body: '{"title": "{{record.title}}"}' },
          ],
        },
      ],
    );
    const applied = await applyPack(database, pack, { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    deal = findEntity((await loadCurrentModel(database.db)).model, 'deal') as EntityModel;
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await database?.close();
    await drop?.();
    smtp?.close();
    http?.closeAllConnections();
    await new Promise<void>((resolve) => http?.close(() => resolve()));
    // The worker's BullMQ keys.
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Starts a worker; resolves with its exit once it is killed (by the fault) or stopped. */
  function startWorker(fault?: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } {
    let output = '';
    const child = spawn(NODE, [`${ROOT}/bin/peyvand.js`, 'worker'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        REDIS_URL,
        PEYVAND_QUEUE_PREFIX: prefix,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        PEYVAND_MAIL_FROM: 'crm@peyvand.test',
        PEYVAND_HTTP_ALLOW: `127.0.0.1:${httpPort}`,
        PEYVAND_LEASE_MS: '1000',
        ...(fault ? { PEYVAND_FAULT: fault } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.add(child);
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        workers.delete(child);
        resolve({ code, signal });
      }),
    );
    return { child, exited, output: () => output };
  }

  async function runStatus(recordId: string): Promise<string | undefined> {
    const row = await database.db.selectFrom('peyvand.workflow_runs').select('status').where('record_id', '=', recordId).executeTakeFirst();
    return row?.status;
  }

  const cases: { point: FaultPoint; step: string; emails: number; hooks: number; kills?: number }[] = [
    { point: 'before-effect', step: 'mark', emails: 1, hooks: 1 },
    { point: 'after-effect', step: 'mark', emails: 1, hooks: 1, kills: 3 },
    { point: 'after-effect', step: 'task', emails: 1, hooks: 1 },
    { point: 'before-send', step: 'tell', emails: 1, hooks: 1 },
    { point: 'after-send', step: 'tell', emails: 2, hooks: 1 },
    { point: 'before-send', step: 'hook', emails: 1, hooks: 1 },
    { point: 'after-send', step: 'hook', emails: 1, hooks: 2 },
  ];

  it.each(cases)('killed at $point of $step: internal effects once, sends $emails email(s) and $hooks webhook call(s) with one key', async ({ point, step, emails, hooks: hookCount, kills = 1 }) => {
    const title = `crash ${point} ${step}`;
    const created = must(await createRecord({ db: database.db, actorId: null, access: SYSTEM_ACCESS }, deal, { title }));
    const id = String(created.id);

    for (let i = 0; i < kills; i++) {
      const doomed = startWorker(`${point}:${step}`);
      const exit = await doomed.exited;
      expect(exit.signal, doomed.output()).toBe('SIGKILL');
      expect(await runStatus(id)).toBe('running');
      // The dead worker's lease (PEYVAND_LEASE_MS) runs out; the next worker's first sweep takes the run over.
      await new Promise((resolve) => setTimeout(resolve, 1200));
    }

    const healthy = startWorker();
    await waitFor(async () => (await runStatus(id)) === 'done', `the run to finish after the crash (worker said: ${healthy.output()})`, 30_000);
    healthy.child.kill('SIGTERM');
    await healthy.exited;

    // Internal effects: exactly once.
    expect(must(await getRecord({ db: database.db, actorId: null, access: SYSTEM_ACCESS }, deal, id)).note).toBe('+');
    const tasks = await sql<{ n: string }>`select count(*) as n from peyvand.tasks where record_id = ${id}`.execute(database.db);
    expect(Number(tasks.rows[0]?.n)).toBe(1);
    // External effects: once, or twice with the same key.
    const sent = mails.filter((m) => m.subject === `New deal ${title}`);
    expect(sent).toHaveLength(emails);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(1);
    const called = hooks.filter((h) => h.body.includes(title));
    expect(called).toHaveLength(hookCount);
    expect(new Set(called.map((h) => h.headers['idempotency-key'])).size).toBe(1);
    const run = await database.db.selectFrom('peyvand.workflow_runs').select('id').where('record_id', '=', id).executeTakeFirstOrThrow();
    expect(called[0]?.headers['idempotency-key']).toBe(`${run.id}:hook`);
  }, 60_000);
});
