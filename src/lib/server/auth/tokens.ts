/**
 * Bearer tokens for sessions, scripts and integrations. The secret is shown once; only its
 * SHA-256 is stored, so a copy of the database does not let anyone in.
 *
 *   const { token } = await createToken(db, { userId, name: 'CI import', kind: 'api', scopes: ['read'], expiresInDays: 30 });
 *   const user = await authenticateToken(db, token); // AuthUser (with its scopes) | null
 *
 * Sessions (browser sign-ins) are tokens of kind `session`: 12 hours at most from sign-in, ended
 * after 2 idle hours, and replaced by a fresh secret every 15 minutes (`rotateSession`).
 *
 * Times are compared with the database clock (`now()`), so app servers with drifting clocks agree.
 */
import { sql, type Kysely } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import type { SystemTables } from '../db/system-tables.ts';
import { TOKEN_SCOPES, type AuthUser, type TokenScope } from './permissions.ts';

export type TokenKind = 'api' | 'session';

export const TOKEN_PREFIX = 'pvd_';
const TOKEN_BYTES = 32;
/** `pvd_` + 32 bytes in unpadded base64url (43 characters). */
const TOKEN_PATTERN = /^pvd_[A-Za-z0-9_-]{43}$/;

/** Absolute lifetime of a session, counted from sign-in (rotation does not extend it). */
export const SESSION_TTL_HOURS = 12;
/** A session unused this long is dead (its last use is recorded at most once a minute). */
export const SESSION_IDLE_MINUTES = 120;
/** A session older than this is replaced by a new secret on the next page request. */
export const SESSION_ROTATE_MINUTES = 15;
/** How long a replaced session still works, for requests already in flight with the old cookie. */
export const SESSION_GRACE_SECONDS = 60;
/** The longest expiry an API token can be given. */
export const MAX_TOKEN_DAYS = 3650;

export interface CreateTokenInput {
  readonly userId: string;
  readonly name: string;
  readonly kind: TokenKind;
  /** Sessions default to 12 hours from now; API tokens never expire unless given this or `expiresInDays`. */
  readonly expiresAt?: Date | undefined;
  /** Whole days from now (1 to 3650), counted by the database clock. */
  readonly expiresInDays?: number | null | undefined;
  /** API tokens only: non-empty, from TOKEN_SCOPES. Absent or null: every scope. */
  readonly scopes?: readonly TokenScope[] | null | undefined;
}

export interface CreatedToken {
  readonly id: string;
  /** The secret, to be shown once. */
  readonly token: string;
  readonly expiresAt: Date | null;
  readonly scopes: readonly TokenScope[] | null;
}

/** What a user may see of a token: never the secret, never its hash. */
export interface TokenSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly scopes: readonly TokenScope[] | null;
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

export function isTokenScope(value: unknown): value is TokenScope {
  return typeof value === 'string' && (TOKEN_SCOPES as readonly string[]).includes(value);
}

export type ParseScopesResult = { readonly ok: true; readonly scopes: readonly TokenScope[] } | { readonly ok: false; readonly message: string };

/**
 * Scopes from a caller (API input, CLI flag, form): a non-empty list of known scope names,
 * returned without duplicates in TOKEN_SCOPES order.
 *
 *   parseTokenScopes('read,write'); // { ok: true, scopes: ['read', 'write'] }
 */
export function parseTokenScopes(value: unknown): ParseScopesResult {
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : value;
  const known = TOKEN_SCOPES.join(', ');
  if (!Array.isArray(list) || list.length === 0) return { ok: false, message: `Give at least one scope (${known}).` };
  const unknown = list.find((s) => !isTokenScope(s));
  if (unknown !== undefined) return { ok: false, message: `Unknown scope ${JSON.stringify(unknown)}; the scopes are ${known}.` };
  return { ok: true, scopes: TOKEN_SCOPES.filter((s) => list.includes(s)) };
}

/**
 * The scopes a new token may have when `creator` (the caller's own scopes; null for a session or
 * an unscoped token) asks for `requested` (null: as wide as allowed). A scoped token can never
 * mint a token wider than itself.
 */
export function grantableScopes(
  creator: readonly TokenScope[] | null | undefined,
  requested: readonly TokenScope[] | null,
): { readonly ok: true; readonly scopes: readonly TokenScope[] | null } | { readonly ok: false; readonly message: string } {
  if (!creator) return { ok: true, scopes: requested };
  if (!requested) return { ok: true, scopes: creator };
  const wider = requested.filter((s) => !creator.includes(s));
  if (wider.length > 0) return { ok: false, message: `This token cannot grant the scope${wider.length > 1 ? 's' : ''} ${wider.join(', ')} it does not have.` };
  return { ok: true, scopes: requested };
}

/** Scopes as stored: unknown names (from a newer version, or edited by hand) grant nothing. */
function storedScopes(value: readonly string[] | null): readonly TokenScope[] | null {
  return value === null ? null : value.filter(isTokenScope);
}

export async function createToken(db: Kysely<SystemTables>, input: CreateTokenInput): Promise<CreatedToken> {
  let scopes: readonly TokenScope[] | null = null;
  if (input.scopes !== undefined && input.scopes !== null) {
    // Callers validate first (parseTokenScopes); reaching here with bad scopes is a bug.
    if (input.kind === 'session') throw new TypeError('a session carries no scopes');
    const parsed = parseTokenScopes(input.scopes);
    if (!parsed.ok) throw new TypeError(parsed.message);
    scopes = parsed.scopes;
  }
  const days = input.expiresInDays;
  if (days !== undefined && days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) {
    throw new RangeError(`expiresInDays must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
  }
  const id = uuidv7();
  const token = generateToken();
  const expiresAt =
    input.expiresAt ??
    (days ? sql<Date>`now() + ${sql.lit(days)} * interval '1 day'` : input.kind === 'session' ? sql<Date>`now() + ${sql.lit(SESSION_TTL_HOURS)} * interval '1 hour'` : null);
  const row = await db
    .insertInto('peyvand.api_tokens')
    .values({ id, user_id: input.userId, name: input.name, kind: input.kind, token_hash: hashToken(token), expires_at: expiresAt, scopes: scopes ? [...scopes] : null })
    .returning(['expires_at'])
    .executeTakeFirstOrThrow();
  return { id, token, expiresAt: row.expires_at, scopes };
}

/** A session as the page hooks see it: who, and whether its secret is due for replacement. */
export interface AuthenticatedSession {
  readonly user: AuthUser;
  readonly sessionId: string;
  readonly expiresAt: Date | null;
  readonly isRotationDue: boolean;
}

async function findLiveToken(db: Kysely<SystemTables>, token: string) {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db
    .selectFrom('peyvand.api_tokens as t')
    .innerJoin('peyvand.users as u', 'u.id', 't.user_id')
    .select([
      't.id as tokenId',
      't.kind',
      't.scopes',
      't.expires_at as expiresAt',
      'u.id',
      'u.email',
      'u.name',
      'u.is_admin',
      'u.must_change_password',
      sql<boolean>`(t.last_used_at is null or t.last_used_at < now() - interval '1 minute')`.as('isUseStale'),
      // Not a secret already replaced (its expiry was pulled in to the grace period).
      sql<boolean>`(t.kind = 'session' and t.created_at < now() - ${sql.lit(SESSION_ROTATE_MINUTES)} * interval '1 minute'
        and t.expires_at > now() + ${sql.lit(SESSION_GRACE_SECONDS)} * interval '1 second')`.as('isRotationDue'),
    ])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', sql<Date>`now()`)]))
    .where(sql<boolean>`(t.kind <> 'session' or coalesce(t.last_used_at, t.created_at) > now() - ${sql.lit(SESSION_IDLE_MINUTES)} * interval '1 minute')`)
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
  const user: AuthUser = {
    id: row.id,
    email: row.email,
    name: row.name,
    isAdmin: row.is_admin,
    mustChangePassword: row.must_change_password,
    scopes: row.kind === 'session' ? null : storedScopes(row.scopes),
  };
  return { row, user };
}

/**
 * The user behind a token, with the token's scopes (null: a session or an unscoped token), or null
 * when the token is malformed, unknown, revoked, expired, idle too long (sessions) or belongs to a
 * disabled user. Records use at most once a minute, so reads do not all become writes.
 */
export async function authenticateToken(db: Kysely<SystemTables>, token: string): Promise<AuthUser | null> {
  return (await findLiveToken(db, token))?.user ?? null;
}

/** Like `authenticateToken`, for the session cookie: null unless the token is a live session. */
export async function authenticateSession(db: Kysely<SystemTables>, token: string): Promise<AuthenticatedSession | null> {
  const found = await findLiveToken(db, token);
  if (!found || found.row.kind !== 'session') return null;
  return { user: found.user, sessionId: found.row.tokenId, expiresAt: found.row.expiresAt, isRotationDue: found.row.isRotationDue };
}

/**
 * Replaces a session's secret: a new session with the same absolute expiry, and the old one cut
 * to the grace period. Of two requests rotating the same session at once, one wins; the other
 * gets null and goes on with the old secret for the grace period. Opens its own transaction.
 */
export async function rotateSession(db: Kysely<SystemTables>, sessionId: string): Promise<CreatedToken | null> {
  if (!isUuid(sessionId)) return null;
  return db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('peyvand.api_tokens')
      .select(['user_id', 'name', 'expires_at'])
      .where('id', '=', sessionId)
      .where('kind', '=', 'session')
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now() + ${sql.lit(SESSION_GRACE_SECONDS)} * interval '1 second'`)
      .forUpdate()
      .executeTakeFirst();
    if (!old?.expires_at) return null;
    await trx
      .updateTable('peyvand.api_tokens')
      .set({ expires_at: sql<Date>`now() + ${sql.lit(SESSION_GRACE_SECONDS)} * interval '1 second'` })
      .where('id', '=', sessionId)
      .execute();
    return createToken(trx, { userId: old.user_id, name: old.name, kind: 'session', expiresAt: old.expires_at });
  });
}

/** The id of the token with this secret (live or not), to mark "this session" in a list. */
export async function tokenIdOf(db: Kysely<SystemTables>, token: string): Promise<string | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db.selectFrom('peyvand.api_tokens').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirst();
  return row?.id ?? null;
}

/** How many of each kind `revokeUserTokens` ended. */
export interface RevokedCounts {
  readonly sessions: number;
  readonly apiTokens: number;
}

/**
 * Ends every live session of a user ("sign out everywhere"), and their API tokens too when asked;
 * every server forgets them at once (NOTIFY on commit).
 */
export async function revokeUserTokens(db: Kysely<SystemTables>, userId: string, options: { readonly apiTokens: boolean }): Promise<RevokedCounts> {
  if (!isUuid(userId)) return { sessions: 0, apiTokens: 0 };
  const kinds: TokenKind[] = options.apiTokens ? ['session', 'api'] : ['session'];
  const rows = await db
    .updateTable('peyvand.api_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('kind', 'in', kinds)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .returning('kind')
    .execute();
  if (rows.length > 0) await notifyAuthChange(db);
  return { sessions: rows.filter((r) => r.kind === 'session').length, apiTokens: rows.filter((r) => r.kind === 'api').length };
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
  await sql`update peyvand.auth_state set epoch = epoch + 1 where id`.execute(db);
  await sql`select pg_notify(${AUTH_CHANNEL}, '')`.execute(db);
}

/** The auth epoch now: a cached answer from an older epoch is stale (see notifyAuthChange). */
export async function authEpoch(db: Kysely<SystemTables>): Promise<string> {
  const row = await db.selectFrom('peyvand.auth_state').select('epoch').executeTakeFirst();
  return String(row?.epoch ?? '0');
}

/** A user's tokens, newest first, revoked and expired ones included (for the audit trail in the UI). */
export async function listTokens(db: Kysely<SystemTables>, userId: string): Promise<TokenSummary[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .selectFrom('peyvand.api_tokens')
    .select(['id', 'name', 'kind', 'scopes', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    scopes: storedScopes(row.scopes),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}
