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
import { AUTH_CHANNEL, authEpoch, authenticateToken, hashToken } from './auth/tokens.ts';
import { loadAccess } from './auth/access-store.ts';
import type { Access } from '../access/access.ts';

/**
 * Token → user and user → access, for a few seconds. Every lookup first reads the auth epoch (one
 * row) and forgets everything when another process or transaction changed roles, teams, tokens or
 * users since: a revocation holds on the very next request. The NOTIFY clears it early too.
 */
class AuthCache {
  static readonly TTL_MS = 15_000;
  static readonly MAX_ENTRIES = 10_000;
  readonly #database: Database;
  readonly #entries = new Map<string, { user: AuthUser; until: number }>();
  /** User id → access, for the model version it was built from. */
  readonly #access = new Map<string, { access: Access; version: number; isAdmin: boolean; until: number }>();
  #stop: (() => Promise<void>) | null = null;
  #epoch: string | null = null;

  constructor(database: Database) {
    this.#database = database;
  }

  async start(): Promise<void> {
    this.#stop = await this.#database.listen(AUTH_CHANNEL, () => this.clear()).catch(() => null);
  }

  async stop(): Promise<void> {
    await this.#stop?.();
  }

  clear(): void {
    this.#entries.clear();
    this.#access.clear();
  }

  async #current(): Promise<void> {
    const epoch = await authEpoch(this.#database.db);
    // Only forward: a request that read the epoch before a change must not undo a newer clear.
    if (this.#epoch === null || BigInt(epoch) > BigInt(this.#epoch)) {
      this.clear();
      this.#epoch = epoch;
    }
  }

  async access(user: AuthUser, state: RuntimeState): Promise<Access> {
    await this.#current();
    const now = Date.now();
    const hit = this.#access.get(user.id);
    if (hit && hit.until > now && hit.version === state.version && hit.isAdmin === user.isAdmin) return hit.access;
    const access = await loadAccess(this.#database.db, state.model, user);
    if (this.#access.size >= AuthCache.MAX_ENTRIES) this.#access.clear();
    this.#access.set(user.id, { access, version: state.version, isAdmin: user.isAdmin, until: now + AuthCache.TTL_MS });
    return access;
  }

  async authenticate(token: string): Promise<AuthUser | null> {
    await this.#current();
    const key = hashToken(token);
    const hit = this.#entries.get(key);
    const now = Date.now();
    if (hit && hit.until > now) return hit.user;
    const user = await authenticateToken(this.#database.db, token);
    if (user) {
      if (this.#entries.size >= AuthCache.MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { user, until: now + AuthCache.TTL_MS });
    } else {
      this.#entries.delete(key);
    }
    return user;
  }
}

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
  /**
   * The user a bearer token belongs to, or null. Answers are cached briefly; a revoked token or a
   * changed user is forgotten at once on every server (NOTIFY on the auth channel).
   */
  authenticate(token: string): Promise<AuthUser | null>;
  /**
   * What the user may do (roles and teams), cached briefly per model version and forgotten on any
   * auth change everywhere (NOTIFY), so a revoked role takes effect on the next request.
   */
  accessOf(user: AuthUser): Promise<Access>;
  /** Forgets cached token answers now (this process); other processes learn it by NOTIFY. */
  forgetAuthentications(): void;
  /** Tells this process's job runner that runs are waiting (a manual run, a retry, a webhook). */
  wakeJobs(): void;
  setJobRunner(runner: { wake(): void } | null): void;
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

  const auth = new AuthCache(database);
  await auth.start();

  let jobRunner: { wake(): void } | null = null;
  const runtime: Runtime = {
    database,
    wakeJobs: () => jobRunner?.wake(),
    setJobRunner: (runner) => {
      jobRunner = runner;
    },
    authenticate: (token) => auth.authenticate(token),
    accessOf: (user) => auth.access(user, state),
    forgetAuthentications: () => auth.clear(),
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
      await auth.stop();
      await database.close();
    },
  };
  return runtime;
}
