/**
 * `peyvand privacy export|erase`: answering a person's data-protection request from the shell.
 *
 *   peyvand privacy export contact 0190… --out sara.json      // the JSON document (stdout without --out)
 *   peyvand privacy erase contact 0190… --yes --as admin@example.com
 *
 * Exit codes: 0 done, 1 refused (no such entity or record, --as not an active administrator),
 * 2 usage error (erase without --yes among them). `--as` names the administrator the logs record;
 * without it the request is recorded as the platform's (whoever runs the command on the server).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadAccess } from '../lib/server/auth/access-store.ts';
import { can } from '../lib/server/auth/permissions.ts';
import { findUserByEmail } from '../lib/server/auth/users.ts';
import { migrateSystemTables, openDatabase, type Database } from '../lib/server/db/database.ts';
import { erasePerson, exportPerson } from '../lib/server/privacy/privacy-service.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';
import type { Model } from '../lib/model/types.ts';

export const PRIVACY_USAGE = `  privacy export <entity> <id> [--out file.json] [--as admin-email]
                                           everything held about one person, as JSON
  privacy erase <entity> <id> --yes [--as admin-email]
                                           anonymise one person's record in place (cannot be undone)`;

function usage(message: string): number {
  process.stderr.write(`peyvand privacy: ${message}\n\n${PRIVACY_USAGE}\n`);
  return 2;
}

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose: 'peyvand privacy', poolSize: 2 });
  try {
    await migrateSystemTables(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

/** The administrator named by --as: null for the platform, a message when it is not one. */
async function actorOf(database: Database, model: Model, email: string | undefined): Promise<string | null | { error: string }> {
  if (email === undefined) return null;
  const user = await findUserByEmail(database.db, email);
  if (!user || user.disabledAt) return { error: `no active user with email ${email}` };
  const access = await loadAccess(database.db, model, user);
  if (!can({ ...user, mustChangePassword: false }, { action: 'admin' }, access).allowed) return { error: `${email} is not an administrator; only administrators answer privacy requests` };
  return user.id;
}

export async function privacy(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, yes: { type: 'boolean' }, as: { type: 'string' } } });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [verb, entity, id, ...rest] = positionals;
  if (verb !== 'export' && verb !== 'erase') return usage(verb ? `unknown verb "${verb}"` : 'say export or erase');
  if (!entity || !id || rest.length > 0) return usage(`privacy ${verb} needs an entity and a record id`);
  if (verb === 'erase' && values.yes !== true) return usage('erasing cannot be undone: add --yes to confirm');
  if (verb === 'erase' && values.out !== undefined) return usage('--out is for export');

  return withDatabase(async (database) => {
    const { model } = await loadCurrentModel(database.db);
    const actor = await actorOf(database, model, values.as);
    if (actor !== null && typeof actor === 'object') {
      process.stderr.write(`peyvand privacy: ${actor.error}\n`);
      return 1;
    }
    if (verb === 'export') {
      const result = await exportPerson(database.db, model, { entity, id, actorId: actor });
      if (!result.ok) {
        process.stderr.write(`peyvand privacy: ${result.message}\n`);
        return 1;
      }
      const text = `${JSON.stringify(result.value, null, 2)}\n`;
      if (values.out === undefined) process.stdout.write(text);
      else {
        await writeFile(values.out, text);
        process.stdout.write(`wrote ${values.out}\n`);
      }
      return 0;
    }
    const result = await erasePerson(database.db, model, { entity, id, actorId: actor });
    if (!result.ok) {
      process.stderr.write(`peyvand privacy: ${result.message}\n`);
      return 1;
    }
    const { erased, kept, counts } = result.value;
    process.stdout.write(
      erased.length === 0 && counts.auditEntries + counts.outboxEvents + counts.workflowRuns + counts.workflowSteps === 0
        ? `${entity}/${id}: nothing left to erase\n`
        : `${entity}/${id}: erased ${erased.join(', ') || 'no fields'}; kept ${kept.join(', ') || 'nothing'}; cleaned ${counts.auditEntries} history entries, ${counts.outboxEvents} events, ${counts.workflowRuns} workflow runs, ${counts.workflowSteps} steps\n`,
    );
    return 0;
  });
}
