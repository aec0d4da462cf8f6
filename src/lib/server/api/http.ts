/**
 * `/trpc` over HTTP, plain JSON (no transformer: curl and any language can call it). The router
 * in force is read per request, so a model change is live at once. Bearer tokens authenticate;
 * so does the browser's session cookie, but a cookie comes along with requests other sites make,
 * so a cookie-authenticated POST must come from this origin and carry JSON (`checkCookieRequest`),
 * checked before any procedure runs. A bearer token is never sent by the browser on its own.
 *
 * A single (unbatched) call — what curl, scripts and `httpLink` send — is answered here directly:
 * one procedure call, one JSON body written with its length in one go. Batched calls and anything
 * else go through tRPC's own adapter; both produce the same wire format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Runtime } from '../runtime.ts';
import { sessionFromCookieHeader } from '../session.ts';
import type { ApiContext } from './trpc.ts';

export const MAX_BODY_BYTES = 1_000_000;
export const TRPC_PREFIX = '/trpc/';

/** The context `/trpc` hands to procedures: the caller and the address sign-in limits count by. */
export interface HttpApiContext extends ApiContext {
  readonly clientAddress: string;
}

/** The header `peyvand serve` sets itself for the web app (see src/cli/serve.ts); on /trpc a client could send it. */
const OWN_PROTOCOL_HEADER = 'x-peyvand-connection-protocol';

function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/** How the request proves who it is: a bearer token wins over the cookie. */
type Credential = { readonly kind: 'bearer'; readonly token: string } | { readonly kind: 'cookie'; readonly token: string } | null;

function credentialOf(authorization: string | null | undefined, cookie: string | null | undefined): Credential {
  if (authorization) {
    // A malformed Authorization header is a failed bearer attempt, not a reason to fall back to the cookie.
    const token = bearer(authorization);
    return token ? { kind: 'bearer', token } : { kind: 'bearer', token: '' };
  }
  const session = sessionFromCookieHeader(cookie);
  return session ? { kind: 'cookie', token: session } : null;
}

async function contextFor(runtime: Runtime, credential: Credential, clientAddress: string): Promise<HttpApiContext> {
  const user = credential && credential.token ? await runtime.authenticate(credential.token) : null;
  return { runtime, user, clientAddress };
}

export type CookieRequestVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * The CSRF rule for a cookie-authenticated request: reads (GET, HEAD) pass; anything else must say
 * it comes from `ownOrigin` — by its `Origin` header, or, when a browser sent none, by
 * `Sec-Fetch-Site: same-origin` — and carry `application/json`, which no plain form or
 * cross-origin fetch without a CORS preflight can send.
 *
 *   checkCookieRequest({ method: 'POST', origin: 'https://evil.example', secFetchSite: null, contentType: 'application/json', ownOrigin: 'https://crm.example' });
 *   // { ok: false, message: 'Refused: this request comes from https://evil.example, not from this site (https://crm.example).' }
 */
export function checkCookieRequest(request: {
  readonly method: string;
  readonly origin: string | null;
  readonly secFetchSite: string | null;
  readonly contentType: string | null;
  readonly ownOrigin: string | null;
}): CookieRequestVerdict {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return { ok: true };
  if (request.origin !== null) {
    const origin = normaliseOrigin(request.origin);
    if (!origin || !request.ownOrigin || origin !== request.ownOrigin) {
      return { ok: false, message: `Refused: this request comes from ${request.origin.slice(0, 200)}, not from this site${request.ownOrigin ? ` (${request.ownOrigin})` : ''}. Pages of other sites cannot act with your session; scripts use a bearer token.` };
    }
  } else if (request.secFetchSite !== 'same-origin') {
    return { ok: false, message: 'Refused: a request with the session cookie must say where it comes from (an Origin header). Scripts use a bearer token.' };
  }
  const mediaType = (request.contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { ok: false, message: `Refused: a request with the session cookie must send application/json, not ${request.contentType ? request.contentType.slice(0, 100) : 'no content type'}.` };
  }
  return { ok: true };
}

/** `scheme://host[:port]` as a browser writes it (default port left out), or null. */
function normaliseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}

/**
 * The origin the browser sees for this server, as SvelteKit's node adapter works it out: `ORIGIN`
 * when set; otherwise the Host (or `HOST_HEADER`) with the protocol from `PROTOCOL_HEADER` when
 * an operator set one for a proxy, else from the connection itself.
 */
export function ownOriginNode(req: IncomingMessage, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ORIGIN) return normaliseOrigin(env.ORIGIN);
  const host = firstValue(env.HOST_HEADER ? req.headers[env.HOST_HEADER.toLowerCase()] : req.headers.host);
  if (!host) return null;
  const protocolHeader = env.PROTOCOL_HEADER && env.PROTOCOL_HEADER.toLowerCase() !== OWN_PROTOCOL_HEADER ? env.PROTOCOL_HEADER.toLowerCase() : null;
  const isEncrypted = 'encrypted' in req.socket && req.socket.encrypted === true;
  const protocol = protocolHeader ? firstValue(req.headers[protocolHeader]) : isEncrypted ? 'https' : 'http';
  return protocol ? normaliseOrigin(`${protocol}://${host}`) : null;
}

/** The client's address: the socket's, or from `ADDRESS_HEADER` behind a proxy (as SvelteKit's node adapter reads it). */
export function clientAddressNode(req: IncomingMessage, env: NodeJS.ProcessEnv = process.env): string {
  const name = env.ADDRESS_HEADER?.toLowerCase();
  if (name) {
    const raw = req.headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value) {
      if (name !== 'x-forwarded-for') return value.trim();
      // The proxies we trust appended the last XFF_DEPTH entries; earlier ones the client wrote.
      const parts = value.split(',').map((p) => p.trim());
      const depth = Number(env.XFF_DEPTH ?? 1);
      const chosen = parts[parts.length - (Number.isInteger(depth) && depth > 0 ? depth : 1)];
      if (chosen) return chosen;
    }
  }
  return req.socket.remoteAddress ?? 'unknown';
}

function forbiddenBody(message: string): unknown {
  return { error: { message, code: -32003, data: { code: 'FORBIDDEN', httpStatus: 403, peyvandCode: 'csrf' } } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function tooLarge(res: ServerResponse): void {
  sendJson(res, 413, { error: { message: `request body larger than ${MAX_BODY_BYTES} bytes`, code: -32600, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } });
}

/** Reads a request body up to the limit; null when it is larger. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isSingleCall(url: URL, path: string): boolean {
  return !url.searchParams.has('batch') && path.length > 0 && !path.includes(',');
}

/** For Node's http server (the `peyvand serve` process). */
export async function handleTrpcNode(runtime: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeURIComponent(url.pathname.slice(TRPC_PREFIX.length));
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BODY_BYTES) {
    tooLarge(res);
    req.resume();
    return;
  }
  const credential = credentialOf(req.headers.authorization, req.headers.cookie);
  if (credential?.kind === 'cookie') {
    const verdict = checkCookieRequest({
      method: req.method ?? 'GET',
      origin: firstHeader(req.headers.origin),
      secFetchSite: firstHeader(req.headers['sec-fetch-site']),
      contentType: firstHeader(req.headers['content-type']),
      ownOrigin: ownOriginNode(req),
    });
    if (!verdict.ok) {
      sendJson(res, 403, forbiddenBody(verdict.message));
      req.resume();
      return;
    }
  }
  const clientAddress = clientAddressNode(req);
  if (isSingleCall(url, path) && (req.method === 'GET' || req.method === 'POST')) {
    await handleSingleCall(runtime, req, res, url, path, () => contextFor(runtime, credential, clientAddress));
    return;
  }
  await nodeHTTPRequestHandler({
    req,
    res,
    path,
    router: runtime.current().router,
    maxBodySize: MAX_BODY_BYTES,
    allowMethodOverride: true,
    createContext: () => contextFor(runtime, credential, clientAddress),
    onError({ error }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error('[trpc]', path, error.cause ?? error);
    },
  });
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

async function handleSingleCall(
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
  createContext: () => Promise<HttpApiContext>,
): Promise<void> {
  const router = runtime.current().router;
  let input: unknown;
  let ctx: ApiContext | undefined;
  // `_def.procedures` is flat at run time: dotted path → procedure.
  const procedure = (router._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' | 'subscription' } } | undefined>)[path];
  const type = procedure?._def.type ?? 'unknown';
  try {
    if (req.method === 'GET') {
      const raw = url.searchParams.get('input');
      input = raw === null ? undefined : (JSON.parse(raw) as unknown);
    } else {
      const body = await readBody(req);
      if (body === null) {
        tooLarge(res);
        return;
      }
      input = body === '' ? undefined : (JSON.parse(body) as unknown);
    }
    if (!procedure) throw new TRPCError({ code: 'NOT_FOUND', message: `no procedure at "${path}"` });
    if (type === 'subscription') throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'subscriptions are not served over plain HTTP' });
    if (type === 'mutation' && req.method === 'GET') throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `"${path}" is a mutation: use POST` });
    ctx = await createContext();
    const data: unknown = await callTRPCProcedure({
      router,
      path,
      type: type === 'mutation' ? 'mutation' : 'query',
      ctx,
      getRawInput: async () => input,
      signal: undefined,
      batchIndex: 0,
      allowMethodOverride: true,
    });
    sendJson(res, 200, { result: { data } });
  } catch (cause) {
    const error = cause instanceof SyntaxError ? new TRPCError({ code: 'PARSE_ERROR', message: 'the input is not valid JSON', cause }) : getTRPCErrorFromUnknown(cause);
    if (error.code === 'INTERNAL_SERVER_ERROR') console.error('[trpc]', path, error.cause ?? error);
    const shape = getTRPCErrorShape({ config: router._def._config, error, type: type === 'unknown' ? 'unknown' : type, path, input, ctx });
    sendJson(res, getHTTPStatusCodeFromError(error), { error: shape });
  }
}

/**
 * For SvelteKit's route (dev server and pages). `request.url` carries the origin SvelteKit worked
 * out (ORIGIN, PROTOCOL_HEADER, HOST_HEADER); pass the address from `getClientAddress()`.
 */
export async function handleTrpcFetch(runtime: Runtime, request: Request, options: { readonly clientAddress?: string } = {}): Promise<Response> {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) return new Response(JSON.stringify({ error: { message: `request body larger than ${MAX_BODY_BYTES} bytes` } }), { status: 413 });
  const credential = credentialOf(request.headers.get('authorization'), request.headers.get('cookie'));
  if (credential?.kind === 'cookie') {
    const verdict = checkCookieRequest({
      method: request.method,
      origin: request.headers.get('origin'),
      secFetchSite: request.headers.get('sec-fetch-site'),
      contentType: request.headers.get('content-type'),
      ownOrigin: normaliseOrigin(request.url),
    });
    if (!verdict.ok) return new Response(JSON.stringify(forbiddenBody(verdict.message)), { status: 403, headers: { 'content-type': 'application/json' } });
  }
  const clientAddress = options.clientAddress ?? 'unknown';
  return fetchRequestHandler({
    endpoint: '/trpc',
    req: request,
    router: runtime.current().router,
    allowMethodOverride: true,
    createContext: () => contextFor(runtime, credential, clientAddress),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error('[trpc]', path, error.cause ?? error);
    },
  });
}
