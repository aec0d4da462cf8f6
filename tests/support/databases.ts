/**
 * Test databases: every integration test runs against both backends — an in-memory PGlite and a
 * fresh PostgreSQL database created for the test (and dropped after it).
 *
 *   describe.each(BACKENDS)('records on %s', (kind) => {
 *     let t: TestDatabase;
 *     beforeAll(async () => { t = await createTestDatabase(kind); });
 *     afterAll(() => t.drop());
 *   });
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrateSystemTables, openDatabase, type Database, type DatabaseKind } from '../../src/lib/server/db/database.ts';

export const BACKENDS: readonly DatabaseKind[] = (process.env.PEYVAND_TEST_BACKENDS?.split(',') as DatabaseKind[] | undefined) ?? ['pglite', 'postgres'];

/** Server used for PostgreSQL tests (CI: the machine's PostgreSQL 15). */
export const POSTGRES_ADMIN_URL = process.env.PEYVAND_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly database: Database;
  /** Connection string of the test database (PostgreSQL only). */
  readonly url: string | undefined;
  drop(): Promise<void>;
}

export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(prefix = 'peyvand_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function createTestDatabase(kind: DatabaseKind, options: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' });
    if (options.migrate !== false) await migrateSystemTables(database);
    return { kind, database, url: undefined, drop: () => database.close() };
  }
  const created = await createPostgresDatabase();
  const database = await openDatabase({ url: created.url, poolSize: options.poolSize ?? 10 });
  if (options.migrate !== false) await migrateSystemTables(database);
  return {
    kind,
    database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}
