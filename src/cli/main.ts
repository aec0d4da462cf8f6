/**
 * The `peyvand` command. Exit codes: 0 success, 1 the input was refused (messages name the file,
 * the JSON pointer and the reason), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openDatabase, migrateSystemTables, type Database } from '../lib/server/db/database.ts';
import { DataDirInUseError } from '../lib/server/db/data-dir-lock.ts';
import { applyPackFolder, validatePackFolder } from '../lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';
import { generateTypes } from '../lib/server/codegen/types.ts';
import { createUser, findUserByEmail } from '../lib/server/auth/users.ts';
import { createToken } from '../lib/server/auth/tokens.ts';
import { generatePassword } from '../lib/server/auth/passwords.ts';
import { formatApplyResult, formatIssues } from './format.ts';
import { serve, worker } from './serve.ts';

const USAGE = `Usage: peyvand <command>

  serve [--port N] [--host H] [--demo]    web app + API (+ in-process jobs when REDIS_URL is unset)
  worker                                   run workflow jobs from BullMQ (needs REDIS_URL and DATABASE_URL)
  pack validate <dir> [--json]             check a pack without touching the database
  pack plan <dir> [--json]                 show what applying would change (nothing is changed)
  pack apply <dir> [--allow-destructive] [--json]
  types <out.d.ts>                         write the deployment's TypeScript types
  user create --email E --name N [--admin] [--password P]
  token create --email E --name N          a bearer token for scripts and integrations

Environment: DATABASE_URL (PostgreSQL; unset: embedded PGlite), PEYVAND_DATA_DIR (default .peyvand),
PORT, HOST, REDIS_URL (BullMQ), SMTP_URL, PEYVAND_MAIL_FROM, PEYVAND_SMS_URL/_METHOD/_HEADERS/_BODY,
PEYVAND_HTTP_ALLOW, PEYVAND_TIME_ZONE.`;

class UsageError extends Error {}

function env(): { url: string | undefined; dataDir: string } {
  return { url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand' };
}

async function withDatabase<T>(purpose: string, run: (database: Database) => Promise<T>): Promise<T> {
  const { url, dataDir } = env();
  const database = await openDatabase({ url, dataDir, purpose, poolSize: 2 });
  try {
    await migrateSystemTables(database);
    return await run(database);
  } finally {
    await database.close();
  }
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

async function pack(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'allow-destructive': { type: 'boolean' } } });
  const [verb, dir] = positionals;
  if (!verb || !dir || positionals.length > 2) throw new UsageError('pack needs a verb (validate, plan, apply) and a folder');
  const json = values.json === true;
  const folder = resolve(dir);
  if (verb === 'validate') {
    const result = await validatePackFolder(folder);
    if (!result.ok) {
      print(json, { ok: false, issues: result.issues }, formatIssues(dir, result.issues));
      return 1;
    }
    print(json, { ok: true, pack: result.pack.info, entities: result.pack.entities.map((e) => e.name) }, `${dir}: pack ${result.pack.info.name}@${result.pack.info.version} is valid (${result.pack.entities.length} entities)`);
    return 0;
  }
  if (verb !== 'plan' && verb !== 'apply') throw new UsageError(`unknown pack verb "${verb}"`);
  return withDatabase(`peyvand pack ${verb}`, async (database) => {
    const outcome = await applyPackFolder(database, folder, { actorId: null, allowDestructive: values['allow-destructive'] === true, dryRun: verb === 'plan' });
    if (!outcome.ok) {
      print(json, { ok: false, issues: outcome.issues }, formatIssues(dir, outcome.issues));
      return 1;
    }
    print(json, { ok: outcome.result.status !== 'refused', ...outcome.result }, formatApplyResult(outcome.pack.info, outcome.result));
    return outcome.result.status === 'refused' ? 1 : 0;
  });
}

async function types(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [out] = positionals;
  if (!out || positionals.length !== 1) throw new UsageError('types needs one output file');
  return withDatabase('peyvand types', async (database) => {
    const { model } = await loadCurrentModel(database.db);
    await writeFile(out, await generateTypes(model));
    process.stdout.write(`wrote ${out} (${model.entities.length} entities)\n`);
    return 0;
  });
}

async function user(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' }, password: { type: 'string' } } });
  if (positionals[0] !== 'create' || !values.email || !values.name) throw new UsageError('user create needs --email and --name');
  const email = values.email;
  const name = values.name;
  return withDatabase('peyvand user create', async (database) => {
    const password = values.password ?? generatePassword();
    const result = await createUser(database.db, { email, name, password, isAdmin: values.admin === true, mustChangePassword: values.password === undefined });
    if (!result.ok) {
      process.stderr.write(`user not created: ${result.error.message}\n`);
      return 1;
    }
    process.stdout.write(`created ${result.user.email}${result.user.isAdmin ? ' (admin)' : ''}\n`);
    if (values.password === undefined) process.stdout.write(`one-time password (must be changed at first sign-in): ${password}\n`);
    return 0;
  });
}

async function token(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { email: { type: 'string' }, name: { type: 'string' } } });
  if (positionals[0] !== 'create' || !values.email || !values.name) throw new UsageError('token create needs --email and --name');
  const email = values.email;
  const name = values.name;
  return withDatabase('peyvand token create', async (database) => {
    const found = await findUserByEmail(database.db, email);
    if (!found) {
      process.stderr.write(`no user with email ${email}\n`);
      return 1;
    }
    const created = await createToken(database.db, { userId: found.id, name, kind: 'api' });
    process.stdout.write(`${created.token}\n`);
    process.stderr.write('This token is shown once; store it safely. Use it as: Authorization: Bearer <token>\n');
    return 0;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'worker':
        return await worker(rest);
      case 'pack':
        return await pack(rest);
      case 'types':
        return await types(rest);
      case 'user':
        return await user(rest);
      case 'token':
        return await token(rest);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`peyvand: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof DataDirInUseError || ['PACK_READ', 'REDIS_POLICY', 'WORKER_CONFIG'].includes((error as { code?: string }).code ?? '')) {
      process.stderr.write(`peyvand: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
