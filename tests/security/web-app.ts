/**
 * The SvelteKit app served in-process by Vite (no build needed), over a real HTTP port, with a
 * test's runtime handed to the hooks the way `peyvand serve` hands its own (runtime-global.ts).
 * `/trpc/` goes to handleTrpcNode, as in `peyvand serve`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { RUNTIME_KEY } from '../../src/lib/server/runtime-global.ts';
import { handleTrpcNode, TRPC_PREFIX } from '../../src/lib/server/api/http.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WebApp {
  readonly base: string;
  /** A module of the app as SvelteKit's server sees it (aliases resolved), e.g. '/src/hooks.server.ts'. */
  load(path: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startWebApp(runtime: Runtime): Promise<WebApp> {
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = runtime;
  const vite: ViteDevServer = await createViteServer({
    root: ROOT,
    configFile: `${ROOT}/vite.config.ts`,
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, watch: null },
    appType: 'custom',
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '/').startsWith(TRPC_PREFIX)) {
      void handleTrpcNode(runtime, req, res);
      return;
    }
    vite.middlewares(req, res, () => res.writeHead(404).end('not found'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    load: (path) => vite.ssrLoadModule(path),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await vite.close();
      delete (globalThis as Record<symbol, unknown>)[RUNTIME_KEY];
    },
  };
}
