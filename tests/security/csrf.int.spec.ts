/**
 * Cross-site request forgery against /trpc: a page on another site makes the victim's browser
 * POST to a mutation, and the browser adds the session cookie. Every shape such a page can send
 * without a CORS preflight (form encodings, text/plain) and every JSON post that says it comes
 * from elsewhere is refused with 403 before the procedure runs, and nothing changes; the same
 * mutation from this site's own pages works. Bearer tokens are not ambient: no origin rule.
 * Both doors are tested: handleTrpcNode (`peyvand serve`) and handleTrpcFetch (SvelteKit's route).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime, startApiServer, type TestApiServer } from '../support/runtime.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { checkCookieRequest, handleTrpcFetch } from '../../src/lib/server/api/http.ts';
import { createToken } from '../../src/lib/server/auth/tokens.ts';
import { companyCount, installB2b, makeUser, sessionCookie, trpcReply } from './support.ts';

const EVIL = 'https://evil.example';

/** What a hostile page can send: the body and headers its browser would put on the request. */
function forgeries(own: string): { name: string; headers: Record<string, string>; body: string | FormData }[] {
  const form = new FormData();
  form.set('name', 'Forged Inc');
  return [
    { name: 'form-urlencoded', headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Forged+Inc' },
    { name: 'multipart', headers: { origin: EVIL }, body: form },
    { name: 'text/plain', headers: { origin: EVIL, 'content-type': 'text/plain' }, body: '{"name":"Forged Inc"}' },
    { name: 'JSON from a foreign origin', headers: { origin: EVIL, 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'JSON from a sibling port', headers: { origin: /:\d+$/.test(own) ? own.replace(/:(\d+)$/, (_, p: string) => `:${Number(p) + 1}`) : `${own}:8443`, 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'JSON from an opaque origin', headers: { origin: 'null', 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'no Origin, cross-site fetch metadata', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'no Origin, same-site fetch metadata', headers: { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'no Origin, no fetch metadata', headers: { 'content-type': 'application/json' }, body: '{"name":"Forged Inc"}' },
    { name: 'own origin but a form encoding', headers: { origin: own, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Forged+Inc' },
    { name: 'own origin but text/plain', headers: { origin: own, 'content-type': 'text/plain' }, body: '{"name":"Forged Inc"}' },
  ];
}

describe.each(BACKENDS)('CSRF on /trpc (%s)', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let server: TestApiServer;
  let cookie: string;
  let bearer: string;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_csrf'));
    await installB2b(runtime);
    const victim = await makeUser(runtime, 'victim@example.com');
    cookie = (await sessionCookie(runtime, victim.email)).cookie;
    bearer = (await createToken(runtime.database.db, { userId: victim.id, name: 'script', kind: 'api' })).token;
    server = await startApiServer(runtime);
  });

  afterAll(async () => {
    await server.close();
    await dispose();
    expect(server.errors).toEqual([]);
  });

  it('refuses every cross-site shape of a mutation with the session cookie, and changes nothing (peyvand serve)', async () => {
    const before = await companyCount(runtime);
    for (const forgery of forgeries(server.base)) {
      for (const path of ['entities.company.create', 'entities.company.create?batch=1']) {
        const response = await fetch(`${server.base}/trpc/${path}`, { method: 'POST', headers: { ...forgery.headers, cookie }, body: forgery.body });
        const reply = await trpcReply(response);
        expect(reply.status, `${forgery.name} ${path}`).toBe(403);
        expect(reply.body.error?.data, forgery.name).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'csrf' });
        expect(reply.body.error?.message, forgery.name).toMatch(/^Refused: /);
      }
    }
    // Sign-out everywhere is a mutation like any other.
    const signOut = await fetch(`${server.base}/trpc/auth.signOutEverywhere`, { method: 'POST', headers: { origin: EVIL, 'content-type': 'text/plain', cookie }, body: '{}' });
    expect(signOut.status).toBe(403);
    expect(await companyCount(runtime)).toBe(before);
    expect((await fetch(`${server.base}/trpc/auth.me`, { headers: { cookie } })).status).toBe(200);
  });

  it('lets this site’s own pages call a mutation with the cookie, by Origin or by fetch metadata', async () => {
    const before = await companyCount(runtime);
    const byOrigin = await trpcReply(
      await fetch(`${server.base}/trpc/entities.company.create`, { method: 'POST', headers: { origin: server.base, 'content-type': 'application/json', cookie }, body: '{"name":"Own Page Ltd"}' }),
    );
    expect(byOrigin.status, JSON.stringify(byOrigin.body)).toBe(200);
    const byMetadata = await fetch(`${server.base}/trpc/entities.company.create`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8', cookie },
      body: '{"name":"Own Page Two Ltd"}',
    });
    expect(byMetadata.status).toBe(200);
    expect(await companyCount(runtime)).toBe(before + 2);
    // Reads with the cookie need nothing more: GET never reaches a mutation.
    const listed = await trpcReply(await fetch(`${server.base}/trpc/entities.company.list?input=${encodeURIComponent('{"limit":1}')}`, { headers: { cookie } }));
    expect(listed.status).toBe(200);
    const forgedGet = await trpcReply(await fetch(`${server.base}/trpc/entities.company.create?input=${encodeURIComponent('{"name":"Via GET"}')}`, { headers: { cookie } }));
    expect(forgedGet.status).toBe(405);
    expect(await companyCount(runtime)).toBe(before + 2);
  });

  it('does not apply the origin rule to bearer tokens (a browser never sends one by itself)', async () => {
    const before = await companyCount(runtime);
    const response = await fetch(`${server.base}/trpc/entities.company.create`, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'application/json', authorization: `Bearer ${bearer}`, cookie },
      body: '{"name":"Script Co"}',
    });
    expect(response.status).toBe(200);
    expect(await companyCount(runtime)).toBe(before + 1);
  });

  it('refuses the same forgeries through SvelteKit’s /trpc route (handleTrpcFetch)', async () => {
    const own = 'https://crm.example';
    const before = await companyCount(runtime);
    for (const forgery of forgeries(own)) {
      const request = new Request(`${own}/trpc/entities.company.create`, { method: 'POST', headers: { ...forgery.headers, cookie }, body: forgery.body });
      const reply = await trpcReply(await handleTrpcFetch(runtime, request, { clientAddress: '203.0.113.5' }));
      expect(reply.status, forgery.name).toBe(403);
      expect(reply.body.error?.data, forgery.name).toMatchObject({ code: 'FORBIDDEN', peyvandCode: 'csrf' });
    }
    expect(await companyCount(runtime)).toBe(before);
    const ok = await handleTrpcFetch(
      runtime,
      new Request(`${own}/trpc/entities.company.create`, { method: 'POST', headers: { origin: own, 'content-type': 'application/json', cookie }, body: '{"name":"Fetch Route Ltd"}' }),
    );
    expect(ok.status).toBe(200);
    expect(await companyCount(runtime)).toBe(before + 1);
  });
});

describe('the cookie request rule', () => {
  const own = 'https://crm.example';
  const base = { method: 'POST', origin: own, secFetchSite: null, contentType: 'application/json', ownOrigin: own };

  it('compares origins as browsers write them', () => {
    expect(checkCookieRequest({ ...base, origin: 'https://crm.example:443' })).toEqual({ ok: true });
    expect(checkCookieRequest({ ...base, origin: 'HTTPS://CRM.EXAMPLE' })).toEqual({ ok: true });
    expect(checkCookieRequest({ ...base, origin: 'http://crm.example' })).toMatchObject({ ok: false });
    expect(checkCookieRequest({ ...base, origin: 'https://crm.example.evil.example' })).toMatchObject({ ok: false });
    expect(checkCookieRequest({ ...base, ownOrigin: null })).toMatchObject({ ok: false });
  });

  it('lets reads through and holds any other method to the rule', () => {
    expect(checkCookieRequest({ ...base, method: 'GET', origin: EVIL, contentType: null })).toEqual({ ok: true });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(checkCookieRequest({ ...base, method, origin: EVIL })).toMatchObject({ ok: false });
  });
});
