import { describe, expect, it } from 'vitest';
import { checkUrl, classifyAddress, headerProblem, parseAllowList, parseIp, refusal, safeRequest, DEFAULT_HTTP_POLICY } from './http-client.ts';

function classOf(text: string) {
  const address = parseIp(text);
  if (address === null) throw new Error(`not an address: ${text}`);
  return classifyAddress(address);
}

function refusedUrl(url: string): string | null {
  const result = checkUrl(url, []);
  return result.ok ? null : result.error;
}

describe('address classification', () => {
  it('refuses loopback in every notation a URL accepts', () => {
    for (const host of ['127.0.0.1', '2130706433', '0x7f000001', '0x7f.0.0.1', '0177.0.0.1', '0177.00.00.01', '127.1', '127.0.1', '[::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:127.0.0.1]', '127.255.255.254']) {
      expect(refusedUrl(`http://${host}:8080/x`), host).toMatch(/loopback/);
    }
  });

  it('refuses the metadata services', () => {
    for (const host of ['169.254.169.254', '2852039166', '0xa9fea9fe', '[::ffff:169.254.169.254]', '[fd00:ec2::254]', '100.100.100.200']) {
      expect(refusedUrl(`http://${host}/latest/meta-data/`), host).toMatch(/metadata/);
    }
  });

  it('names the kind of every non-public range', () => {
    const cases: [string, string][] = [
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['100.64.0.1', 'cgnat'],
      ['100.127.255.255', 'cgnat'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['fc00::1', 'private'],
      ['fd12:3456::1', 'private'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['ff02::1', 'multicast'],
      ['::127.0.0.1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2001::1', 'reserved'],
      ['2002:7f00:1::', 'reserved'],
      ['64:ff9b::7f00:1', 'loopback'],
      ['64:ff9b::a00:1', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:a9fe:a9fe', 'metadata'],
    ];
    for (const [address, kind] of cases) expect(classOf(address), address).toBe(kind);
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8']) {
      expect(classOf(address), address).toBe('public');
    }
    expect(refusedUrl('https://93.184.215.14/hook')).toBeNull();
    expect(refusedUrl('https://[2606:4700:4700::1111]/hook')).toBeNull();
    expect(refusedUrl('https://hooks.example.com/hook')).toBeNull();
  });

  it('reads 0 as 0.0.0.0', () => {
    expect(refusedUrl('http://0:3000/')).toMatch(/unspecified/);
  });
});

describe('checkUrl', () => {
  it('allows only http and https', () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://example.com/', 'javascript:alert(1)', 'data:text/plain,hi']) {
      expect(refusedUrl(url), url).toMatch(/only http and https/);
    }
  });

  it('refuses userinfo, even the empty-password form', () => {
    expect(refusedUrl('https://user:pass@example.com/')).toMatch(/user name or password/);
    expect(refusedUrl('https://user@example.com/')).toMatch(/user name or password/);
    expect(refusedUrl('https://example.com@127.0.0.1/')).toMatch(/user name or password/);
  });

  it('refuses what is not a URL', () => {
    expect(refusedUrl('not a url')).toMatch(/not a valid URL/);
  });
});

describe('allowPrivate', () => {
  it('accepts IPs, CIDRs and IP:port, and refuses anything else', () => {
    expect(parseAllowList(['127.0.0.1', '10.0.0.0/8', '127.0.0.1:8080', '[::1]:8080', '::1', 'fd00::/8'])).toHaveLength(6);
    for (const bad of ['localhost', '127.0.0.1:0', '127.0.0.1:70000', '10.0.0.0/33', '127.0.0.1/8/1', '']) {
      expect(parseAllowList([bad]), bad).toBeNull();
    }
  });

  it('allows exactly what is listed: an address, or one port of it', () => {
    const allow = parseAllowList(['127.0.0.1:8080', '10.0.0.0/8']) ?? [];
    expect(refusal('127.0.0.1', 8080, allow)).toBeNull();
    expect(refusal('::ffff:127.0.0.1', 8080, allow)).toBeNull();
    expect(refusal('127.0.0.1', 8081, allow)).toMatch(/loopback/);
    expect(refusal('127.0.0.2', 8080, allow)).toMatch(/loopback/);
    expect(refusal('10.9.9.9', 22, allow)).toBeNull();
    expect(refusal('169.254.169.254', 80, allow)).toMatch(/metadata/);
  });

  it('refuses a request when the policy itself is malformed', async () => {
    const result = await safeRequest({ ...DEFAULT_HTTP_POLICY, allowPrivate: ['localhost'] }, { url: 'https://example.com/', method: 'GET' });
    expect(result).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/invalid allowPrivate/) });
  });
});

describe('request headers', () => {
  it('refuses line breaks, bad names and headers Peyvand sets', () => {
    expect(headerProblem('X-Api-Key', 'abc')).toBeNull();
    expect(headerProblem('X-Evil', 'a\r\nHost: internal')).toMatch(/line break/);
    expect(headerProblem('X-Evil', 'a\nb')).toMatch(/line break/);
    expect(headerProblem('Bad Name', 'a')).toMatch(/not a valid header name/);
    expect(headerProblem('X-A:b', 'a')).toMatch(/not a valid header name/);
    for (const name of ['Host', 'Content-Length', 'transfer-encoding', 'Connection']) expect(headerProblem(name, 'x'), name).toMatch(/set by Peyvand/);
  });

  it('safeRequest refuses them before connecting', async () => {
    const result = await safeRequest(DEFAULT_HTTP_POLICY, { url: 'https://example.com/', method: 'POST', headers: { 'X-A': 'a\r\nb' }, body: '' });
    expect(result).toMatchObject({ ok: false, retry: false });
  });

  it('refuses a body on GET', async () => {
    const result = await safeRequest(DEFAULT_HTTP_POLICY, { url: 'https://example.com/', method: 'GET', body: 'x' });
    expect(result).toMatchObject({ ok: false, retry: false, error: 'a GET request cannot have a body' });
  });
});
