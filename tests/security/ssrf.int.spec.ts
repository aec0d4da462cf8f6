/**
 * SSRF (SECURITY.md item 8) against real sockets on 127.0.0.1: with the default policy no notation
 * of a loopback, metadata or unspecified address, and no name resolving to one, gets a single byte
 * to the target server; a redirect from an allowed server is re-checked; size and time are capped.
 * The "allowed" server is allowed by exactly its address and port, so the target on another port of
 * the same address stays forbidden.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_POLICY, safeRequest, type HttpPolicy } from '../../src/lib/server/rules/outbound/http-client.ts';

interface Target {
  readonly server: Server;
  readonly port: number;
  connections: number;
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
}

async function startTarget(host: string, handler?: (url: URL, res: import('node:http').ServerResponse, body: string, headers: IncomingHttpHeaders, method: string) => void): Promise<Target> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      target.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) handler(new URL(req.url ?? '/', 'http://x'), res, body, req.headers, req.method ?? '');
      else res.end('secret internal data');
    });
  });
  server.on('connection', () => {
    target.connections += 1;
  });
  server.listen(0, host);
  await once(server, 'listening');
  const target: Target = { server, port: (server.address() as AddressInfo).port, connections: 0, requests: [] };
  return target;
}

async function stop(target: Target | null): Promise<void> {
  if (target === null) return;
  target.server.closeAllConnections();
  await new Promise((resolve) => target.server.close(resolve));
}

let target: Target;
let target6: Target | null = null;
let allowed: Target;
let policy: HttpPolicy;

beforeAll(async () => {
  target = await startTarget('127.0.0.1');
  try {
    target6 = await startTarget('::1');
  } catch {
    target6 = null; // no IPv6 loopback here; the [::1] case is still refused by the classifier
  }
  allowed = await startTarget('127.0.0.1', (url, res, body, headers, method) => {
    switch (url.pathname) {
      case '/to':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('u') ?? '/' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method, body, headers }));
        return;
      case '/big':
        res.write('x'.repeat(64 * 1024));
        res.end('x'.repeat(2 * 1024 * 1024));
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
        res.end('x'.repeat(2 * 1024 * 1024));
        return;
      case '/hang':
        return;
      case '/drip': {
        res.writeHead(200);
        const timer = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
  policy = { ...DEFAULT_HTTP_POLICY, allowPrivate: [`127.0.0.1:${allowed.port}`], timeoutMs: 5_000 };
});

afterAll(async () => {
  await Promise.all([stop(target), stop(target6), stop(allowed)]);
});

beforeEach(() => {
  target.connections = 0;
  target.requests.length = 0;
  if (target6) target6.connections = 0;
  allowed.requests.length = 0;
});

function expectUntouched() {
  expect(target.connections).toBe(0);
  expect(target.requests).toEqual([]);
  expect(target6?.connections ?? 0).toBe(0);
}

describe('the default policy', () => {
  it('refuses loopback in every notation before connecting', async () => {
    const hosts = ['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '127.0.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::1]', '0.0.0.0', '0'];
    for (const host of hosts) {
      const port = host === '[::1]' && target6 ? target6.port : target.port;
      const result = await safeRequest(DEFAULT_HTTP_POLICY, { url: `http://${host}:${port}/admin`, method: 'GET' });
      expect(result, host).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/^refused: .* is a (loopback|unspecified) address$/) });
    }
    expectUntouched();
  });

  it('refuses a name that resolves to loopback (checked at connect time)', async () => {
    for (const host of ['localhost', 'LOCALHOST']) {
      const result = await safeRequest(DEFAULT_HTTP_POLICY, { url: `http://${host}:${target.port}/`, method: 'POST', body: 'x' });
      expect(result, host).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/^refused: localhost resolves to .*loopback/i) });
    }
    expectUntouched();
  });

  it('refuses the cloud metadata addresses', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://2852039166/', 'http://[fd00:ec2::254]/', 'https://169.254.169.254/']) {
      const started = Date.now();
      const result = await safeRequest(DEFAULT_HTTP_POLICY, { url, method: 'GET' });
      expect(result, url).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/metadata address/) });
      expect(Date.now() - started).toBeLessThan(500);
    }
  });

  it('refuses other schemes and userinfo', async () => {
    for (const url of ['file:///etc/passwd', `ftp://127.0.0.1:${target.port}/`, `http://user:pw@example.com:${target.port}/`]) {
      expect(await safeRequest(DEFAULT_HTTP_POLICY, { url, method: 'GET' }), url).toMatchObject({ ok: false, retry: false });
    }
  });

  it('reaches the target once it is explicitly allowed (so the refusals above are the policy)', async () => {
    const result = await safeRequest({ ...DEFAULT_HTTP_POLICY, allowPrivate: [`127.0.0.1:${target.port}`] }, { url: `http://127.0.0.1:${target.port}/`, method: 'GET' });
    expect(result).toMatchObject({ ok: true, status: 200, body: 'secret internal data' });
    expect(target.requests).toHaveLength(1);
  });
});

describe('redirects', () => {
  const via = (location: string, status = 302) => `http://127.0.0.1:${allowed.port}/to?status=${status}&u=${encodeURIComponent(location)}`;

  it('re-checks every hop: an allowed server cannot redirect to a forbidden address', async () => {
    const locations = [
      `http://127.0.0.1:${target.port}/admin`,
      `http://localhost:${target.port}/admin`,
      `http://2130706433:${target.port}/admin`,
      `http://[::ffff:127.0.0.1]:${target.port}/admin`,
      `http://[::1]:${target6?.port ?? target.port}/admin`,
      'http://169.254.169.254/latest/meta-data/',
    ];
    for (const location of locations) {
      for (const status of [301, 302, 303, 307, 308]) {
        const result = await safeRequest(policy, { url: via(location, status), method: 'POST', body: '{}' });
        expect(result, `${status} ${location}`).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/refused/) });
      }
    }
    expectUntouched();
  });

  it('refuses a redirect to another scheme or with userinfo', async () => {
    for (const location of ['file:///etc/passwd', 'gopher://127.0.0.1:70/', `http://u:p@127.0.0.1:${allowed.port}/echo`]) {
      const result = await safeRequest(policy, { url: via(location), method: 'GET' });
      expect(result, location).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/^redirect to /) });
    }
  });

  it('follows allowed redirects, turning a POST into a GET on 303', async () => {
    const result = await safeRequest(policy, { url: via('/echo', 303), method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    if (!result.ok) throw new Error(result.error);
    expect(JSON.parse(result.body)).toMatchObject({ method: 'GET', body: '' });
  });

  it('keeps the method and body on 307, and drops credentials when the origin changes', async () => {
    const headers = { Authorization: 'Bearer secret', 'X-Api-Key': 'k', 'Idempotency-Key': 'run:step', 'Content-Type': 'application/json' };
    const same = await safeRequest(policy, { url: via('/echo', 307), method: 'POST', headers, body: '{"a":1}' });
    if (!same.ok) throw new Error(same.error);
    expect(JSON.parse(same.body)).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { authorization: 'Bearer secret', 'x-api-key': 'k' } });

    const other = await safeRequest(policy, { url: via(`http://localhost:${allowed.port}/echo`, 307), method: 'POST', headers, body: '{"a":1}' });
    if (!other.ok) throw new Error(other.error);
    const echoed = JSON.parse(other.body) as { method: string; body: string; headers: Record<string, string> };
    expect(echoed).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'idempotency-key': 'run:step', 'content-type': 'application/json' } });
    expect(echoed.headers.authorization).toBeUndefined();
    expect(echoed.headers['x-api-key']).toBeUndefined();
  });

  it('stops after maxRedirects', async () => {
    const result = await safeRequest(policy, { url: `http://127.0.0.1:${allowed.port}/loop`, method: 'GET' });
    expect(result).toMatchObject({ ok: false, retry: false, error: 'more than 3 redirects' });
    expect(allowed.requests).toHaveLength(4);
  });
});

describe('caps', () => {
  it('refuses a response larger than maxResponseBytes, declared or streamed', async () => {
    const small = { ...policy, maxResponseBytes: 1000 };
    for (const path of ['/big', '/big-declared']) {
      const result = await safeRequest(small, { url: `http://127.0.0.1:${allowed.port}${path}`, method: 'GET' });
      expect(result, path).toEqual({ ok: false, retry: false, error: 'the response is larger than 1000 bytes' });
    }
  });

  it('gives up after timeoutMs on a server that never answers, or never finishes', async () => {
    for (const path of ['/hang', '/drip']) {
      const started = Date.now();
      const result = await safeRequest({ ...policy, timeoutMs: 300 }, { url: `http://127.0.0.1:${allowed.port}${path}`, method: 'GET' });
      expect(result, path).toEqual({ ok: false, retry: true, error: 'no complete response within 300 ms' });
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('retries when nothing listens', async () => {
    const closed = await startTarget('127.0.0.1');
    const port = closed.port;
    await stop(closed);
    const result = await safeRequest({ ...policy, allowPrivate: [`127.0.0.1:${port}`] }, { url: `http://127.0.0.1:${port}/`, method: 'GET' });
    expect(result).toMatchObject({ ok: false, retry: true, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
