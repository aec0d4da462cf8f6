/**
 * Redis goes away while records are written: the writes succeed, their events wait in the outbox
 * and the runs in PostgreSQL, and every run happens once when Redis is back. Also: a Redis that may
 * evict keys is refused at start. Each test starts its own redis-server on a free loopback port.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { must, openTestRuntime } from '../support/runtime.ts';
import { startTestJobs, testQueue, waitFor } from '../support/jobs.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { createRecord, getRecord } from '../../src/lib/server/records/record-service.ts';
import { findEntity, type EntityModel } from '../../src/lib/model/types.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { checkRedis, RedisPolicyError } from '../../src/lib/server/jobs/bullmq-queue.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!BACKENDS.includes('postgres'))('Redis outage', () => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let deal: EntityModel;
  const redises: ChildProcess[] = [];

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime('postgres', 'peyvand_redis'));
    const pack = packOf([entity('deal', { title: { type: 'string', maxLength: 100 }, note: { type: 'string', maxLength: 100 } })], {}, [
      { name: 'stamp', entity: 'deal', trigger: { on: 'record.created' }, actions: [{ id: 'stamp', type: 'update_record', set: { note: 'concat(coalesce(note, ""), "done")' } }] },
    ]);
    const applied = await applyPack(runtime.database, pack, { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    deal = findEntity((await runtime.refresh()).model, 'deal') as EntityModel;
  }, 60_000);

  afterAll(async () => {
    for (const r of redises) await stopRedis(r);
    await dispose?.();
  });

  it('keeps writing while Redis is down and runs every workflow once when it is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const redis = await startRedis(port);
    redises.push(redis);
    const { queue, cleanup } = testQueue('bullmq', url);
    const started = await startTestJobs(runtime, 'bullmq', { queue });
    try {
      const first = must(await createRecord({ db: runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, deal, { title: 'before the outage' }));
      await waitFor(async () => must(await getRecord({ db: runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, deal, first.id)).note === 'done', 'the first run');

      await stopRedis(redis);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(String(must(await createRecord({ db: runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, deal, { title: `during ${i}` })).id));
      // The events became runs in PostgreSQL; none could be queued, none ran.
      await waitFor(async () => {
        const rows = await runtime.database.db.selectFrom('peyvand.workflow_runs').select('status').where('record_id', 'in', ids).execute();
        return rows.length === ids.length;
      }, 'runs for the writes made during the outage');
      await new Promise((resolve) => setTimeout(resolve, 700));
      for (const id of ids) expect(must(await getRecord({ db: runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, deal, id)).note).toBeNull();

      redises.push(await startRedis(port));
      await waitFor(
        async () => {
          const rows = await runtime.database.db.selectFrom('peyvand.workflow_runs').select('status').where('record_id', 'in', ids).execute();
          return rows.every((r) => r.status === 'done');
        },
        'every run to finish after Redis is back',
        30_000,
      );
      for (const id of ids) expect(must(await getRecord({ db: runtime.database.db, actorId: null, access: SYSTEM_ACCESS }, deal, id)).note).toBe('done');
    } finally {
      await started.stop();
      await cleanup();
    }
  }, 60_000);

  it('refuses a Redis whose maxmemory-policy may evict queued jobs', async () => {
    const port = await freePort();
    redises.push(await startRedis(port, ['--maxmemory-policy', 'allkeys-lru']));
    await expect(checkRedis(`redis://127.0.0.1:${port}`)).rejects.toThrow(RedisPolicyError);
    await expect(checkRedis(`redis://127.0.0.1:${port}`)).rejects.toThrow(/noeviction/);
  });
});
