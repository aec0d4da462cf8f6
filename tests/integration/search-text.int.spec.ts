/** The database's search folding (peyvand.search_text) agrees with the one used in TypeScript. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { normaliseSearchText } from '../../src/lib/locale/search-text.ts';

const SAMPLES = [
  '  Sassy\tTESTS  ۱۲ كتاب ',
  'Jane   Smith',
  'كيوان يزدي',
  'کتاب\u200Cخانه مرکزی',
  'مدرسة النور',
  'أحمد إبراهيم آرش',
  'رقم ٦٧٨٩٠ و ۱۲۳۴۵',
  'عَرَبِيّ ـــ تطويل',
  'snake_case 100%',
  's s s',
];

describe.each(BACKENDS)('search folding on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it.each(SAMPLES)('folds %j like normaliseSearchText', async (sample) => {
    const result = await sql<{ folded: string | null }>`select peyvand.search_text(${sample}) as folded`.execute(t.database.db);
    expect(result.rows[0]?.folded).toBe(normaliseSearchText(sample));
  });

  it('keeps the letter s and collapses white space', async () => {
    const result = await sql<{ folded: string }>`select peyvand.search_text(${'  Sassy\t\nTESTS  '}) as folded`.execute(t.database.db);
    expect(result.rows[0]?.folded).toBe('sassy tests');
  });
});
