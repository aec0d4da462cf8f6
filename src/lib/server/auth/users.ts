/**
 * People who sign in. Every function takes the system-tables Kysely (or a transaction on it)
 * first and returns typed failures rather than throwing.
 *
 *   const first = await ensureFirstAdmin(database.db);
 *   if (first) console.log(`Sign in as ${first.email} with ${first.password} (shown once)`);
 *   const result = await signIn(database.db, { email, password, clientAddress });
 *   if (result.ok) setCookie(result.token, result.expiresAt);
 *   else if (result.error.code === 'too-many-attempts') answer429(result.error.retryAfterSeconds);
 */
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import type { SystemTables, UserRow } from '../db/system-tables.ts';
import { generatePassword, getDummyPasswordHash, hashPassword, verifyPassword, type PasswordErrorCode } from './passwords.ts';
import type { AuthUser } from './permissions.ts';
import { createToken, notifyAuthChange, revokeUserTokens, type RevokedCounts } from './tokens.ts';
import { checkSignIn, clearSignInFailures, minutesToWait, recordSignInFailure, type SignInAttempt } from './rate-limit.ts';
import { logConfigChange } from '../audit/config-log.ts';

export const FIRST_ADMIN_EMAIL = 'admin@peyvand.local';
const FIRST_ADMIN_NAME = 'Administrator';
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 200;
/** One dot-separated domain label per repetition, so the match is linear whatever the input. */
const EMAIL_PATTERN = /^[^\s@\p{Cc}]+@[^\s@.\p{Cc}]+(?:\.[^\s@.\p{Cc}]+)+$/u;

export interface User extends AuthUser {
  readonly createdAt: Date;
  readonly disabledAt: Date | null;
}

export interface AuthError<Code extends string> {
  readonly code: Code;
  readonly message: string;
}

export type CreateUserErrorCode = 'invalid-email' | 'invalid-name' | 'email-taken' | PasswordErrorCode;
export type ChangePasswordErrorCode = 'user-not-found' | 'user-disabled' | 'wrong-password' | 'password-unchanged' | PasswordErrorCode;
export type SignInErrorCode = 'invalid-credentials' | 'user-disabled' | 'too-many-attempts';

export type CreateUserResult = { readonly ok: true; readonly user: User } | { readonly ok: false; readonly error: AuthError<CreateUserErrorCode> };
export type ChangePasswordResult = { readonly ok: true } | { readonly ok: false; readonly error: AuthError<ChangePasswordErrorCode> };
export type SignInResult =
  | { readonly ok: true; readonly token: string; readonly tokenId: string; readonly expiresAt: Date | null; readonly user: AuthUser }
  | { readonly ok: false; readonly error: AuthError<SignInErrorCode> & { readonly retryAfterSeconds?: number } };

export interface CreateUserInput {
  readonly email: string;
  readonly name: string;
  readonly password: string;
  readonly isAdmin?: boolean;
  readonly mustChangePassword?: boolean;
}

export interface FirstAdmin {
  readonly email: string;
  /** The one-time password: print it once, it is not stored anywhere in clear. */
  readonly password: string;
}

/** Trimmed and lower-cased, or null when it does not look like an email address. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().normalize('NFC').toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) return null;
  return email;
}

const USER_COLUMNS = ['id', 'email', 'name', 'is_admin', 'must_change_password', 'created_at', 'disabled_at'] as const;

function toUser(row: Pick<UserRow, (typeof USER_COLUMNS)[number]>): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.is_admin,
    mustChangePassword: row.must_change_password,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

export async function createUser(db: Kysely<SystemTables>, input: CreateUserInput): Promise<CreateUserResult> {
  const email = normaliseEmail(input.email);
  if (!email) return { ok: false, error: { code: 'invalid-email', message: 'Enter a valid email address.' } };
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    return { ok: false, error: { code: 'invalid-name', message: `A name needs 1 to ${MAX_NAME_LENGTH} characters.` } };
  }
  const hashed = await hashPassword(input.password);
  if (!hashed.ok) return { ok: false, error: hashed.error };

  // `on conflict do nothing` rather than catching the unique violation: an error would abort a
  // surrounding transaction, and a concurrent insert of the same email is not a bug.
  const row = await db
    .insertInto('peyvand.users')
    .values({
      id: uuidv7(),
      email,
      name,
      password_hash: hashed.hash,
      is_admin: input.isAdmin ?? false,
      must_change_password: input.mustChangePassword ?? false,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(USER_COLUMNS)
    .executeTakeFirst();
  if (!row) return { ok: false, error: { code: 'email-taken', message: `A user with the email ${email} already exists.` } };
  return { ok: true, user: toUser(row) };
}

export async function findUserByEmail(db: Kysely<SystemTables>, email: string): Promise<User | null> {
  const normalised = normaliseEmail(email);
  if (!normalised) return null;
  const row = await db.selectFrom('peyvand.users').select(USER_COLUMNS).where('email', '=', normalised).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUserById(db: Kysely<SystemTables>, id: string): Promise<User | null> {
  // PostgreSQL throws on a malformed uuid literal; an id from a URL is not to be trusted.
  if (!isUuid(id)) return null;
  const row = await db.selectFrom('peyvand.users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

async function hasAnyUser(db: Kysely<SystemTables>): Promise<boolean> {
  const row = await db.selectFrom('peyvand.users').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Creates `admin@peyvand.local` with a one-time password when there are no users at all, and
 * returns its credentials; null when users exist. Safe when several processes start at once: the
 * check and the insert run under a transaction-level advisory lock. Opens its own transaction, so
 * pass the database, not a transaction.
 */
export async function ensureFirstAdmin(db: Kysely<SystemTables>): Promise<FirstAdmin | null> {
  if (await hasAnyUser(db)) return null;
  const password = generatePassword();
  // Hashed before taking the lock, so the lock is held for two statements, not for argon2.
  const hashed = await hashPassword(password);
  if (!hashed.ok) throw new Error(`Generated password refused by the policy: ${hashed.error.message}`);

  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('peyvand.ensure-first-admin'))`.execute(trx);
    if (await hasAnyUser(trx)) return null;
    await trx
      .insertInto('peyvand.users')
      .values({
        id: uuidv7(),
        email: FIRST_ADMIN_EMAIL,
        name: FIRST_ADMIN_NAME,
        password_hash: hashed.hash,
        is_admin: true,
        must_change_password: true,
      })
      .execute();
    return { email: FIRST_ADMIN_EMAIL, password };
  });
}

/** Checks the old password, stores the new one and clears `must_change_password`. */
export async function changePassword(
  db: Kysely<SystemTables>,
  userId: string,
  oldPassword: string,
  newPassword: string,
): Promise<ChangePasswordResult> {
  if (!isUuid(userId)) return { ok: false, error: { code: 'user-not-found', message: 'No such user.' } };
  const row = await db.selectFrom('peyvand.users').select(['password_hash', 'disabled_at']).where('id', '=', userId).executeTakeFirst();
  if (!row) return { ok: false, error: { code: 'user-not-found', message: 'No such user.' } };
  if (row.disabled_at) return { ok: false, error: { code: 'user-disabled', message: 'This account is disabled.' } };
  if (!(await verifyPassword(row.password_hash, oldPassword))) {
    return { ok: false, error: { code: 'wrong-password', message: 'The current password is wrong.' } };
  }
  if (newPassword === oldPassword) {
    return { ok: false, error: { code: 'password-unchanged', message: 'Choose a password different from the current one.' } };
  }
  const hashed = await hashPassword(newPassword);
  if (!hashed.ok) return { ok: false, error: hashed.error };

  // Compare-and-set on the old hash: of two simultaneous changes from the same old password, one
  // wins. Every session ends with the old password (someone may have signed in with it); the
  // caller opens a new one for the person in front of it. API tokens stay: they are not passwords.
  const changed = await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('peyvand.users')
      .set({ password_hash: hashed.hash, must_change_password: false })
      .where('id', '=', userId)
      .where('password_hash', '=', row.password_hash)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await revokeUserTokens(trx, userId, { apiTokens: false });
    await notifyAuthChange(trx);
    return true;
  });
  if (!changed) {
    return { ok: false, error: { code: 'wrong-password', message: 'The password was changed meanwhile; sign in again.' } };
  }
  return { ok: true };
}

/**
 * "Sign out everywhere": ends all of the user's sessions (and API tokens when asked), logged in
 * the configuration trail. Opens its own transaction.
 */
export async function signOutEverywhere(
  db: Kysely<SystemTables>,
  input: { readonly userId: string; readonly actorId: string | null; readonly apiTokens: boolean },
): Promise<RevokedCounts> {
  const user = await findUserById(db, input.userId);
  if (!user) return { sessions: 0, apiTokens: 0 };
  return db.transaction().execute(async (trx) => {
    const counts = await revokeUserTokens(trx, user.id, { apiTokens: input.apiTokens });
    await logConfigChange(trx, { actorId: input.actorId, kind: 'auth', subject: user.email, action: 'sign-out-everywhere', detail: { ...counts, includeApiTokens: input.apiTokens } });
    return counts;
  });
}

const INVALID_CREDENTIALS: SignInResult = {
  ok: false,
  error: { code: 'invalid-credentials', message: 'The email or the password is wrong.' },
};

/** Session rows expired or revoked more than a day ago: rotation leaves one every 15 minutes. */
async function pruneDeadSessions(db: Kysely<SystemTables>, userId: string): Promise<void> {
  await db
    .deleteFrom('peyvand.api_tokens')
    .where('user_id', '=', userId)
    .where('kind', '=', 'session')
    .where((eb) => eb.or([eb('expires_at', '<', sql<Date>`now() - interval '1 day'`), eb('revoked_at', '<', sql<Date>`now() - interval '1 day'`)]))
    .execute();
}

/**
 * Checks email and password and opens a session (a `session` token, 12 hours). An unknown email
 * costs the same argon2 verification as a known one, so timing does not reveal who has an account.
 * Failures count against the email from this address and against the address
 * (see rate-limit.ts); over either budget, the password is not even checked.
 */
export async function signIn(
  db: Kysely<SystemTables>,
  input: { readonly email: string; readonly password: string; readonly clientAddress: string },
): Promise<SignInResult> {
  const email = normaliseEmail(input.email);
  const attempt: SignInAttempt = { email: email ?? input.email.trim().toLowerCase().slice(0, MAX_EMAIL_LENGTH), address: input.clientAddress };
  const gate = await checkSignIn(db, attempt);
  if (gate.blocked) {
    const minutes = minutesToWait(gate.retryAfterSeconds);
    return {
      ok: false,
      error: {
        code: 'too-many-attempts',
        message: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        retryAfterSeconds: gate.retryAfterSeconds,
      },
    };
  }
  const row = email
    ? await db
        .selectFrom('peyvand.users')
        .select([...USER_COLUMNS, 'password_hash'])
        .where('email', '=', email)
        .executeTakeFirst()
    : undefined;
  const isPasswordRight = await verifyPassword(row?.password_hash ?? (await getDummyPasswordHash()), input.password);
  if (!row || !isPasswordRight) {
    await recordSignInFailure(db, attempt);
    return INVALID_CREDENTIALS;
  }
  await clearSignInFailures(db, attempt);
  // Only someone who knows the password learns that the account is disabled.
  if (row.disabled_at) return { ok: false, error: { code: 'user-disabled', message: 'This account is disabled.' } };

  const user = toUser(row);
  await pruneDeadSessions(db, user.id);
  const session = await createToken(db, { userId: user.id, name: 'session', kind: 'session' });
  return {
    ok: true,
    token: session.token,
    tokenId: session.id,
    expiresAt: session.expiresAt,
    user: { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin, mustChangePassword: user.mustChangePassword, scopes: null },
  };
}

/** A fresh session for a user already proven (after a password change): same shape as sign-in's. */
export async function openSession(db: Kysely<SystemTables>, userId: string): Promise<{ readonly token: string; readonly tokenId: string; readonly expiresAt: Date | null }> {
  await pruneDeadSessions(db, userId);
  const session = await createToken(db, { userId, name: 'session', kind: 'session' });
  return { token: session.token, tokenId: session.id, expiresAt: session.expiresAt };
}
