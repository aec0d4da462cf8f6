/**
 * The `peyvand` command. Exit codes: 0 success, 1 the input was refused (messages name the file,
 * the JSON pointer and the reason), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { openDatabase, migrateSystemTables, type Database } from '../lib/server/db/database.ts';
import { DataDirInUseError } from '../lib/server/db/data-dir-lock.ts';
import { exportInstalledPack, installPack, listPacks } from '../lib/server/packs/pack-service.ts';
import { readPackInput } from '../lib/server/packs/read-pack.ts';
import { PackWriteError, writePackOutput } from '../lib/server/packs/write-pack.ts';
import { loadPackFiles } from '../lib/model/load-pack.ts';
import { formatPackIssues, formatPackReport } from '../lib/packs/format-pack-report.ts';
import type { Side } from '../lib/packs/merge-documents.ts';
import { loadCurrentModel } from '../lib/server/schema/model-store.ts';
import { generateTypes } from '../lib/server/codegen/types.ts';
import { createUser, findUserByEmail } from '../lib/server/auth/users.ts';
import { createToken, MAX_TOKEN_DAYS, parseTokenScopes } from '../lib/server/auth/tokens.ts';
import { generatePassword } from '../lib/server/auth/passwords.ts';
import { serve, worker } from './serve.ts';
import { data, DATA_USAGE } from './data.ts';
import { privacy, PRIVACY_USAGE } from './privacy.ts';
import { AUDIT_USAGE } from './audit.ts';

const USAGE = `Usage: peyvand <command>

  serve [--port N] [--host H] [--demo]    web app + API (+ in-process jobs when REDIS_URL is unset)
  worker                                   run workflow jobs from BullMQ (needs REDIS_URL and DATABASE_URL)
  pack validate <pack> [--json]            check a pack (a folder, or a bundle file.json) without touching the database
  pack plan <pack> [--resolve ID=mine|pack …] [--resolve-all mine|pack] [--json]
                                           show what applying would change, the conflicts with changes made
                                           here, and the rows destructive steps touch (nothing is changed)
  pack apply <pack> [--allow-destructive] [--allow-downgrade] [--resolve ID=mine|pack …] [--resolve-all mine|pack] [--json]
  pack export <dir|file.json> [--pack NAME] [--json]
                                           write an installed pack as a folder, or one bundle file (.json)
${DATA_USAGE}
${PRIVACY_USAGE}
${AUDIT_USAGE}
  types <out.d.ts>                         write the deployment's TypeScript types
  user create --email E --name N [--admin] [--password P]
  user create <email> --name N [--role R]… [--team T]…
                                           a user with roles and teams, and a one-time password (shown once)
  user roles <email> R1,R2                 the roles the user holds from now on ("" for none)
  team create <name> [--parent P]          a team, under team P when given
  team add <team> <email>                  make the user a member of the team
  role list [--json]                       the roles of the model and who holds them
  token create --email E --name N [--scope read,write,export,import,admin] [--expires-in-days D]
                                           a bearer token for scripts and integrations (default: every
                                           scope, no expiry)

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

const SIDES = ['mine', 'pack'] as const;

function side(value: string, flag: string): Side {
  if ((SIDES as readonly string[]).includes(value)) return value as Side;
  throw new UsageError(`${flag} takes mine or pack, not "${value}"`);
}

/** `--resolve <id>=mine|pack` (repeatable): the id is a conflict's, e.g. entities/contact.json#/properties/email/title. */
function resolutions(values: readonly string[]): Record<string, Side> {
  const out: Record<string, Side> = Object.create(null) as Record<string, Side>;
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--resolve takes <conflict id>=mine|pack, not "${value}"`);
    out[value.slice(0, at)] = side(value.slice(at + 1), '--resolve');
  }
  return out;
}

async function pack(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'allow-destructive': { type: 'boolean' },
      'allow-downgrade': { type: 'boolean' },
      resolve: { type: 'string', multiple: true },
      'resolve-all': { type: 'string' },
      pack: { type: 'string' },
    },
  });
  const [verb, target] = positionals;
  if (!verb || !target || positionals.length > 2) throw new UsageError('pack needs a verb (validate, plan, apply, export) and a pack folder or bundle file');
  if (!['validate', 'plan', 'apply', 'export'].includes(verb)) throw new UsageError(`unknown pack verb "${verb}"`);
  const json = values.json === true;
  const path = resolve(target);
  if (verb === 'export') return packExport(target, path, values.pack, json);
  const read = await readPackInput(path);
  const loaded = read.issues.length > 0 ? { ok: false as const, issues: read.issues } : loadPackFiles(read.files);
  if (!loaded.ok) {
    print(json, { ok: false, status: 'invalid', issues: loaded.issues }, formatPackIssues(target, loaded.issues));
    return 1;
  }
  if (verb === 'validate') {
    const { pack: valid } = loaded;
    const summary = { ok: true, pack: valid.info, platform: valid.platform, entities: valid.entities.map((e) => e.name), workflows: valid.workflows.map((w) => w.name), files: valid.files.map((f) => f.path) };
    print(json, summary, `${target}: pack ${valid.info.name}@${valid.info.version} is valid (${valid.entities.length} entities, ${valid.workflows.length} workflows, ${valid.files.length} files)`);
    return 0;
  }
  const options = {
    actorId: null,
    dryRun: verb === 'plan',
    allowDestructive: values['allow-destructive'] === true,
    allowDowngrade: values['allow-downgrade'] === true,
    resolutions: resolutions(values.resolve ?? []),
    resolveAll: values['resolve-all'] === undefined ? null : side(values['resolve-all'], '--resolve-all'),
  };
  return withDatabase(`peyvand pack ${verb}`, async (database) => {
    const report = await installPack(database, loaded.pack, options);
    const ok = report.status === 'applied' || report.status === 'unchanged' || report.status === 'planned';
    print(json, { ok, ...report }, formatPackReport(report, { source: target }));
    return ok ? 0 : 1;
  });
}

/** `pack export <dir|file.json> [--pack name]`: the installed pack as a folder or a bundle file. */
async function packExport(target: string, path: string, named: string | undefined, json: boolean): Promise<number> {
  return withDatabase('peyvand pack export', async (database) => {
    const packs = await listPacks(database);
    const guess = basename(path).replace(/\.json$/, '').replace(/-\d+\.\d+\.\d+.*$/, '');
    const name = named ?? (packs.length === 1 ? packs[0]?.name : packs.find((p) => p.name === guess)?.name);
    if (!name) {
      const installed = packs.map((p) => p.name).join(', ') || 'none';
      throw new UsageError(`say which pack to export with --pack <name> (installed: ${installed})`);
    }
    const files = await exportInstalledPack(database, name);
    if (!files) {
      process.stderr.write(`peyvand: pack "${name}" is not installed\n`);
      return 1;
    }
    let format: 'folder' | 'bundle';
    try {
      format = await writePackOutput(path, files);
    } catch (error) {
      if (!(error instanceof PackWriteError)) throw error;
      process.stderr.write(`peyvand: ${error.message}\n`);
      return 1;
    }
    const version = packs.find((p) => p.name === name)?.version ?? '';
    print(json, { ok: true, pack: { name, version }, target: path, format, files: files.map((f) => f.path) }, `Exported pack ${name}@${version} to ${target} (${format === 'bundle' ? 'one bundle file' : 'a folder'}, ${files.length} files)`);
    return 0;
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
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' }, 'expires-in-days': { type: 'string' } },
  });
  if (positionals[0] !== 'create' || !values.email || !values.name) throw new UsageError('token create needs --email and --name');
  const email = values.email;
  const name = values.name;
  let scopes = null;
  if (values.scope !== undefined) {
    const parsed = parseTokenScopes(values.scope);
    if (!parsed.ok) throw new UsageError(`--scope: ${parsed.message}`);
    scopes = parsed.scopes;
  }
  let expiresInDays = null;
  if (values['expires-in-days'] !== undefined) {
    const days = Number(values['expires-in-days']);
    if (!/^\d+$/.test(values['expires-in-days']) || days < 1 || days > MAX_TOKEN_DAYS) throw new UsageError(`--expires-in-days takes a whole number from 1 to ${MAX_TOKEN_DAYS}`);
    expiresInDays = days;
  }
  return withDatabase('peyvand token create', async (database) => {
    const found = await findUserByEmail(database.db, email);
    if (!found) {
      process.stderr.write(`no user with email ${email}\n`);
      return 1;
    }
    const created = await createToken(database.db, { userId: found.id, name, kind: 'api', scopes, expiresInDays });
    process.stdout.write(`${created.token}\n`);
    const scopeText = created.scopes ? created.scopes.join(', ') : 'all';
    const expiryText = created.expiresAt ? `expires ${created.expiresAt.toISOString()}` : 'does not expire';
    process.stderr.write(`Scopes: ${scopeText}; ${expiryText}. This token is shown once; store it safely. Use it as: Authorization: Bearer <token>\n`);
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
      case 'data':
        return await data(rest);
      case 'privacy':
        return await privacy(rest);
      case 'audit':
        return await (await import('./audit.ts')).audit(rest);
      case 'pack':
        return await pack(rest);
      case 'types':
        return await types(rest);
      case 'user':
        // `user create --email …` is the original form; the others are access administration.
        return rest[0] === 'create' && rest.some((a) => a === '--email' || a.startsWith('--email=')) ? await user(rest) : await (await import('./access.ts')).access('user', rest);
      case 'team':
      case 'role':
        return await (await import('./access.ts')).access(command, rest);
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
