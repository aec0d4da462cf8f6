/**
 * `/trpc` over HTTP, plain JSON (no transformer: curl and any language can call it). The router
 * in force is read per request, so a model change is live at once. Bearer tokens authenticate.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { authenticateToken } from '../auth/tokens.ts';
import type { AuthUser } from '../auth/permissions.ts';
import type { Runtime } from '../runtime.ts';

export const MAX_BODY_BYTES = 1_000_000;
export const TRPC_PREFIX = '/trpc/';

function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

async function userFor(runtime: Runtime, authorization: string | null | undefined): Promise<AuthUser | null> {
  const token = bearer(authorization);
  return token ? authenticateToken(runtime.database.db, token) : null;
}

/** For Node's http server (the `peyvand serve` process). */
export async function handleTrpcNode(runtime: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.slice(TRPC_PREFIX.length);
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BODY_BYTES) {
    res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `request body larger than ${MAX_BODY_BYTES} bytes`, code: -32600 } }));
    req.resume();
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
