/**
 * Every page carries a content security policy (from `kit.csp`, with a fresh nonce that the
 * page's inline scripts carry) and the other security headers; the API answers are nosniff too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestRuntime } from '../support/runtime.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { installB2b, makeUser, sessionCookie } from './support.ts';
import { startWebApp, type WebApp } from './web-app.ts';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name ?? '', values]),
  );
}

describe('security headers', () => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let app: WebApp;
  let cookie: string;

  beforeAll(async () => {
    ({ runtime, dispose } = await openTestRuntime('pglite'));
    await installB2b(runtime);
    await makeUser(runtime, 'ada@example.com');
    cookie = (await sessionCookie(runtime, 'ada@example.com')).cookie;
    app = await startWebApp(runtime);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await dispose();
  });

  for (const [name, path, signedIn] of [
    ['the sign-in page', '/signin', false],
    ['the home page', '/', true],
    ['a list page', '/e/company', true],
    ['the account page', '/account', true],
  ] as const) {
    it(`sends a strict content security policy and the other headers on ${name}`, async () => {
      const response = await fetch(`${app.base}${path}`, { headers: signedIn ? { cookie } : {}, redirect: 'manual' });
      expect(response.status).toBe(200);
      const csp = directives(response.headers.get('content-security-policy') ?? '');
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('form-action')).toEqual(["'self'"]);
      expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
      const scripts = csp.get('script-src') ?? [];
      expect(scripts).toContain("'self'");
      expect(scripts).not.toContain("'unsafe-inline'");
      expect(scripts).not.toContain("'unsafe-eval'");
      // Each inline script SvelteKit writes carries the nonce of this response.
      const nonce = scripts.find((s) => s.startsWith("'nonce-"))?.slice("'nonce-".length, -1);
      expect(nonce).toBeTruthy();
      const html = await response.text();
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
      expect(inline.length).toBeGreaterThan(0);
      for (const [, attributes] of inline) expect(attributes).toContain(`nonce="${nonce ?? ''}"`);

      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('permissions-policy')).toMatch(/camera=\(\).*geolocation=\(\).*microphone=\(\)/);
      // Plain http here: no HSTS (a browser would ignore it anyway); https pages send it.
      expect(response.headers.get('strict-transport-security')).toBeNull();
    });
  }

  it('gives every page its own nonce', async () => {
    const nonces = await Promise.all([1, 2].map(async () => /'nonce-([^']+)'/.exec((await fetch(`${app.base}/signin`)).headers.get('content-security-policy') ?? '')?.[1]));
    expect(nonces[0]).toBeTruthy();
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('sends HSTS when the site is served over https', async () => {
    // Behind a TLS proxy SvelteKit learns the protocol from ORIGIN or PROTOCOL_HEADER; here the
    // request URL says https, as it would there.
    const { handle } = (await app.load('/src/hooks.server.ts')) as { handle: (input: unknown) => Promise<Response> };
    const url = new URL('https://crm.example/signin');
    const event = {
      url,
      request: new Request(url),
      locals: {},
      cookies: { get: () => undefined, set: () => undefined, delete: () => undefined },
      getClientAddress: () => '192.0.2.1',
    };
    const response = await handle({ event, resolve: () => Promise.resolve(new Response('<html></html>', { headers: { 'content-type': 'text/html' } })) });
    expect(response.status).toBe(200);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('marks API answers nosniff', async () => {
    const response = await fetch(`${app.base}/trpc/auth.me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
