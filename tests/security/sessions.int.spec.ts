/**
 * Browser sessions through the real page hooks (SvelteKit served by Vite in-process): sign-in by
 * form sets an httpOnly SameSite cookie; a session older than 15 minutes gets a new secret on the
 * next page, the old one lasting only a short grace; sign-out everywhere ends every session at
 * once; a session revoked elsewhere is signed out on its very next request; sign-in by form is
 * rate-limited with a clear message.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestRuntime } from '../support/runtime.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { revokeToken } from '../../src/lib/server/auth/tokens.ts';
import { SESSION_COOKIE } from '../../src/lib/server/session.ts';
import { installB2b, makeUser, PASSWORD, setSessionCookie } from './support.ts';
import { startWebApp, type WebApp } from './web-app.ts';

describe('sessions in the browser', () => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let app: WebApp;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime('pglite'));
    await installB2b(runtime);
    await makeUser(runtime, 'ada@example.com');
    await makeUser(runtime, 'grace@example.com');
    app = await startWebApp(runtime);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  beforeEach(async () => {
    await runtime.database.db.deleteFrom('peyvand.sign_in_failures').execute();
  });

  function form(fields: Record<string, string>): { method: string; headers: Record<string, string>; body: string; redirect: 'manual' } {
    return { method: 'POST', headers: { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' };
  }

  async function signInByForm(email: string, password = PASSWORD): Promise<Response> {
    return fetch(`${app.base}/signin`, form({ email, password, next: '/' }));
  }

  async function signedIn(email: string): Promise<string> {
    const response = await signInByForm(email);
    expect(response.status).toBe(303);
    const cookie = setSessionCookie(response);
    if (!cookie) throw new Error('no session cookie');
    return cookie;
  }

  /** The page's answer for this cookie: 200 when signed in, 303 to /signin when not. */
  async function home(cookie: string): Promise<Response> {
    return fetch(`${app.base}/`, { headers: { cookie }, redirect: 'manual' });
  }

  async function tokenIdOfCookie(cookie: string): Promise<string> {
    const { hashToken } = await import('../../src/lib/server/auth/tokens.ts');
    const row = await runtime.database.db.selectFrom('peyvand.api_tokens').select('id').where('token_hash', '=', hashToken(cookie.slice(SESSION_COOKIE.length + 1))).executeTakeFirstOrThrow();
    return row.id;
  }

  it('sets the session cookie httpOnly, SameSite=Lax, for the whole site', async () => {
    const response = await signInByForm('ada@example.com');
    expect(response.status).toBe(303);
    const line = response.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Lax/i);
    expect(line).toMatch(/; Path=\//i);
    expect(line).toMatch(/; Max-Age=43\d\d\d/i);
    // Served over plain http here; over https the cookie is Secure (setSessionCookie's `secure`).
    expect(line).not.toMatch(/; Secure/i);
  });

  it('rotates a session older than 15 minutes on the next page; the old secret dies after its grace', async () => {
    const old = await signedIn('ada@example.com');
    expect((await home(old)).status).toBe(200);
    expect(setSessionCookie(await home(old))).toBeNull();

    const oldId = await tokenIdOfCookie(old);
    await runtime.database.db.updateTable('peyvand.api_tokens').set({ created_at: sql<Date>`now() - interval '16 minutes'` }).where('id', '=', oldId).execute();
    const rotating = await home(old);
    expect(rotating.status).toBe(200);
    const fresh = setSessionCookie(rotating);
    expect(fresh).not.toBeNull();
    expect(fresh).not.toBe(old);
    const line = rotating.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    expect(line).toMatch(/; HttpOnly/i);

    // A request already on its way with the old cookie still works, and does not rotate again.
    const parallel = await home(old);
    expect(parallel.status).toBe(200);
    expect(setSessionCookie(parallel)).toBeNull();

    // After the grace the old secret is refused; the new one goes on.
    await runtime.database.db.updateTable('peyvand.api_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', oldId).execute();
    const late = await home(old);
    expect(late.status).toBe(303);
    expect(late.headers.get('location')).toMatch(/^\/signin/);
    expect((await home(fresh ?? '')).status).toBe(200);
  });

  it('signs out everywhere at once from the account page, and logs it', async () => {
    const first = await signedIn('grace@example.com');
    const second = await signedIn('grace@example.com');
    const bystander = await signedIn('ada@example.com');
    expect((await home(first)).status).toBe(200);
    expect((await home(second)).status).toBe(200);

    const response = await fetch(`${app.base}/account?/signOutEverywhere`, { ...form({}), headers: { ...form({}).headers, cookie: first } });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/signin');
    expect((await home(first)).status).toBe(303);
    expect((await home(second)).status).toBe(303);
    expect((await home(bystander)).status).toBe(200);
    const log = await runtime.database.db.selectFrom('peyvand.config_log').select(['kind', 'subject', 'action']).where('kind', '=', 'auth').execute();
    expect(log).toContainEqual({ kind: 'auth', subject: 'grace@example.com', action: 'sign-out-everywhere' });
  });

  it('refuses sign-out everywhere posted from another site (SvelteKit’s form check)', async () => {
    const victim = await signedIn('ada@example.com');
    const forged = await fetch(`${app.base}/account?/signOutEverywhere`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: victim },
      body: 'apiTokens=on',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect((await home(victim)).status).toBe(200);
  });

  it('signs out a session revoked elsewhere on its very next request, page or API', async () => {
    const cookie = await signedIn('ada@example.com');
    expect((await home(cookie)).status).toBe(200);
    expect((await fetch(`${app.base}/trpc/auth.me`, { headers: { cookie } })).status).toBe(200);
    await revokeToken(runtime.database.db, await tokenIdOfCookie(cookie));
    const next = await home(cookie);
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toMatch(/^\/signin/);
    // The dead cookie is removed.
    expect(next.headers.getSetCookie().some((l) => l.startsWith(`${SESSION_COOKIE}=;`) && /Max-Age=0/i.test(l))).toBe(true);
    // The API's cache hears of the revocation (NOTIFY) at once.
    await expect.poll(async () => (await fetch(`${app.base}/trpc/auth.me`, { headers: { cookie } })).status, { timeout: 2000 }).toBe(401);
  });

  it('shows the account page with its sessions and tokens, and creates a token shown once', async () => {
    const cookie = await signedIn('ada@example.com');
    const page = await (await fetch(`${app.base}/account`, { headers: { cookie } })).text();
    expect(page).toContain('Signed-in sessions');
    expect(page).toContain('this browser');
    const created = await fetch(`${app.base}/account?/createToken`, {
      ...form({ name: 'nightly export', scopes: 'read', expiresInDays: '30' }),
      headers: { ...form({}).headers, cookie },
      body: 'name=nightly+export&scopes=read&scopes=export&expiresInDays=30',
    });
    expect(created.status).toBe(200);
    const html = await created.text();
    const secret = /value="(pvd_[A-Za-z0-9_-]{43})"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    const me = await fetch(`${app.base}/trpc/auth.me`, { headers: { authorization: `Bearer ${secret ?? ''}` } });
    expect(await me.json()).toMatchObject({ result: { data: { email: 'ada@example.com', scopes: ['read', 'export'] } } });
    const again = await (await fetch(`${app.base}/account`, { headers: { cookie } })).text();
    expect(again).toContain('nightly export');
    expect(again).not.toContain(secret ?? 'no secret');
  });

  it('rate-limits sign-in by form with a clear message and 429', async () => {
    for (let i = 0; i < 10; i++) expect((await signInByForm('grace@example.com', `wrong guess ${i}`)).status).toBe(400);
    const blocked = await signInByForm('grace@example.com');
    expect(blocked.status).toBe(429);
    expect(setSessionCookie(blocked)).toBeNull();
    expect(await blocked.text()).toMatch(/Too many sign-in attempts\. Try again in (10|9) minutes\./);
  });
});
