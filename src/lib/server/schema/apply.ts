/**
 * Applies a new model: plan → (inside ONE transaction) count each step's affected rows, refuse
 * what needs confirmation, run the SQL, record the model version, notify other processes.
 * Any failure, or a dry run, rolls everything back: the database and the stored model are then
 * exactly as before.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { SystemTables } from '../db/system-tables.ts';
import type { Model } from '../../model/types.ts';
import { planMigration, type SchemaStep } from './plan.ts';
import { renderCheck, renderStep } from './render.ts';
import { loadCurrentModel, MODEL_CHANNEL } from './model-store.ts';
import { computeValues } from './compute-values.ts';
import { logConfigChange } from '../audit/config-log.ts';
import type { ConfigLogKind } from '../db/system-tables.ts';

export type StepStatus = 'applied' | 'planned' | 'needs-confirmation' | 'impossible';

export interface StepOutcome {
  readonly step: SchemaStep;
  /** Rows the step changes or loses (null when it touches no existing rows). */
  readonly affectedRows: number | null;
  readonly status: StepStatus;
  readonly message: string | null;
}

export interface ApplyResult {
  /** applied: committed; unchanged: nothing to do; planned: dry run; refused: needs confirmation or impossible. */
  readonly status: 'applied' | 'unchanged' | 'planned' | 'refused';
  readonly version: number | null;
  readonly fromHash: string;
  readonly toHash: string;
  readonly outcomes: readonly StepOutcome[];
}

export interface ApplyOptions {
  readonly model: Model;
  /** What brought the change, e.g. `pack b2b-sales@1.2.0` or `designer`. */
  readonly source: string;
  readonly actorId: string | null;
  readonly allowDestructive?: boolean;
  readonly dryRun?: boolean;
  /** Test hook: runs before each step's SQL (a thrown error must roll the whole apply back). */
  readonly beforeStep?: (step: SchemaStep, index: number) => void | Promise<void>;
}

class Rollback extends Error {
  readonly result: ApplyResult;
  constructor(result: ApplyResult) {
    super('rollback');
    this.result = result;
  }
}

/** Serialises model changes across processes (one apply at a time per database). */
const APPLY_LOCK_KEY = 7_352_118;

/** Drops, and steps that lose values, need --allow-destructive. */
function needsConfirmation(step: SchemaStep, affected: number | null): boolean {
  if (!step.destructive) return false;
  if (step.kind === 'entity.drop' || step.kind === 'field.drop') return true;
  return (affected ?? 0) > 0;
}

export async function applyModel(database: Database, options: ApplyOptions): Promise<ApplyResult> {
  try {
    return await database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${APPLY_LOCK_KEY})`.execute(trx);
      if (database.kind === 'postgres') await sql`set local lock_timeout = '10s'`.execute(trx);
      const current = await loadCurrentModel(trx);
      const trigram = await hasTrigram(trx);
      const textCollation = await unicodeCollation(trx);
      const steps = planMigration(current.model, options.model, { trigram });
      const base = { fromHash: current.model.hash, toHash: options.model.hash };
      if (current.model.hash === options.model.hash) {
        return { status: 'unchanged', version: current.version, ...base, outcomes: [] } satisfies ApplyResult;
      }

      const outcomes: StepOutcome[] = [];
      let blocked = false;
      for (const [index, step] of steps.entries()) {
        const affected = step.check ? await count(trx, step) : null;
        if (step.check?.impossible && (affected ?? 0) > 0) {
          outcomes.push({ step, affectedRows: affected, status: 'impossible', message: `${step.check.impossible} (${affected} record${affected === 1 ? '' : 's'})` });
          blocked = true;
          continue;
        }
        if (needsConfirmation(step, affected) && !options.allowDestructive) {
          outcomes.push({ step, affectedRows: affected, status: 'needs-confirmation', message: 'destructive: run again with --allow-destructive to confirm' });
          blocked = true;
          continue;
        }
        if (blocked) {
          // Later steps may depend on a refused one; they are counted, not run.
          outcomes.push({ step, affectedRows: affected, status: 'planned', message: null });
          continue;
        }
        await options.beforeStep?.(step, index);
        for (const statement of renderStep(step, { archiveSuffix: `v${current.version + 1}`, textCollation })) await statement.execute(trx);
        let message: string | null = null;
        if (step.action.type === 'compute-values') {
          const computed = await computeValues(trx, options.model, step.action, new Date());
          if (computed.failed > 0) message = `${computed.failed} record${computed.failed === 1 ? '' : 's'} left empty: ${computed.firstError ?? ''}`;
        }
        outcomes.push({ step, affectedRows: affected, status: options.dryRun ? 'planned' : 'applied', message });
      }

      if (blocked) throw new Rollback({ status: 'refused', version: current.version, ...base, outcomes });
      if (options.dryRun) throw new Rollback({ status: 'planned', version: current.version, ...base, outcomes });

      const plan = outcomes.map((o) => ({ kind: o.step.kind, entity: o.step.entity, field: o.step.field ?? null, reason: o.step.reason, destructive: o.step.destructive, affectedRows: o.affectedRows }));
      const row = await trx
        .insertInto('peyvand.model_versions')
        .values({ hash: options.model.hash, model: JSON.stringify(options.model), plan: JSON.stringify(plan), source: options.source, applied_by: options.actorId })
        .returning('version')
        .executeTakeFirstOrThrow();
      await logConfigChange(trx, { actorId: options.actorId, ...configSubject(options.source, plan), action: 'apply', detail: { version: row.version, source: options.source, steps: plan } });
      // Delivered on commit: every server swaps its API to the new model.
      await sql`select pg_notify(${MODEL_CHANNEL}, ${String(row.version)})`.execute(trx);
      return { status: 'applied', version: row.version, ...base, outcomes } satisfies ApplyResult;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.result;
    throw error;
  }
}

/**
 * What a model version is about, for the configuration log: the pack (`pack <name>@<version>`), the
 * workflow or role (`designer: workflow <name>`, `designer: removed workflow <name>`, `… role <name>`), or else the entities
 * its steps touch.
 */
export function configSubject(source: string, steps: readonly { readonly entity: string }[]): { kind: ConfigLogKind; subject: string } {
  const pack = /^pack (\S+)@\S+$/.exec(source);
  if (pack?.[1]) return { kind: 'pack', subject: pack[1] };
  const named = /\b(workflow|role) (\S+)$/.exec(source);
  if (named?.[2]) return { kind: named[1] === 'role' ? 'role' : 'workflow', subject: named[2] };
  const entities = [...new Set(steps.map((s) => s.entity))];
  return { kind: 'model', subject: entities.length > 0 ? entities.join(', ') : 'model' };
}

async function count(trx: Transaction<SystemTables>, step: SchemaStep): Promise<number> {
  if (!step.check) return 0;
  const result = await renderCheck(step.check.table, step.check.test).execute(trx);
  return Number(result.rows[0]?.n ?? 0);
}

/** The ICU root collation when the database has ICU (PostgreSQL builds with ICU, and PGlite, do). */
async function unicodeCollation(db: Kysely<SystemTables>): Promise<string | null> {
  const result = await sql<{ ok: boolean }>`select exists (select 1 from pg_collation where collname = 'und-x-icu') as ok`.execute(db);
  return result.rows[0]?.ok === true ? 'und-x-icu' : null;
}

async function hasTrigram(db: Kysely<SystemTables>): Promise<boolean> {
  const result = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  return result.rows[0]?.ok === true;
}
