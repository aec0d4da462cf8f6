/**
 * `peyvand serve`: the API at /trpc, the web app (SvelteKit's build) for everything else, and —
 * with --demo — the demo pack and its data on first start.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { startRuntime, type Runtime } from '../lib/server/runtime.ts';
import { ensureFirstAdmin } from '../lib/server/auth/users.ts';
import { handleTrpcNode, TRPC_PREFIX } from '../lib/server/api/http.ts';
import { installDemoAccess } from '../lib/server/access/demo-access.ts';
import { applyPackFolder } from '../lib/server/packs/pack-service.ts';
import { readSeedData } from '../lib/server/packs/read-pack.ts';
import { seedData } from '../lib/server/packs/seed.ts';
import { RUNTIME_KEY } from '../lib/server/runtime-global.ts';
import { startJobsFromEnv } from '../lib/server/jobs/from-env.ts';
import { handleWebhookNode, HOOKS_PREFIX } from '../lib/server/rules/webhook-http.ts';
import { installBuiltinWorkflows } from '../lib/server/rules/builtin-workflows.ts';
import { formatApplyResult, formatIssues } from './format.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_PACK = join(ROOT, 'packs', 'b2b-sales');

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * SvelteKit's node adapter assumes https unless told otherwise, and its CSRF check compares the
 * browser's Origin with that. Unless the operator set ORIGIN or PROTOCOL_HEADER (behind a proxy),
 * the protocol of the actual connection is passed in a header of ours that clients cannot set.
 */
const PROTOCOL_HEADER = 'x-peyvand-connection-protocol';
const setsOwnProtocol = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;

async function loadWebHandler(): Promise<NodeHandler | null> {
  const file = join(ROOT, 'build', 'handler.js');
  if (!existsSync(file)) return null;
  if (setsOwnProtocol) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  // Pack bundles with their seed data are uploaded whole (imports go in chunks); the adapter's default is 512 KB.
  process.env.BODY_SIZE_LIMIT ??= '32M';
  const module = (await import(pathToFileURL(file).href)) as { handler: NodeHandler };
  return module.handler;
}

export async function installDemo(runtime: Runtime, log: (line: string) => void): Promise<void> {
  // A newer demo pack upgrades the installed one; what an admin changed in the designer is kept.
  const outcome = await applyPackFolder(runtime.database, DEMO_PACK, { actorId: null, resolveAll: 'mine' });
  if (!outcome.ok) throw new Error(formatIssues(DEMO_PACK, outcome.issues));
  if (outcome.result.status !== 'unchanged') log(formatApplyResult(outcome.pack.info, outcome.result));
  const state = await runtime.refresh();
  // The demo records belong to the first administrator, so "the owner" means someone in the demo workflows.
  const owner = await runtime.database.db.selectFrom('peyvand.users').select('id').where('is_admin', '=', true).orderBy('created_at').limit(1).executeTakeFirst();
  const reports = await seedData(runtime.database, state.model, await readSeedData(DEMO_PACK), owner?.id ?? null);
  for (const r of reports) if (r.inserted > 0) log(`demo data: ${r.inserted} ${r.entity} records`);
  const builtins = await installBuiltinWorkflows(runtime.database, null);
  if (builtins.installed.length > 0) log(`built-in workflows: ${builtins.installed.join(', ')}`);
  for (const s of builtins.skipped) log(`built-in workflow ${s.file} not installed: ${s.reason}`);
  await runtime.refresh();
  // Teams, a manager and two reps (one-time passwords printed once), records shared out between the reps.
  await installDemoAccess(runtime, log);
}

export async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, demo: { type: 'boolean' } } });
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const runtime = await startRuntime({
    url: process.env.DATABASE_URL || undefined,
    dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand',
    purpose: `the Peyvand server (port ${port})`,
  });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const admin = await ensureFirstAdmin(runtime.database.db);
  if (admin) {
    log('First start: created the administrator account.');
    log(`  email:    ${admin.email}`);
    log(`  password: ${admin.password}   (one-time: you must change it at first sign-in)`);
  }
  if (values.demo) await installDemo(runtime, log);
  runtime.onModelChange((s) => log(`model version ${s.version} is live (${s.model.entities.length} entities)`));

  const { jobs, describe } = await startJobsFromEnv(runtime, 'serve', process.env, { demo: values.demo === true, log });
  log(describe);
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = runtime;
  const web = await loadWebHandler();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(TRPC_PREFIX)) {
      handleTrpcNode(runtime, req, res).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (url.startsWith(HOOKS_PREFIX)) {
      handleWebhookNode(runtime, req, res).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, modelVersion: runtime.current().version }));
      return;
    }
    if (web) {
      if (setsOwnProtocol) req.headers[PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
      web(req, res, () => res.writeHead(404).end('not found'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Peyvand API is at /trpc. Run `npm run build` for the web app.\n');
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actualPort = address && typeof address === 'object' ? address.port : port;
  log(`Peyvand is listening on http://${host}:${actualPort} (${runtime.database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}, model version ${runtime.current().version})`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('shutting down');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await jobs.close();
  await runtime.close();
  return 0;
}

class WorkerConfigError extends Error {
  readonly code = 'WORKER_CONFIG';
}

/** `peyvand worker`: executes workflow runs from BullMQ until SIGINT/SIGTERM. */
export async function worker(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  if (!process.env.REDIS_URL) throw new WorkerConfigError('peyvand worker needs REDIS_URL (BullMQ on Redis); without it, `peyvand serve` runs the jobs in-process');
  if (!process.env.DATABASE_URL) throw new WorkerConfigError('peyvand worker needs DATABASE_URL (PostgreSQL): the embedded PGlite database belongs to the one `peyvand serve` process');
  const runtime = await startRuntime({ url: process.env.DATABASE_URL, dataDir: '.peyvand', purpose: 'a Peyvand worker' });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { jobs, describe } = await startJobsFromEnv(runtime, 'worker');
    log(`${describe} (model version ${runtime.current().version})`);
    runtime.onModelChange((s) => log(`model version ${s.version} is live`));
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    log('shutting down');
    await jobs.close();
  } finally {
    await runtime.close();
  }
  return 0;
}
