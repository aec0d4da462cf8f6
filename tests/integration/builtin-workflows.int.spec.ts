/**
 * The workflows shipped in `workflows/` on the demo pack and its seed data, as `serve --demo`
 * installs them: the birthday greeting in the owner's time zone, the first-anniversary thank-you,
 * and the follow-up of deals quiet for 14 days.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { startTestJobs, waitFor } from '../support/jobs.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { readSeedData } from '../../src/lib/server/packs/read-pack.ts';
import { seedData } from '../../src/lib/server/packs/seed.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { installBuiltinWorkflows } from '../../src/lib/server/rules/builtin-workflows.ts';
import { fireDateTriggers, fireSchedules } from '../../src/lib/server/jobs/scheduler.ts';
import { listRuns } from '../../src/lib/server/rules/workflow-service.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { Jobs } from '../../src/lib/server/jobs/jobs.ts';
import type { MemoryMailer } from '../../src/lib/server/rules/outbound/mailer.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

describe.each(BACKENDS)('built-in workflows on the demo data (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let jobs: Jobs;
  let mailer: MemoryMailer;
  let stop: () => Promise<void>;
  let ownerId: string;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_builtin'));
    const owner = await createUser(runtime.database.db, { email: 'owner@example.com', name: 'Owner', password: 'correct horse battery', isAdmin: true });
    if (!owner.ok) throw new Error('no owner');
    ownerId = owner.user.id;
    // The owner works in Tehran: birthdays fire from 09:00 there.
    await runtime.database.db.updateTable('peyvand.users').set({ time_zone: 'Asia/Tehran' }).where('id', '=', ownerId).execute();
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok) throw new Error(applied.issues.map((i) => i.message).join('\n'));
    await seedData(runtime.database, (await runtime.refresh()).model, await readSeedData(B2B_SALES), ownerId);
    const installed = await installBuiltinWorkflows(runtime.database, null);
    expect(installed.skipped).toEqual([]);
    expect(installed.installed.sort()).toEqual(['birthday_greeting', 'first_anniversary_thanks', 'stale_deal_follow_up']);
    await runtime.refresh();
    const started = await startTestJobs(runtime, 'in-process');
    ({ jobs, stop } = started);
    mailer = started.services.mailer;
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    await dispose?.();
  });

  const options = () => ({ db: runtime.database.db, model: () => runtime.current().model });
  const settled = (workflow: string, count: number) =>
    waitFor(async () => {
      const { runs } = await listRuns(runtime.database.db, { workflow });
      return runs.length >= count && runs.every((r) => r.status === 'done') ? runs : undefined;
    }, `${workflow} runs`);

  it('greets Jane Smith on her birthday from 09:00 in her owner\'s zone, once', async () => {
    // Jane's birthday is 12 March; 05:00 UTC is 08:30 in Tehran (too early), 06:00 UTC is 09:30.
    await jobs.queue.enqueue(await fireDateTriggers({ ...options(), now: () => new Date('2027-03-12T05:00:00Z') }));
    expect((await listRuns(runtime.database.db, { workflow: 'birthday_greeting' })).runs).toHaveLength(0);
    await jobs.queue.enqueue(await fireDateTriggers({ ...options(), now: () => new Date('2027-03-12T06:00:00Z') }));
    await jobs.queue.enqueue(await fireDateTriggers({ ...options(), now: () => new Date('2027-03-12T12:00:00Z') }));
    const runs = await settled('birthday_greeting', 1);
    expect(runs).toHaveLength(1);
    expect(mailer.sent.filter((m) => m.subject === 'Happy birthday, Jane Smith!').map((m) => m.to)).toEqual([['jane.smith@acme.example']]);
    const task = await runtime.database.db.selectFrom('peyvand.tasks').selectAll().where('workflow', '=', 'birthday_greeting').executeTakeFirstOrThrow();
    expect(task.title).toBe('Call Jane Smith: it is their birthday');
    expect(task.assignee_id).toBe(ownerId);
  });

  it('thanks a customer one year after they became one, not in other years', async () => {
    const jane = await sql<{ customer_since: string }>`select customer_since::text as customer_since from data.contact where full_name = 'Jane Smith'`.execute(runtime.database.db);
    const since = jane.rows[0]?.customer_since ?? '';
    expect(since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const anniversary = `${Number(since.slice(0, 4)) + 1}${since.slice(4)}`;
    const later = `${Number(since.slice(0, 4)) + 2}${since.slice(4)}`;
    await jobs.queue.enqueue(await fireDateTriggers({ ...options(), now: () => new Date(`${anniversary}T08:00:00Z`) }));
    await jobs.queue.enqueue(await fireDateTriggers({ ...options(), now: () => new Date(`${later}T08:00:00Z`) }));
    await settled('first_anniversary_thanks', 1);
    const thanked = mailer.sent.filter((m) => m.subject.startsWith('Thank you for a year together'));
    expect(thanked.map((m) => m.subject)).toContain('Thank you for a year together, Jane Smith');
    expect(thanked.filter((m) => m.subject.endsWith('Jane Smith'))).toHaveLength(1);
  });

  it('gives the owner a follow-up task for each open deal quiet for exactly 14 days', async () => {
    const open = await sql<{ title: string; updated_at: Date }>`select title, updated_at from data.deal where stage not in ('won', 'lost')`.execute(runtime.database.db);
    expect(open.rows.length).toBeGreaterThan(0);
    // Every seeded deal was last touched today; the schedule fires at 09:00 Tehran (05:30 UTC) 14 calendar days on.
    const first = new Date(Math.min(...open.rows.map((r) => new Date(r.updated_at).getTime())));
    const fire = new Date(first.getTime() + 14 * 86_400_000);
    fire.setUTCHours(5, 31, 0, 0);
    await jobs.queue.enqueue(await fireSchedules({ ...options(), now: () => fire }));
    const day = (d: Date) => Date.parse(d.toISOString().slice(0, 10)) / 86_400_000;
    const quiet = open.rows.filter((r) => day(fire) - day(new Date(r.updated_at)) === 14);
    expect(quiet.length).toBeGreaterThan(0);
    await settled('stale_deal_follow_up', quiet.length);
    const tasks = await runtime.database.db.selectFrom('peyvand.tasks').select(['title', 'assignee_id']).where('workflow', '=', 'stale_deal_follow_up').execute();
    expect(tasks.map((t) => t.title).sort()).toEqual(quiet.map((d) => `Follow up on ${d.title}: no activity for 14 days`).sort());
    expect(new Set(tasks.map((t) => t.assignee_id))).toEqual(new Set([ownerId]));
  });
});
