/**
 * Sign-in rate limiting, shared by every server process through `peyvand.sign_in_failures`
 * (it survives a restart and works behind a load balancer). Two budgets over a sliding window:
 * failures per email from one address (slows guessing one account's password), and failures per
 * address whatever the email (slows spraying one password over many accounts). A blocked
 * attempt is refused before the password is checked and is not itself counted.
 *
 *   const gate = await checkSignIn(db, { email, address });
 *   if (gate.blocked) return tooMany(gate.retryAfterSeconds);
 *   if (wrong) await recordSignInFailure(db, { email, address });
 *   else await clearSignInFailures(db, { email, address });
 *
 * A success clears only its own email-and-address budget: one account's owner cannot refill the
 * budget an attacker spends on another account, nor the address budget.
 */
import { sql, type Kysely } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';

export interface SignInLimits {
  readonly windowMinutes: number;
  readonly perEmailAndAddress: number;
  readonly perAddress: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { windowMinutes: 10, perEmailAndAddress: 10, perAddress: 50 };

export interface SignInAttempt {
  /** Normalised (trimmed, lower-cased) as typed; need not be a valid address. */
  readonly email: string;
  /** The client's address as the server sees it (or as the trusted proxy header says). */
  readonly address: string;
}

export type SignInGate = { readonly blocked: false } | { readonly blocked: true; readonly retryAfterSeconds: number };

/** JSON keeps the parts apart whatever characters an email or a proxy header holds. */
function emailKey(attempt: SignInAttempt): string {
  return JSON.stringify(['email+address', attempt.email, attempt.address]);
}

function addressKey(attempt: SignInAttempt): string {
  return JSON.stringify(['address', attempt.address]);
}

/** Seconds until `key` has fewer than `max` failures in the window; 0 when it already has. */
async function waitFor(db: Kysely<SystemTables>, key: string, max: number, windowMinutes: number): Promise<number> {
  if (!Number.isInteger(max) || !Number.isInteger(windowMinutes) || max < 1 || windowMinutes < 1) throw new RangeError('sign-in limits are whole numbers from 1');
  // The max-th newest failure: once it leaves the window, the key is under its budget again.
  const row = await db
    .selectFrom('peyvand.sign_in_failures')
    .select(sql<number>`ceil(extract(epoch from (at + ${sql.lit(windowMinutes)} * interval '1 minute' - now())))::int`.as('wait'))
    .where('key', '=', key)
    .where('at', '>', sql<Date>`now() - ${sql.lit(windowMinutes)} * interval '1 minute'`)
    .orderBy('at', 'desc')
    .offset(max - 1)
    .limit(1)
    .executeTakeFirst();
  return row ? Math.max(1, Number(row.wait)) : 0;
}

export async function checkSignIn(db: Kysely<SystemTables>, attempt: SignInAttempt, limits: SignInLimits = SIGN_IN_LIMITS): Promise<SignInGate> {
  const waits = await Promise.all([
    waitFor(db, emailKey(attempt), limits.perEmailAndAddress, limits.windowMinutes),
    waitFor(db, addressKey(attempt), limits.perAddress, limits.windowMinutes),
  ]);
  const wait = Math.max(...waits);
  return wait > 0 ? { blocked: true, retryAfterSeconds: wait } : { blocked: false };
}

/** Counts a failed sign-in against both budgets, and prunes failures older than the window. */
export async function recordSignInFailure(db: Kysely<SystemTables>, attempt: SignInAttempt, limits: SignInLimits = SIGN_IN_LIMITS): Promise<void> {
  await db
    .insertInto('peyvand.sign_in_failures')
    .values([{ key: emailKey(attempt) }, { key: addressKey(attempt) }])
    .execute();
  await db
    .deleteFrom('peyvand.sign_in_failures')
    .where('at', '<', sql<Date>`now() - ${sql.lit(limits.windowMinutes)} * interval '1 minute'`)
    .execute();
}

export async function clearSignInFailures(db: Kysely<SystemTables>, attempt: SignInAttempt): Promise<void> {
  await db.deleteFrom('peyvand.sign_in_failures').where('key', '=', emailKey(attempt)).execute();
}

/** Minutes to tell a person, rounded up (never "0 minutes"). */
export function minutesToWait(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}
