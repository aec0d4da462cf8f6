/**
 * The running deployment: the database, the current model and the API built from it. When the
 * model changes — here, in the CLI, or in another server process — a NOTIFY on the model channel
 * makes every runtime reload it and swap in a new router, without a restart.
 *
 *   const runtime = await startRuntime({ url: process.env.DATABASE_URL, dataDir: '.peyvand' });
 *   const caller = runtime.caller(user);            // server-side calls, same checks as HTTP
 */
import { migrateSystemTables, openDatabase, type Database, type OpenDatabaseOptions } from './db/database.ts';
import { loadCurrentModel, MODEL_CHANNEL } from './schema/model-store.ts';
import { buildAppRouter, type AppRouter } from './api/app-router.ts';
import type { AuthUser } from './auth/permissions.ts';
import type { Model } from '../model/types.ts';

export interface RuntimeState {
  readonly version: number;
  readonly model: Model;
  readonly router: AppRouter;
}

export interface Runtime {
  readonly database: Database;
  current(): RuntimeState;
  /** Reloads the model from the database if its version changed; returns the state in force. */
  refresh(): Promise<RuntimeState>;
  caller(user: AuthUser | null): ReturnType<AppRouter['createCaller']>;
  /** Called after each swap (tests and the server log use it). */
  onModelChange(listener: (state: RuntimeState) => void): () => void;
  close(): Promise<void>;
}

export async function startRuntime(options: OpenDatabaseOptions & { readonly database?: Database }): Promise<Runtime> {
  const database = options.database ?? (await openDatabase(options));
  await migrateSystemTables(database);
  const initial = await loadCurrentModel(database.db);
  let state: RuntimeState = { version: initial.version, model: initial.model, router: buildAppRouter(initial.model) };
  const listeners = new Set<(s: RuntimeState) => void>();
  let refreshing: Promise<RuntimeState> | null = null;
  let closed = false;

  async function refresh(): Promise<RuntimeState> {
    refreshing ??= (async () => {
      try {
        const stored = await loadCurrentModel(database.db);
        if (stored.version !== state.version) {
          state = { version: stored.version, model: stored.model, router: buildAppRouter(stored.model) };
          for (const l of listeners) l(state);
        }
        return state;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  let stopListening: (() => Promise<void>) | null = null;
  async function listen(): Promise<void> {
    try {
      stopListening = await database.listen(MODEL_CHANNEL, () => {
        void refresh().catch(() => undefined);
      });
    } catch {
      if (!closed) setTimeout(() => void listen(), 2000).unref();
    }
  }
  await listen();

  const runtime: Runtime = {
    database,
    current: () => state,
    refresh,
    caller(user) {
      return state.router.createCaller({ runtime, user });
    },
    onModelChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      await stopListening?.();
      await database.close();
    },
  };
  return runtime;
}
