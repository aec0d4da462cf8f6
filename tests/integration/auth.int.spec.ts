import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSystemTables, openDatabase, type Database } from '../../src/lib/server/db/database.ts';
import {
  authenticateSession,
  authenticateToken,
  createToken,
  grantableScopes,
  listTokens,
  parseTokenScopes,
  revokeToken,
  revokeUserTokens,
  rotateSession,
} from '../../src/lib/server/auth/tokens.ts';
import {
  changePassword,
  createUser,
  ensureFirstAdmin,
  FIRST_ADMIN_EMAIL,
  findUserByEmail,
  findUserById,
  signIn,
  type User,
} from '../../src/lib/server/auth/users.ts';

const ADDRESS = '192.0.2.10';
const POSTGRES_ADMIN_URL = process.env['PEYVAND_TEST_POSTGRES_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

interface Backend {
  readonly name: string;
  open(): Promise<{ database: Database; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'PGlite',
    async open() {
      const database = await openDatabase({ dataDir: 'memory://' });
      return { database, dispose: () => database.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      // A name we make from hex digits, so it is safe to put in the statement text.
      const name = `peyvand_auth_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      const database = await openDatabase({ url: url.toString() });
      return {
        database,
        async dispose() {
          await database.close();
          const dropper = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
          await dropper.connect();
          await dropper.query(`drop database if exists ${name} with (force)`);
          await dropper.end();
        },
      };
    },
  },
];

describe.each(backends)('auth on $name', (backend) => {
  let database: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ database, dispose } = await backend.open());
    await migrateSystemTables(database);
  });

  afterAll(async () => {
    await dispose();
  });

  beforeEach(async () => {
    // Tokens go with their user (on delete cascade).
    await database.db.deleteFrom('peyvand.users').execute();
    await database.db.deleteFrom('peyvand.sign_in_failures').execute();
  });

  async function makeUser(overrides: Partial<{ email: string; password: string; isAdmin: boolean; mustChangePassword: boolean }> = {}): Promise<User> {
    const result = await createUser(database.db, {
      email: overrides.email ?? 'ada@example.com',
      name: 'Ada Lovelace',
      password: overrides.password ?? 'analytical engine',
      isAdmin: overrides.isAdmin ?? false,
      mustChangePassword: overrides.mustChangePassword ?? false,
    });
    if (!result.ok) throw new Error(result.error.message);
    return result.user;
  }

  async function userCount(): Promise<number> {
    const row = await database.db
      .selectFrom('peyvand.users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  describe('first admin', () => {
    it('is created once, as an admin who must change the one-time password', async () => {
      const first = await ensureFirstAdmin(database.db);
      expect(first).toEqual({ email: FIRST_ADMIN_EMAIL, password: expect.stringMatching(/^[2-9A-HJ-NP-Za-km-z]{20}$/) });
      expect(await ensureFirstAdmin(database.db)).toBeNull();

      const admin = await findUserByEmail(database.db, FIRST_ADMIN_EMAIL);
      expect(admin).toMatchObject({ email: FIRST_ADMIN_EMAIL, isAdmin: true, mustChangePassword: true, disabledAt: null });
      expect(await userCount()).toBe(1);

      const session = await signIn(database.db, { email: FIRST_ADMIN_EMAIL, password: first?.password ?? '', clientAddress: ADDRESS });
      expect(session).toMatchObject({ ok: true, user: { isAdmin: true, mustChangePassword: true } });
    });

    it('is created once when several callers race', async () => {
      // Twenty, not two: argon2 runs on four libuv threads, so hashes finish in batches and several
      // transactions really overlap on PostgreSQL (without the lock this fails on the unique email).
      const results = await Promise.all(Array.from({ length: 20 }, () => ensureFirstAdmin(database.db)));
      expect(results.filter((result) => result !== null)).toHaveLength(1);
      expect(await userCount()).toBe(1);
    });

    it('is not created when any user exists', async () => {
      await makeUser();
      expect(await ensureFirstAdmin(database.db)).toBeNull();
      expect(await findUserByEmail(database.db, FIRST_ADMIN_EMAIL)).toBeNull();
    });
  });

  describe('users', () => {
    it('stores the email trimmed and lower-cased, and finds the user by either spelling', async () => {
      const user = await makeUser({ email: '  Ada@Example.COM ' });
      expect(user.email).toBe('ada@example.com');
      expect(await findUserByEmail(database.db, 'ADA@example.com')).toEqual(user);
      expect(await findUserById(database.db, user.id)).toEqual(user);
      expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    });

    it('refuses a duplicate email, whatever its case', async () => {
      await makeUser();
      const result = await createUser(database.db, { email: 'ADA@example.com', name: 'Other', password: 'another password' });
      expect(result).toMatchObject({ ok: false, error: { code: 'email-taken' } });
      expect(await userCount()).toBe(1);
    });

    it('refuses an implausible email and a short password without writing', async () => {
      for (const email of ['ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com', 'ada@@example.com']) {
        expect(await createUser(database.db, { email, name: 'Ada', password: 'long enough pw' })).toMatchObject({ ok: false, error: { code: 'invalid-email' } });
      }
      expect(await createUser(database.db, { email: 'ada@example.com', name: 'Ada', password: 'short' })).toMatchObject({
        ok: false,
        error: { code: 'password-too-short' },
      });
      expect(await userCount()).toBe(0);
    });

    it('answers null for a malformed id instead of throwing', async () => {
      expect(await findUserById(database.db, "1' or '1'='1")).toBeNull();
    });
  });

  describe('sign-in', () => {
    it('opens a 12-hour session for the right password', async () => {
      const user = await makeUser({ email: 'ada@example.com', password: 'analytical engine' });
      const result = await signIn(database.db, { email: ' ADA@example.com', password: 'analytical engine', clientAddress: ADDRESS });
      if (!result.ok) throw new Error(result.error.message);
      expect(result.user).toEqual({ id: user.id, email: user.email, name: user.name, isAdmin: false, mustChangePassword: false, scopes: null });
      const hours = ((result.expiresAt?.getTime() ?? 0) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(11.9);
      expect(hours).toBeLessThanOrEqual(12.01);
      expect(await authenticateToken(database.db, result.token)).toEqual(result.user);
      expect(await listTokens(database.db, user.id)).toMatchObject([{ id: result.tokenId, kind: 'session' }]);
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      await makeUser();
      const wrong = await signIn(database.db, { email: 'ada@example.com', password: 'difference engine', clientAddress: ADDRESS });
      const unknown = await signIn(database.db, { email: 'nobody@example.com', password: 'analytical engine', clientAddress: ADDRESS });
      const malformed = await signIn(database.db, { email: 'not an email', password: 'analytical engine', clientAddress: ADDRESS });
      expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
      expect(unknown).toEqual(wrong);
      expect(malformed).toEqual(wrong);
      expect(await database.db.selectFrom('peyvand.api_tokens').select('id').execute()).toEqual([]);
    });

    it('refuses a disabled user', async () => {
      const user = await makeUser();
      await database.db.updateTable('peyvand.users').set({ disabled_at: new Date() }).where('id', '=', user.id).execute();
      expect(await signIn(database.db, { email: 'ada@example.com', password: 'analytical engine', clientAddress: ADDRESS })).toMatchObject({
        ok: false,
        error: { code: 'user-disabled' },
      });
    });
  });

  describe('tokens', () => {
    it('round-trips: the token authenticates its user', async () => {
      const user = await makeUser({ isAdmin: true });
      const created = await createToken(database.db, { userId: user.id, name: 'CI import', kind: 'api' });
      expect(created.token).toMatch(/^pvd_[A-Za-z0-9_-]{43}$/);
      expect(created.expiresAt).toBeNull();
      expect(await authenticateToken(database.db, created.token)).toEqual({
        id: user.id,
        email: user.email,
        name: user.name,
        isAdmin: true,
        mustChangePassword: false,
        scopes: null,
      });
    });

    it('stores the SHA-256 of the token, never the token', async () => {
      const user = await makeUser();
      const { id, token } = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      const row = await database.db.selectFrom('peyvand.api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.token_hash).not.toBe(token);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(token.slice(4));
      const listed = await listTokens(database.db, user.id);
      expect(listed).toHaveLength(1);
      expect(Object.keys(listed[0] ?? {}).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'kind', 'lastUsedAt', 'name', 'revokedAt', 'scopes']);
      expect(JSON.stringify(listed)).not.toContain(row.token_hash);
    });

    it('refuses a revoked token', async () => {
      const user = await makeUser();
      const { id, token } = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      expect(await revokeToken(database.db, id)).toBe(true);
      expect(await revokeToken(database.db, id)).toBe(false);
      expect(await authenticateToken(database.db, token)).toBeNull();
      expect((await listTokens(database.db, user.id))[0]?.revokedAt).toBeInstanceOf(Date);
    });

    it('refuses an expired token', async () => {
      const user = await makeUser();
      const { token } = await createToken(database.db, { userId: user.id, name: 'old', kind: 'api', expiresAt: new Date(Date.now() - 1000) });
      expect(await authenticateToken(database.db, token)).toBeNull();
    });

    it('refuses a token whose user is disabled, and unknown or malformed tokens', async () => {
      const user = await makeUser();
      const { token } = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      await database.db.updateTable('peyvand.users').set({ disabled_at: new Date() }).where('id', '=', user.id).execute();
      expect(await authenticateToken(database.db, token)).toBeNull();
      expect(await authenticateToken(database.db, `pvd_${'A'.repeat(43)}`)).toBeNull();
      expect(await authenticateToken(database.db, "pvd_' or 1=1 --")).toBeNull();
      expect(await authenticateToken(database.db, '')).toBeNull();
    });

    it('records use at most once a minute', async () => {
      const user = await makeUser();
      const { id, token } = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      const lastUsed = async (): Promise<Date | null> =>
        (await database.db.selectFrom('peyvand.api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at;

      await authenticateToken(database.db, token);
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await authenticateToken(database.db, token);
      expect(await lastUsed()).toEqual(first);

      await database.db
        .updateTable('peyvand.api_tokens')
        .set({ last_used_at: sql<Date>`now() - interval '2 minutes'` })
        .where('id', '=', id)
        .execute();
      const stale = await lastUsed();
      await authenticateToken(database.db, token);
      expect((await lastUsed())?.getTime()).toBeGreaterThan(stale?.getTime() ?? Infinity);
    });
  });

  describe('password change', () => {
    it('stores the new password and clears must-change-password', async () => {
      const user = await makeUser({ mustChangePassword: true, password: 'one-time password' });
      expect(await changePassword(database.db, user.id, 'one-time password', 'my own passphrase')).toEqual({ ok: true });
      expect(await findUserById(database.db, user.id)).toMatchObject({ mustChangePassword: false });
      expect(await signIn(database.db, { email: user.email, password: 'one-time password', clientAddress: ADDRESS })).toMatchObject({ ok: false });
      expect(await signIn(database.db, { email: user.email, password: 'my own passphrase', clientAddress: ADDRESS })).toMatchObject({
        ok: true,
        user: { mustChangePassword: false },
      });
    });

    it('refuses a wrong old password, a short or unchanged new one, and changes nothing', async () => {
      const user = await makeUser({ mustChangePassword: true, password: 'one-time password' });
      expect(await changePassword(database.db, user.id, 'wrong password', 'my own passphrase')).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
      expect(await changePassword(database.db, user.id, 'one-time password', 'short')).toMatchObject({ ok: false, error: { code: 'password-too-short' } });
      expect(await changePassword(database.db, user.id, 'one-time password', 'one-time password')).toMatchObject({
        ok: false,
        error: { code: 'password-unchanged' },
      });
      expect(await findUserById(database.db, user.id)).toMatchObject({ mustChangePassword: true });
      expect(await signIn(database.db, { email: user.email, password: 'one-time password', clientAddress: ADDRESS })).toMatchObject({ ok: true });
    });
  });
  describe('token scopes and expiry', () => {
    it('stores the scopes and hands them to every request made with the token', async () => {
      const user = await makeUser();
      const created = await createToken(database.db, { userId: user.id, name: 'reader', kind: 'api', scopes: ['write', 'read', 'read'], expiresInDays: 30 });
      expect(created.scopes).toEqual(['read', 'write']);
      const days = ((created.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30.01);
      expect(await authenticateToken(database.db, created.token)).toMatchObject({ id: user.id, scopes: ['read', 'write'] });
      expect((await listTokens(database.db, user.id))[0]).toMatchObject({ scopes: ['read', 'write'] });
    });

    it('gives sessions and unscoped tokens null scopes (everything)', async () => {
      const user = await makeUser();
      const unscoped = await createToken(database.db, { userId: user.id, name: 'all', kind: 'api' });
      expect(await authenticateToken(database.db, unscoped.token)).toMatchObject({ scopes: null });
      const session = await signIn(database.db, { email: user.email, password: 'analytical engine', clientAddress: ADDRESS });
      if (!session.ok) throw new Error(session.error.message);
      expect(await authenticateToken(database.db, session.token)).toMatchObject({ scopes: null });
    });

    it('refuses empty or unknown scopes, scopes on a session and impossible expiries, writing nothing', async () => {
      const user = await makeUser();
      expect(parseTokenScopes([])).toMatchObject({ ok: false });
      expect(parseTokenScopes('read,delete')).toMatchObject({ ok: false, message: expect.stringContaining('"delete"') });
      expect(parseTokenScopes(['read', 'superuser'])).toMatchObject({ ok: false });
      expect(parseTokenScopes('read, export')).toEqual({ ok: true, scopes: ['read', 'export'] });
      await expect(createToken(database.db, { userId: user.id, name: 'x', kind: 'api', scopes: [] })).rejects.toThrow(/at least one scope/);
      await expect(createToken(database.db, { userId: user.id, name: 'x', kind: 'session', scopes: ['read'] })).rejects.toThrow(/session/);
      for (const expiresInDays of [0, -1, 1.5, 3651]) {
        await expect(createToken(database.db, { userId: user.id, name: 'x', kind: 'api', expiresInDays })).rejects.toThrow(RangeError);
      }
      expect(await listTokens(database.db, user.id)).toEqual([]);
    });

    it('never lets a scoped token grant more than it has', () => {
      expect(grantableScopes(null, ['read', 'admin'])).toEqual({ ok: true, scopes: ['read', 'admin'] });
      expect(grantableScopes(null, null)).toEqual({ ok: true, scopes: null });
      expect(grantableScopes(['read', 'admin'], null)).toEqual({ ok: true, scopes: ['read', 'admin'] });
      expect(grantableScopes(['read', 'admin'], ['read'])).toEqual({ ok: true, scopes: ['read'] });
      expect(grantableScopes(['read', 'admin'], ['read', 'write'])).toMatchObject({ ok: false, message: expect.stringContaining('write') });
    });
  });

  describe('sessions', () => {
    async function session(user: User): Promise<{ token: string; tokenId: string }> {
      const result = await signIn(database.db, { email: user.email, password: 'analytical engine', clientAddress: ADDRESS });
      if (!result.ok) throw new Error(result.error.message);
      return result;
    }

    async function age(tokenId: string, minutes: number): Promise<void> {
      await database.db
        .updateTable('peyvand.api_tokens')
        .set({ created_at: sql<Date>`now() - ${sql.lit(minutes)} * interval '1 minute'`, last_used_at: sql<Date>`now() - interval '2 minutes'` })
        .where('id', '=', tokenId)
        .execute();
    }

    it('is due for rotation after 15 minutes; rotation keeps the absolute expiry and cuts the old one to a minute', async () => {
      const user = await makeUser();
      const first = await session(user);
      expect(await authenticateSession(database.db, first.token)).toMatchObject({ sessionId: first.tokenId, isRotationDue: false });
      await age(first.tokenId, 16);
      const due = await authenticateSession(database.db, first.token);
      expect(due).toMatchObject({ isRotationDue: true, user: { id: user.id } });

      const rotated = await rotateSession(database.db, first.tokenId);
      if (!rotated) throw new Error('not rotated');
      expect(rotated.expiresAt?.getTime()).toBe(due?.expiresAt?.getTime());
      // The loser of a race gets nothing, and the old secret is no longer due.
      expect(await rotateSession(database.db, first.tokenId)).toBeNull();
      expect(await authenticateSession(database.db, first.token)).toMatchObject({ isRotationDue: false });
      expect(await authenticateSession(database.db, rotated.token)).toMatchObject({ isRotationDue: false, user: { id: user.id } });
      const old = await database.db.selectFrom('peyvand.api_tokens').select(sql<number>`extract(epoch from expires_at - now())`.as('left')).where('id', '=', first.tokenId).executeTakeFirstOrThrow();
      expect(Number(old.left)).toBeLessThanOrEqual(60);
      expect(Number(old.left)).toBeGreaterThan(50);
    });

    it('ends after 2 idle hours', async () => {
      const user = await makeUser();
      const live = await session(user);
      await database.db
        .updateTable('peyvand.api_tokens')
        .set({ last_used_at: sql<Date>`now() - interval '121 minutes'`, created_at: sql<Date>`now() - interval '3 hours'` })
        .where('id', '=', live.tokenId)
        .execute();
      expect(await authenticateSession(database.db, live.token)).toBeNull();
      expect(await authenticateToken(database.db, live.token)).toBeNull();
    });

    it('is not an API token: the session check refuses a bearer token', async () => {
      const user = await makeUser();
      const api = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      expect(await authenticateSession(database.db, api.token)).toBeNull();
    });

    it('all end on a password change; API tokens stay', async () => {
      const user = await makeUser();
      const a = await session(user);
      const b = await session(user);
      const api = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      expect(await changePassword(database.db, user.id, 'analytical engine', 'difference engine')).toEqual({ ok: true });
      expect(await authenticateToken(database.db, a.token)).toBeNull();
      expect(await authenticateToken(database.db, b.token)).toBeNull();
      expect(await authenticateToken(database.db, api.token)).toMatchObject({ id: user.id });
    });

    it('revokeUserTokens ends the sessions, and the API tokens only when asked, of that user only', async () => {
      const user = await makeUser();
      const other = await makeUser({ email: 'grace@example.com' });
      const mine = await session(user);
      const theirs = await session(other);
      const api = await createToken(database.db, { userId: user.id, name: 'script', kind: 'api' });
      expect(await revokeUserTokens(database.db, user.id, { apiTokens: false })).toEqual({ sessions: 1, apiTokens: 0 });
      expect(await authenticateToken(database.db, mine.token)).toBeNull();
      expect(await authenticateToken(database.db, api.token)).not.toBeNull();
      expect(await authenticateToken(database.db, theirs.token)).not.toBeNull();
      expect(await revokeUserTokens(database.db, user.id, { apiTokens: true })).toEqual({ sessions: 0, apiTokens: 1 });
      expect(await authenticateToken(database.db, api.token)).toBeNull();
    });
  });
});
