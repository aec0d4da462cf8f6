/**
 * `/trpc` over HTTP, plain JSON (no transformer: curl and any language can call it). The router
 * in force is read per request, so a model change is live at once. Bearer tokens authenticate.
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
import type { AuthUser } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';
import type { ApiContext } from './trpc.ts';

export const MAX_BODY_BYTES = 1_000_000;
export const TRPC_PREFIX = '/trpc/';

function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

async function userFor(runtime: Runtime, authorization: string | null | undefined): Promise<AuthUser | null> {
  const token = bearer(authorization);
  return token ? runtime.authenticate(token) : null;
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
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeURIComponent(url.pathname.slice(TRPC_PREFIX.length));
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BODY_BYTES) {
    tooLarge(res);
    req.resume();
    return;
  }
  if (isSingleCall(url, path) && (req.method === 'GET' || req.method === 'POST')) {
    await handleSingleCall(runtime, req, res, url, path);
    return;
  }
  await nodeHTTPRequestHandler({
    req,
    res,
    path,
    router: runtime.current().router,
    maxBodySize: MAX_BODY_BYTES,
    allowMethodOverride: true,
    createContext: async () => ({ runtime, user: await userFor(runtime, req.headers.authorization) }),
    onError({ error }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error('[trpc]', path, error.cause ?? error);
    },
  });
}

async function handleSingleCall(runtime: Runtime, req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
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
    ctx = { runtime, user: await userFor(runtime, req.headers.authorization) };
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

/** For SvelteKit's route (dev server and pages). */
export async function handleTrpcFetch(runtime: Runtime, request: Request): Promise<Response> {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) return new Response(JSON.stringify({ error: { message: `request body larger than ${MAX_BODY_BYTES} bytes` } }), { status: 413 });
  return fetchRequestHandler({
    endpoint: '/trpc',
    req: request,
    router: runtime.current().router,
    allowMethodOverride: true,
    createContext: async () => ({ runtime, user: await userFor(runtime, request.headers.get('authorization')) }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error('[trpc]', path, error.cause ?? error);
    },
  });
}
