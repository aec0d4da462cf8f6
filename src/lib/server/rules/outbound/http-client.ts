/**
 * The one way workflow actions reach the network over HTTP (SECURITY.md item 8): http(s) only, no
 * userinfo, no private / loopback / link-local / CGNAT / multicast / metadata address in any
 * notation, checked on the address actually connected to (a `lookup` hook runs at connect time, so
 * DNS rebinding cannot swap in a private address after a check), every redirect re-checked, size and
 * total time capped.
 *
 * ```ts
 * const result = await safeRequest(DEFAULT_HTTP_POLICY, { url: 'https://hooks.example.com/in', method: 'POST', body: '{}' });
 * if (!result.ok) return { status: 'error', error: result.error, retry: result.retry };
 * ```
 *
 * Tests reach a local server by allowing exactly it: `allowPrivate: ['127.0.0.1:8080']`.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';

export interface HttpPolicy {
  /**
   * Non-public addresses that may be reached anyway: an IP (`127.0.0.1`, `::1`), a CIDR
   * (`10.0.0.0/8`), or an IP with a port (`127.0.0.1:8080`, `[::1]:8080`) to allow one service only.
   */
  readonly allowPrivate: readonly string[];
  /** For the whole exchange, redirects included. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = Object.freeze({
  allowPrivate: Object.freeze([]),
  timeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  maxRedirects: 3,
});

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | null;
}

export type HttpResult =
  | { readonly ok: true; readonly status: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly ok: false; readonly error: string; readonly retry: boolean; readonly status?: number };

// ---------------------------------------------------------------------------------------------
// Addresses. These work on the canonical forms a URL parser or DNS resolver produces: the WHATWG
// URL parser has already turned `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` into
// `127.0.0.1`, and `[::ffff:127.0.0.1]` into `[::ffff:7f00:1]`.

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'multicast' | 'unspecified' | 'metadata' | 'reserved';

export type IpAddress = { readonly version: 4; readonly value: bigint } | { readonly version: 6; readonly value: bigint };

/** `127.0.0.1`, `::1`, `[::1]`, `fe80::1%eth0` → an address; anything else → null. IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): IpAddress | null {
  let host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  host = host.replace(/%.*$/, '');
  if (isIPv4(host)) return { version: 4, value: ipv4Value(host) };
  if (!isIPv6(host)) return null;
  const value = ipv6Value(host);
  if (value >> 32n === 0xffffn) return { version: 4, value: value & 0xffffffffn };
  return { version: 6, value };
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((sum, part) => (sum << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  let head = text;
  let tail: bigint[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const v4 = ipv4Value(dotted[1]);
    tail = [v4 >> 16n, v4 & 0xffffn];
    head = text.slice(0, -dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => BigInt(parseInt(group, 16))));
  const leftGroups = groups(left);
  const rightGroups = [...(right === undefined ? [] : groups(right)), ...tail];
  const all = right === undefined && tail.length > 0 ? [...leftGroups, ...tail] : [...leftGroups, ...Array<bigint>(8 - leftGroups.length - rightGroups.length).fill(0n), ...rightGroups];
  return all.reduce((sum, group) => (sum << 16n) | group, 0n);
}

interface Range {
  readonly version: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

/** `10.0.0.0/8`, `::1`, `fd00::/8` → a range; null when not an address or prefix. */
export function parseCidr(text: string): Range | null {
  const [address = '', bits, extra] = text.split('/');
  if (extra !== undefined) return null;
  const parsed = parseIp(address);
  if (parsed === null) return null;
  // A mapped address written as IPv6 keeps an IPv6-sized prefix: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
  const width = parsed.version === 4 ? 32 : 128;
  let prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (parsed.version === 4 && isIPv6(address.replace(/^\[|\]$/g, '')) && bits !== undefined) prefix -= 96;
  if (!(prefix >= 0 && prefix <= width)) return null;
  return { version: parsed.version, base: parsed.value, bits: prefix };
}

export function inRange(address: IpAddress, range: Range): boolean {
  if (address.version !== range.version) return false;
  const shift = BigInt((range.version === 4 ? 32 : 128) - range.bits);
  return address.value >> shift === range.base >> shift;
}

function ranges(kind: AddressClass, cidrs: readonly string[]): readonly (readonly [Range, AddressClass])[] {
  return cidrs.map((cidr) => {
    const range = parseCidr(cidr);
    if (range === null) throw new Error(`bad built-in range ${cidr}`);
    return [range, kind] as const;
  });
}

// First match wins, so the specific ranges come before the ranges that contain them.
const IPV4_RANGES = [
  ...ranges('metadata', ['169.254.169.254/32', '100.100.100.200/32']),
  ...ranges('unspecified', ['0.0.0.0/8']),
  ...ranges('private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
  ...ranges('loopback', ['127.0.0.0/8']),
  ...ranges('link-local', ['169.254.0.0/16']),
  ...ranges('cgnat', ['100.64.0.0/10']),
  ...ranges('multicast', ['224.0.0.0/4']),
  ...ranges('reserved', ['192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4']),
];

const NAT64 = parseCidr('64:ff9b::/96');

const IPV6_RANGES = [
  ...ranges('metadata', ['fd00:ec2::254/128']),
  ...ranges('unspecified', ['::/128']),
  ...ranges('loopback', ['::1/128']),
  ...ranges('private', ['fc00::/7']),
  ...ranges('link-local', ['fe80::/10']),
  ...ranges('multicast', ['ff00::/8']),
  // Inside global unicast: protocol assignments (Teredo, ORCHID, benchmarking), documentation, 6to4 (embeds any IPv4).
  ...ranges('reserved', ['2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20']),
  ...ranges('public', ['2000::/3']),
];

/** What kind of address this is; only `public` may be reached without explicit configuration. */
export function classifyAddress(address: IpAddress): AddressClass {
  if (address.version === 4) {
    for (const [range, kind] of IPV4_RANGES) if (inRange(address, range)) return kind;
    return 'public';
  }
  if (NAT64 !== null && inRange(address, NAT64)) return classifyAddress({ version: 4, value: address.value & 0xffffffffn });
  for (const [range, kind] of IPV6_RANGES) if (inRange(address, range)) return kind;
  // Everything outside 2000::/3 (IPv4-compatible ::/96, site-local, discard, …) is not a destination.
  return 'reserved';
}

// ---------------------------------------------------------------------------------------------
// Policy

interface AllowEntry {
  readonly range: Range;
  readonly port: number | null;
}

/** Parses `allowPrivate`; null when an entry is not an IP, CIDR or IP:port. */
export function parseAllowList(entries: readonly string[]): readonly AllowEntry[] | null {
  const out: AllowEntry[] = [];
  for (const entry of entries) {
    const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(entry);
    const v4port = /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(entry);
    const [address, port] = bracketed !== null ? [bracketed[1], bracketed[2]] : v4port !== null ? [v4port[1], v4port[2]] : [entry, undefined];
    const range = parseCidr(address ?? '');
    const portNumber = port === undefined ? null : Number(port);
    if (range === null || (portNumber !== null && !(portNumber > 0 && portNumber < 65536))) return null;
    out.push({ range, port: portNumber });
  }
  return out;
}

/** Null when the address may be connected to on this port; otherwise why not. */
export function refusal(address: string, port: number, allow: readonly AllowEntry[]): string | null {
  const parsed = parseIp(address);
  if (parsed === null) return `${address} is not an IP address`;
  if (allow.some((entry) => inRange(parsed, entry.range) && (entry.port === null || entry.port === port))) return null;
  const kind = classifyAddress(parsed);
  return kind === 'public' ? null : `${address} is a ${kind} address`;
}

const REFUSED = 'EPEYVAND_REFUSED';

class RefusedError extends Error {
  readonly code = REFUSED;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

export type UrlCheck = { readonly ok: true; readonly url: URL; readonly port: number } | { readonly ok: false; readonly error: string };

/** A URL outbound HTTP may use at all: http(s), no user name or password. Says nothing about the address. */
export function checkUrlSyntax(text: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `not a valid URL: ${text.slice(0, 200)}` };
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) return { ok: false, error: `only http and https URLs are allowed, not ${url.protocol}` };
  if (url.username !== '' || url.password !== '') return { ok: false, error: 'URLs with a user name or password are not allowed; send credentials in a header' };
  return { ok: true, url, port: url.port === '' ? defaultPort : Number(url.port) };
}

/** Checks what can be checked before connecting: the syntax, and a host that is a literal IP. */
export function checkUrl(text: string, allow: readonly AllowEntry[]): UrlCheck {
  const checked = checkUrlSyntax(text);
  if (!checked.ok) return checked;
  const host = checked.url.hostname.replace(/^\[|\]$/g, '');
  if (isIPv4(host) || isIPv6(host)) {
    const why = refusal(host, checked.port, allow);
    if (why !== null) return { ok: false, error: `refused: ${why}` };
  }
  return checked;
}

/** Resolves as usual, then keeps only the addresses the policy allows; fails when none is left. */
function guardedLookup(port: number, allow: readonly AllowEntry[]): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { family: options.family ?? 0, hints: options.hints ?? 0, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const reasons: string[] = [];
      const usable = addresses.filter((entry) => {
        const why = refusal(entry.address, port, allow);
        if (why !== null) reasons.push(why);
        return why === null;
      });
      const first = usable[0];
      if (first === undefined) {
        callback(new RefusedError(`refused: ${hostname} resolves to ${reasons.join(', ') || 'no address'}`), '', 0);
      } else if (options.all === true) {
        callback(null, usable);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the client sets itself or that would change how the message is framed or routed. */
export const RESERVED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'accept-encoding',
]);

/** Null when the header may be sent; otherwise why not. */
export function headerProblem(name: string, value: string): string | null {
  if (!TOKEN.test(name)) return `${JSON.stringify(name)} is not a valid header name`;
  if (RESERVED_REQUEST_HEADERS.has(name.toLowerCase())) return `the ${name} header is set by Peyvand`;
  if (/[\r\n\0]/.test(value)) return `the ${name} header contains a line break`;
  return null;
}

/** Kept when a redirect leaves the origin; credentials and custom headers are not. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'idempotency-key', 'user-agent']);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Hop {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

type Exchange =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'failed'; readonly error: string; readonly retry: boolean };

/** Sends a request under a policy; never throws. Non-2xx responses are errors with `status`. */
export async function safeRequest(policy: HttpPolicy, request: HttpRequest): Promise<HttpResult> {
  const allow = parseAllowList(policy.allowPrivate);
  if (allow === null) return { ok: false, error: `the outbound HTTP policy has an invalid allowPrivate entry: ${policy.allowPrivate.join(', ')}`, retry: false };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const problem = headerProblem(name, value);
    if (problem !== null) return { ok: false, error: problem, retry: false };
    headers[name.toLowerCase()] = value;
  }
  const body = request.body ?? null;
  if (body !== null && request.method === 'GET') return { ok: false, error: 'a GET request cannot have a body', retry: false };

  const signal = AbortSignal.timeout(policy.timeoutMs);
  let hop: Hop = { url: request.url, method: request.method, headers, body };
  for (let redirects = 0; ; redirects += 1) {
    const target = checkUrl(hop.url, allow);
    if (!target.ok) return { ok: false, error: redirects === 0 ? target.error : `redirect to ${hop.url.slice(0, 200)}: ${target.error}`, retry: false };
    const exchange = await send(target.url, target.port, hop, allow, policy, signal);
    switch (exchange.kind) {
      case 'failed':
        return { ok: false, error: exchange.error, retry: exchange.retry };
      case 'response':
        return classify(exchange.status, exchange.headers, exchange.body);
      case 'redirect': {
        if (redirects >= policy.maxRedirects) return { ok: false, error: `more than ${policy.maxRedirects} redirects`, retry: false, status: exchange.status };
        let next: URL;
        try {
          next = new URL(exchange.location, target.url);
        } catch {
          return { ok: false, error: `the server redirected to an invalid URL: ${exchange.location.slice(0, 200)}`, retry: false, status: exchange.status };
        }
        hop = redirected(hop, target.url, next, exchange.status);
      }
    }
  }
}

function classify(status: number, headers: Record<string, string>, body: string): HttpResult {
  if (status >= 200 && status < 300) return { ok: true, status, headers, body };
  const retry = status >= 500 || status === 408 || status === 429;
  const excerpt = body.slice(0, 200).replace(/\s+/g, ' ').trim();
  return { ok: false, error: `the server answered ${status}${excerpt === '' ? '' : `: ${excerpt}`}`, retry, status };
}

function redirected(hop: Hop, from: URL, to: URL, status: number): Hop {
  const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  const sameOrigin = from.origin === to.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (toGet && name === 'content-type') continue;
    if (sameOrigin || CROSS_ORIGIN_HEADERS.has(name)) headers[name] = value;
  }
  return { url: to.href, method: toGet ? 'GET' : hop.method, headers, body: toGet ? null : hop.body };
}

function send(url: URL, port: number, hop: Hop, allow: readonly AllowEntry[], policy: HttpPolicy, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(exchange);
    };
    const headers: Record<string, string> = { 'user-agent': 'Peyvand', 'accept-encoding': 'identity', ...hop.headers };
    if (hop.body !== null) headers['content-length'] = String(Buffer.byteLength(hop.body));
    const options: http.RequestOptions = {
      method: hop.method,
      headers,
      // A fresh agent per request: no pooled socket to an address checked for another request,
      // and no proxy taken from the environment (a proxy would resolve the name itself).
      agent: false,
      lookup: guardedLookup(port, allow),
    };
    let req: http.ClientRequest;
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, options);
    } catch (error) {
      settle({ kind: 'failed', error: `the request could not be made: ${message(error)}`, retry: false });
      return;
    }
    const onAbort = () => {
      settle({ kind: 'failed', error: `no complete response within ${policy.timeoutMs} ms`, retry: true });
      req.destroy();
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort);

    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === REFUSED) settle({ kind: 'failed', error: error.message, retry: false });
      else settle({ kind: 'failed', error: `${url.host}: ${message(error)}`, retry: true });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location !== undefined) {
        settle({ kind: 'redirect', status, location });
        res.destroy();
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (declared > policy.maxResponseBytes) {
        settle(tooLarge(policy));
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > policy.maxResponseBytes) {
          settle(tooLarge(policy));
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => settle({ kind: 'response', status, headers: flatten(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => settle({ kind: 'failed', error: `${url.host}: ${message(error)}`, retry: true }));
      res.on('close', () => settle({ kind: 'failed', error: `${url.host}: the connection closed before the response ended`, retry: true }));
    });
    req.end(hop.body ?? undefined);
  });
}

function tooLarge(policy: HttpPolicy): Exchange {
  return { kind: 'failed', error: `the response is larger than ${policy.maxResponseBytes} bytes`, retry: false };
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
