/**
 * The `Database` port: Kysely over PostgreSQL (pg pool) or over PGlite (embedded), plus the
 * one thing Kysely does not cover, LISTEN/NOTIFY. Both run the same SQL.
 *
 *   const database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: '.peyvand' });
 *   await migrateSystemTables(database);
 */
import { Kysely, Migrator, sql } from 'kysely';
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { PGliteDialect } from './pglite-dialect.ts';
import type { SystemTables } from './system-tables.ts';
import { MIGRATIONS } from '../../../../migrations/index.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<SystemTables>;
  /** Calls `onMessage` for each NOTIFY on `channel`; returns a function that stops listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; when absent, PGlite in `dataDir`. */
  readonly url?: string | undefined;
  /** PGlite data folder; `memory://` for a throwaway in-memory database. */
  readonly dataDir?: string | undefined;
  readonly poolSize?: number;
  /** What holds the PGlite folder, shown to a second process that finds it in use. */
  readonly purpose?: string;
}

// Type OIDs whose default JavaScript mapping loses information or shifts with the time zone.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

function parseInt8(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

const identity = (value: string): string => value;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openPGlite(options.dataDir ?? '.peyvand', options.purpose ?? 'a Peyvand command');
}

function openPostgres(url: string, poolSize: number): Database {
  const types = {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8) return parseInt8;
      if (oid === NUMERIC || oid === DATE) return identity;
      return pg.types.getTypeParser(oid, format as 'text');
    }) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<SystemTables>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    async listen(channel, onMessage) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '');
      });
      await client.query(`listen ${pgIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => undefined);
      };
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPGlite(dataDir: string, purpose: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  let lock: DataDirLock | null = null;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    lock = acquireDataDirLock(dataDir, purpose);
  }
  try {
    const pglite = await PGlite.create(dataDir.startsWith('memory://') ? undefined : dataDir, {
      extensions: { pg_trgm },
      parsers: { [INT8]: parseInt8, [NUMERIC]: identity, [DATE]: identity },
    });
    const db = new Kysely<SystemTables>({ dialect: new PGliteDialect(pglite) });
    return {
      kind: 'pglite',
      db,
      async listen(channel, onMessage) {
        const stop = await pglite.listen(channel, onMessage);
        return async () => {
          if (!pglite.closed) await stop();
        };
      },
      async close() {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Channel names are constants of ours, but quote them like any identifier. */
function pgIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Brings the platform's own tables up to date (idempotent, locked against concurrent runs). */
export async function migrateSystemTables(database: Database): Promise<void> {
  await sql`create schema if not exists peyvand`.execute(database.db);
  if (database.kind === 'postgres') await sql`create extension if not exists pg_trgm`.execute(database.db).catch(() => undefined);
  else await sql`create extension if not exists pg_trgm`.execute(database.db);
  const migrator = new Migrator({
    db: database.db,
    migrationTableSchema: 'peyvand',
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** True when the pg_trgm extension is installed (trigram indexes for search). */
export async function hasTrigramSupport(database: Database): Promise<boolean> {
  const result = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(database.db);
  return result.rows[0]?.ok === true;
}
