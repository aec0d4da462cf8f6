/**
 * Guessing passwords: after 10 failures for one email from one address, even the right password
 * is refused (HTTP 429, "try again in N minutes") without being checked; other emails are not
 * affected; a success clears the email's count; 50 failures from one address block it for every
 * email. The counts live in the database, so every server process shares them.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, databaseUrl } from '../support/databases.ts';
import { openTestRuntime, startApiServer, type TestApiServer } from '../support/runtime.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { openDatabase, type Database } from '../../src/lib/server/db/database.ts';
import { signIn } from '../../src/lib/server/auth/users.ts';
import { SIGN_IN_LIMITS } from '../../src/lib/server/auth/rate-limit.ts';
import { makeUser, PASSWORD, trpcReply, type TrpcReply } from './support.ts';

describe.each(BACKENDS)('sign-in brute force (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let server: TestApiServer;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_brute'));
    await makeUser(runtime, 'target@example.com');
    await makeUser(runtime, 'bystander@example.com');
    server = await startApiServer(runtime);
  });

  afterAll(async () => {
    await server.close();
    await dispose();
    expect(server.errors).toEqual([]);
  });

  beforeEach(async () => {
    await runtime.database.db.deleteFrom('peyvand.sign_in_failures').execute();
  });

  async function attempt(email: string, password: string): Promise<TrpcReply> {
    return trpcReply(await fetch(`${server.base}/trpc/auth.signIn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }));
  }

  async function failureRows(): Promise<number> {
    const result = await sql<{ n: string }>`select count(*) as n from peyvand.sign_in_failures`.execute(runtime.database.db);
    return Number(result.rows[0]?.n);
  }

  it('refuses even the right password after 10 failures, with 429 and when to try again', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.perEmailAndAddress; i++) {
      expect((await attempt('target@example.com', `guess number ${i}`)).status).toBe(401);
    }
    const rows = await failureRows();
    const blocked = await attempt('Target@Example.com ', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error?.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', peyvandCode: 'too-many-attempts' });
    expect(blocked.body.error?.message).toMatch(/^Too many sign-in attempts\. Try again in (10|9) minutes\.$/);
    // A refused attempt is not checked, and not counted either.
    expect((await attempt('target@example.com', 'another guess')).status).toBe(429);
    expect(await failureRows()).toBe(rows);
    expect(await runtime.database.db.selectFrom('peyvand.api_tokens').select('id').where('kind', '=', 'session').execute()).toEqual([]);

    // Another account from the same address is not locked out by this one.
    expect((await attempt('bystander@example.com', PASSWORD)).status).toBe(200);
  });

  it('lets the block lapse when the failures leave the window', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.perEmailAndAddress; i++) await attempt('target@example.com', `guess number ${i}`);
    expect((await attempt('target@example.com', PASSWORD)).status).toBe(429);
    await runtime.database.db.updateTable('peyvand.sign_in_failures').set({ at: sql<Date>`now() - interval '11 minutes'` }).execute();
    expect((await attempt('target@example.com', PASSWORD)).status).toBe(200);
  });

  it('a success clears the email’s count', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.perEmailAndAddress - 1; i++) await attempt('target@example.com', `guess number ${i}`);
    expect((await attempt('target@example.com', PASSWORD)).status).toBe(200);
    for (let i = 0; i < SIGN_IN_LIMITS.perEmailAndAddress - 1; i++) {
      expect((await attempt('target@example.com', `guess again ${i}`)).status).toBe(401);
    }
    expect((await attempt('target@example.com', PASSWORD)).status).toBe(200);
  });

  it('blocks an address spraying many emails after 50 failures, whatever the email', async () => {
    // Seeded rather than made one argon2 at a time; the keys are the limiter's own.
    const rows = Array.from({ length: SIGN_IN_LIMITS.perAddress - 1 }, () => ({ key: JSON.stringify(['address', '127.0.0.1']) }));
    await runtime.database.db.insertInto('peyvand.sign_in_failures').values(rows).execute();
    expect((await attempt('nobody-49@example.com', 'spray password')).status).toBe(401);
    const blocked = await attempt('bystander@example.com', PASSWORD);
    expect(blocked.status).toBe(429);
    // A success does not refill the address budget.
    expect(await failureRows()).toBeGreaterThanOrEqual(SIGN_IN_LIMITS.perAddress);
  });

  it('shares the count between server processes (two connections to one database)', async () => {
    if (kind !== 'postgres') return; // PGlite belongs to one process
    const other: Database = await openDatabase({ url: await databaseUrlOf(runtime), poolSize: 2 });
    try {
      for (let i = 0; i < SIGN_IN_LIMITS.perEmailAndAddress; i++) {
        const db = i % 2 === 0 ? runtime.database.db : other.db;
        expect(await signIn(db, { email: 'target@example.com', password: `guess ${i}`, clientAddress: '192.0.2.77' })).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
      }
      expect(await signIn(other.db, { email: 'target@example.com', password: PASSWORD, clientAddress: '192.0.2.77' })).toMatchObject({ ok: false, error: { code: 'too-many-attempts' } });
      expect(await signIn(runtime.database.db, { email: 'target@example.com', password: PASSWORD, clientAddress: '192.0.2.77' })).toMatchObject({ ok: false, error: { code: 'too-many-attempts' } });
      // From another address the owner still gets in.
      expect(await signIn(other.db, { email: 'target@example.com', password: PASSWORD, clientAddress: '192.0.2.78' })).toMatchObject({ ok: true });
    } finally {
      await other.close();
    }
  });
});

/** The connection string of a test runtime's PostgreSQL database. */
async function databaseUrlOf(runtime: Runtime): Promise<string> {
  const result = await sql<{ name: string }>`select current_database() as name`.execute(runtime.database.db);
  return databaseUrl(result.rows[0]?.name ?? '');
}
