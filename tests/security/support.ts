/** Shared set-up for the sign-in and session security tests: b2b-sales, one admin, sessions and counts. */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createUser, signIn, type User } from '../../src/lib/server/auth/users.ts';
import { SESSION_COOKIE } from '../../src/lib/server/session.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));
export const PASSWORD = 'correct horse battery';

export async function installB2b(runtime: Runtime): Promise<void> {
  const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
  if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
  await runtime.refresh();
}

export async function makeUser(runtime: Runtime, email: string, options: { isAdmin?: boolean } = {}): Promise<User> {
  const result = await createUser(runtime.database.db, { email, name: email.split('@')[0] ?? email, password: PASSWORD, isAdmin: options.isAdmin ?? true });
  if (!result.ok) throw new Error(result.error.message);
  return result.user;
}

/** A browser session for the user, as the `Cookie` header carries it. */
export async function sessionCookie(runtime: Runtime, email: string): Promise<{ cookie: string; token: string; tokenId: string }> {
  const result = await signIn(runtime.database.db, { email, password: PASSWORD, clientAddress: '198.51.100.1' });
  if (!result.ok) throw new Error(result.error.message);
  return { cookie: `${SESSION_COOKIE}=${result.token}`, token: result.token, tokenId: result.tokenId };
}

export async function companyCount(runtime: Runtime): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from data.company`.execute(runtime.database.db);
  return Number(result.rows[0]?.n);
}

export interface TrpcReply {
  readonly status: number;
  readonly body: {
    readonly result?: { readonly data: unknown };
    readonly error?: { readonly message: string; readonly data: { readonly code: string; readonly httpStatus: number; readonly peyvandCode?: string } };
  };
}

export async function trpcReply(response: Response): Promise<TrpcReply> {
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as TrpcReply['body'] };
  } catch {
    throw new Error(`not JSON (${response.status}): ${text.slice(0, 200)}`);
  }
}

/** The session cookie a response sets (`name=value`), or null. */
export function setSessionCookie(response: Response): string | null {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    if (pair.startsWith(`${SESSION_COOKIE}=`) && pair.length > SESSION_COOKIE.length + 1) return pair;
  }
  return null;
}
