/** A started runtime on a throwaway database of either kind, and small helpers for results. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPostgresDatabase } from './databases.ts';
import { handleTrpcNode, TRPC_PREFIX } from '../../src/lib/server/api/http.ts';
import { startRuntime, type Runtime } from '../../src/lib/server/runtime.ts';
import type { DatabaseKind } from '../../src/lib/server/db/database.ts';
import type { RecordError, RecordResult } from '../../src/lib/server/records/record-error.ts';

export async function openTestRuntime(kind: DatabaseKind, prefix = 'peyvand_rt'): Promise<{ runtime: Runtime; dispose: () => Promise<void> }> {
  if (kind === 'pglite') {
    const runtime = await startRuntime({ dataDir: 'memory://' });
    return { runtime, dispose: () => runtime.close() };
  }
  const created = await createPostgresDatabase(prefix);
  const runtime = await startRuntime({ url: created.url, poolSize: 5 });
  return {
    runtime,
    async dispose() {
      await runtime.close();
      await created.drop();
    },
  };
}

export function must<T>(result: RecordResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function failure<T>(result: RecordResult<T>): RecordError {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}

export interface TestApiServer {
  /** `http://127.0.0.1:<port>`; the API is at `${base}/trpc/…`. */
  readonly base: string;
  /** Errors the handler let escape (a test asserts there are none). */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port that routes `/trpc/` the way `peyvand serve` does. */
export async function startApiServer(runtime: Runtime): Promise<TestApiServer> {
  const errors: unknown[] = [];
  const server = createServer((req, res) => {
    if ((req.url ?? '/').startsWith(TRPC_PREFIX)) {
      handleTrpcNode(runtime, req, res).catch((error: unknown) => {
        errors.push(error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
