/**
 * The real datasets in ../shared/datasets (public CRM-shaped data nobody here wrote) through the
 * import engine with the packs' mappings (packs/<pack>/imports/*.json), as the walkthroughs in
 * packs/*.md describe: every row accounted for, and each dataset's real quirks reported rather than
 * hidden — Maven's product "GTXPro" that is not the catalogue's "GTX Pro", repeated customer
 * emails, CDNOW's customers spread over many purchase rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import type { Model } from '../../src/lib/model/types.ts';
import { normaliseMapping, type ImportMappingDefinition } from '../../src/lib/data/import-mapping.ts';
import { memoryBytes, openTabular, openTabularFile } from '../../src/lib/server/data/tabular-source.ts';
import { runImport, type ImportResult } from '../../src/lib/server/data/import-service.ts';

const DATASETS = process.env.PEYVAND_DATASETS ?? '/work/shared/datasets';
const PACKS = fileURLToPath(new URL('../../packs', import.meta.url));
const MAVEN = `${DATASETS}/maven-crm-sales-opportunities`;
const TICKETS = `${DATASETS}/customer-support-tickets/customer_support_tickets.csv`;
const CDNOW = `${DATASETS}/cdnow-purchases/CDNOW_master.csv`;

const present = existsSync(MAVEN) && existsSync(TICKETS) && existsSync(CDNOW);

async function mappingFile(pack: string, name: string): Promise<ImportMappingDefinition> {
  return JSON.parse(await readFile(`${PACKS}/${pack}/imports/${name}.json`, 'utf8')) as ImportMappingDefinition;
}

interface Env {
  t: TestDatabase;
  model: Model;
}

async function install(kind: TestDatabase['kind'], pack: string): Promise<Env> {
  const t = await createTestDatabase(kind);
  const applied = await applyPackFolder(t.database, `${PACKS}/${pack}`, { actorId: null });
  if (!applied.ok) throw new Error(`${pack} did not apply: ${applied.issues.map((i) => i.message).join('; ')}`);
  return { t, model: (await loadCurrentModel(t.database.db)).model };
}

async function importWith(env: Env, file: string | { text: string }, mapping: ImportMappingDefinition): Promise<ImportResult> {
  const checked = normaliseMapping(mapping, { model: env.model });
  if (!checked.ok) throw new Error(`${mapping.name ?? 'mapping'}: ${checked.issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`);
  const opened = typeof file === 'string' ? await openTabularFile(file, checked.mapping) : await openTabular(memoryBytes(file.text), checked.mapping);
  if (!opened.ok) throw new Error(opened.refusal.message);
  return runImport({ db: env.t.database.db, model: env.model, source: opened.source, mapping: checked.mapping, actor: { kind: 'system', actorId: null } });
}

async function scalar(env: Env, query: ReturnType<typeof sql<{ n: string | number }>>): Promise<number> {
  return Number((await query.execute(env.t.database.db)).rows[0]?.n ?? 0);
}

describe.runIf(present).each(BACKENDS)('real datasets on %s', (kind) => {
  describe('Maven CRM sales opportunities → b2b-sales', () => {
    let env: Env;
    beforeAll(async () => {
      env = await install(kind, 'b2b-sales');
    }, 120_000);
    afterAll(() => env.t.drop());

    it('accounts, their parents, products and sales teams: every row in', async () => {
      expect(await importWith(env, `${MAVEN}/accounts.csv`, await mappingFile('b2b-sales', 'maven_accounts'))).toMatchObject({ status: 'imported', counts: { rows: 85, created: 85, failed: 0 } });
      expect(await importWith(env, `${MAVEN}/accounts.csv`, await mappingFile('b2b-sales', 'maven_account_parents'))).toMatchObject({ status: 'imported', counts: { rows: 85, created: 0, merged: 85, failed: 0 } });
      const placeholder = 'account,sector,year_established,revenue,employees,office_location,subsidiary_of\n(no account),,,,,,\n';
      expect(await importWith(env, { text: placeholder }, await mappingFile('b2b-sales', 'maven_accounts'))).toMatchObject({ counts: { created: 1 } });
      expect(await importWith(env, `${MAVEN}/products.csv`, await mappingFile('b2b-sales', 'maven_products'))).toMatchObject({ status: 'imported', counts: { rows: 7, created: 7 } });
      expect(await importWith(env, `${MAVEN}/sales_teams.csv`, await mappingFile('b2b-sales', 'maven_sales_teams'))).toMatchObject({ status: 'imported', counts: { rows: 35, created: 35 } });
      expect(await scalar(env, sql`select count(*) as n from data.company where parent_company_id is not null`)).toBe(15);
      // The sic'd sector and country were corrected by the mapping's value table, not kept silently.
      expect(await scalar(env, sql`select count(*) as n from data.company where industry = 'technology'`)).toBeGreaterThanOrEqual(12);
      expect(await scalar(env, sql`select count(*) as n from data.company where office_location = 'Philipines'`)).toBe(0);
    }, 120_000);

    it('8,800 opportunities: 7,320 deals, and each of the 1,480 "GTXPro" rows reported by row and column', async () => {
      const result = await importWith(env, `${MAVEN}/sales_pipeline.csv`, await mappingFile('b2b-sales', 'maven_pipeline'));
      expect(result).toMatchObject({ status: 'imported', counts: { rows: 8800, created: 7320, failed: 1480 }, issueCount: 1480 });
      expect(new Set(result.issues.map((i) => `${i.column}|${i.value}|${i.message}`))).toEqual(new Set(['product|GTXPro|no product has name "GTXPro"']));
      expect(result.issues[0]?.row).toBe(3);
      expect(await scalar(env, sql`select count(*) as n from data.deal`)).toBe(7320);
    }, 180_000);

    it('with the reviewed correction GTXPro → GTX Pro, a second run takes the 1,480 and skips the rest', async () => {
      const mapping = await mappingFile('b2b-sales', 'maven_pipeline');
      const corrected = { ...mapping, values: { ...mapping.values, product_id: { GTXPro: 'GTX Pro' } } };
      expect(await importWith(env, `${MAVEN}/sales_pipeline.csv`, corrected)).toMatchObject({ status: 'imported', counts: { rows: 8800, created: 1480, skipped: 7320, failed: 0 } });
      const stages = await sql<{ stage: string; n: string | number }>`select stage, count(*) as n from data.deal group by stage order by stage`.execute(env.t.database.db);
      expect(Object.fromEntries(stages.rows.map((r) => [r.stage, Number(r.n)]))).toEqual({ engaging: 1589, lost: 2473, prospecting: 500, won: 4238 });
      expect(await scalar(env, sql`select coalesce(sum(close_value__amount), 0) as n from data.deal where stage = 'won'`)).toBe(10_005_534);
      expect(await scalar(env, sql`select count(*) as n from data.deal d join data.company c on c.id = d.company_id where c.name = '(no account)'`)).toBe(1425);
      expect(await scalar(env, sql`select count(*) as n from data.company`)).toBe(86);
    }, 180_000);
  });

  describe('customer support tickets → helpdesk', () => {
    let env: Env;
    beforeAll(async () => {
      env = await install(kind, 'helpdesk');
    }, 120_000);
    afterAll(() => env.t.drop());

    it('8,320 customers (149 rows repeat an email) and 8,469 tickets with their multi-line descriptions', async () => {
      expect(await importWith(env, TICKETS, await mappingFile('helpdesk', 'support_customers'))).toMatchObject({ status: 'imported', counts: { rows: 8469, created: 8320, skipped: 149, failed: 0 } });
      expect(await importWith(env, TICKETS, await mappingFile('helpdesk', 'support_tickets'))).toMatchObject({ status: 'imported', counts: { rows: 8469, created: 8469, failed: 0 } });
      expect(await scalar(env, sql`select count(*) as n from data.ticket where description like '%' || chr(10) || '%'`)).toBeGreaterThan(0);
      expect(await scalar(env, sql`select count(distinct customer_id) as n from data.ticket`)).toBe(8320);
    }, 240_000);
  });

  describe('CDNOW purchases → retail-club', () => {
    let env: Env;
    beforeAll(async () => {
      env = await install(kind, 'retail-club');
    }, 120_000);
    afterAll(() => env.t.drop());

    it('23,570 members (leading zeros kept) and all 69,659 purchases', async () => {
      expect(await importWith(env, CDNOW, await mappingFile('retail-club', 'cdnow_members'))).toMatchObject({ status: 'imported', counts: { rows: 69659, created: 23570, skipped: 46089, failed: 0 } });
      expect(await scalar(env, sql`select count(*) as n from data.member where customer_number = '00001'`)).toBe(1);
      expect(await importWith(env, CDNOW, await mappingFile('retail-club', 'cdnow_purchases'))).toMatchObject({ status: 'imported', counts: { rows: 69659, created: 69659, failed: 0 } });
      expect(await scalar(env, sql`select count(distinct member_id) as n from data.purchase`)).toBe(23570);
    }, 600_000);
  });
});
