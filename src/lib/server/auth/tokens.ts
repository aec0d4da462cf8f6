/**
 * Bearer tokens for sessions, scripts and integrations. The secret is shown once; only its
 * SHA-256 is stored, so a copy of the database does not let anyone in.
 *
 *   const { token } = await createToken(db, { userId, name: 'CI import', kind: 'api' });
 *   const user = await authenticateToken(db, token); // AuthUser | null
 *
 * Times are compared with the database clock (`now()`), so app servers with drifting clocks agree.
 */
import { sql, type Kysely } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import type { SystemTables } from '../db/system-tables.ts';
import type { AuthUser } from './permissions.ts';

export type TokenKind = 'api' | 'session';

export const TOKEN_PREFIX = 'pvd_';
const TOKEN_BYTES = 32;
/** `pvd_` + 32 bytes in unpadded base64url (43 characters). */
const TOKEN_PATTERN = /^pvd_[A-Za-z0-9_-]{43}$/;

export const SESSION_TTL_HOURS = 12;

export interface CreateTokenInput {
  readonly userId: string;
  readonly name: string;
  readonly kind: TokenKind;
  /** Sessions default to 12 hours from now; API tokens never expire unless given. */
  readonly expiresAt?: Date | undefined;
}

export interface CreatedToken {
  readonly id: string;
  /** The secret, to be shown once. */
  readonly token: string;
  readonly expiresAt: Date | null;
}

/** What a user may see of a token: never the secret, never its hash. */
export interface TokenSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

export async function createToken(db: Kysely<SystemTables>, input: CreateTokenInput): Promise<CreatedToken> {
  const id = uuidv7();
  const token = generateToken();
  const expiresAt =
    input.expiresAt ?? (input.kind === 'session' ? sql<Date>`now() + ${sql.lit(SESSION_TTL_HOURS)} * interval '1 hour'` : null);
  const row = await db
    .insertInto('peyvand.api_tokens')
    .values({ id, user_id: input.userId, name: input.name, kind: input.kind, token_hash: hashToken(token), expires_at: expiresAt })
    .returning(['expires_at'])
    .executeTakeFirstOrThrow();
  return { id, token, expiresAt: row.expires_at };
}

/**
 * The user behind a token, or null when the token is malformed, unknown, revoked, expired or
 * belongs to a disabled user. Records use at most once a minute, so reads do not all become writes.
 */
export async function authenticateToken(db: Kysely<SystemTables>, token: string): Promise<AuthUser | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db
    .selectFrom('peyvand.api_tokens as t')
    .innerJoin('peyvand.users as u', 'u.id', 't.user_id')
    .select([
      't.id as tokenId',
      'u.id',
      'u.email',
      'u.name',
      'u.is_admin',
      'u.must_change_password',
      sql<boolean>`(t.last_used_at is null or t.last_used_at < now() - interval '1 minute')`.as('isUseStale'),
    ])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', sql<Date>`now()`)]))
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;

  if (row.isUseStale) {
    // The same guard in the update keeps simultaneous requests from each writing.
    await db
      .updateTable('peyvand.api_tokens')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', row.tokenId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
      .execute();
  }
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin, mustChangePassword: row.must_change_password };
}

/** True when the token was live and is now revoked; false when unknown or already revoked. */
export async function revokeToken(db: Kysely<SystemTables>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db
    .updateTable('peyvand.api_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) await notifyAuthChange(db);
  return result.numUpdatedRows > 0n;
}

/** Ends the session or token given by its secret (sign-out); true when it was live. */
export async function revokeTokenBySecret(db: Kysely<SystemTables>, token: string): Promise<boolean> {
  const result = await db
    .updateTable('peyvand.api_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) await notifyAuthChange(db);
  return result.numUpdatedRows > 0n;
}

/** Servers cache who a token belongs to; this tells every one of them to forget (on commit). */
export const AUTH_CHANNEL = 'peyvand_auth';

export async function notifyAuthChange(db: Kysely<SystemTables>): Promise<void> {
  await sql`select pg_notify(${AUTH_CHANNEL}, '')`.execute(db);
}

/** A user's tokens, newest first, revoked and expired ones included (for the audit trail in the UI). */
export async function listTokens(db: Kysely<SystemTables>, userId: string): Promise<TokenSummary[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .selectFrom('peyvand.api_tokens')
    .select(['id', 'name', 'kind', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}
