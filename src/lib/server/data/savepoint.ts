/**
 * Runs one write of an import inside a savepoint. On PostgreSQL a failed statement aborts the
 * whole transaction; the savepoint confines it, so that in `valid-rows` mode one bad row (a
 * constraint the checks before could not see) fails alone and the import goes on.
 */
import { sql, type Kysely } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';

export async function savepoint<T>(trx: Kysely<SystemTables>, work: () => Promise<T>, keep: (result: T) => boolean): Promise<T> {
  await sql`savepoint peyvand_import`.execute(trx);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await sql`rollback to savepoint peyvand_import`.execute(trx);
    throw error;
  }
  await (keep(result) ? sql`release savepoint peyvand_import` : sql`rollback to savepoint peyvand_import`).execute(trx);
  return result;
}
