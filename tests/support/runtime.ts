/** A started runtime on a throwaway database of either kind, and small helpers for results. */
import { createPostgresDatabase } from './databases.ts';
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
