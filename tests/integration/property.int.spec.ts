/**
 * Property test: random valid entity schemas apply; random valid records read back equal;
 * random invalid records are refused with an issue on the field that is wrong.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { composeModel } from '../../src/lib/model/compose-model.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { createRecord, getRecord } from '../../src/lib/server/records/record-service.ts';
import type { JsonValue } from '../../src/lib/model/types.ts';

interface Kind {
  readonly schema: Record<string, unknown>;
  readonly valid: fc.Arbitrary<JsonValue>;
  readonly invalid: fc.Arbitrary<JsonValue>;
}

const text = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\u0000'));
const isoDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true });
const decimal = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.option(fc.integer({ min: 0, max: 9999 }), { nil: undefined }))
  .map(([neg, whole, frac]) => `${neg && (whole > 0n || (frac ?? 0) > 0) ? '-' : ''}${whole}${frac === undefined ? '' : `.${String(frac).padStart(4, '0')}`}`);

const KINDS: Readonly<Record<string, Kind>> = {
  text: { schema: { type: 'string', maxLength: 40 }, valid: text, invalid: fc.oneof(fc.integer(), fc.string({ minLength: 41, maxLength: 60 })) },
  integer: { schema: { type: 'integer' }, valid: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), invalid: fc.oneof(fc.constant(1.5), fc.constant('12')) },
  decimal: { schema: { type: 'string', format: 'decimal' }, valid: decimal, invalid: fc.oneof(fc.constant('1e5'), fc.constant('12,5'), fc.constant(3.14)) },
  boolean: { schema: { type: 'boolean' }, valid: fc.boolean(), invalid: fc.oneof(fc.constant('true'), fc.constant(1)) },
  date: { schema: { type: 'string', format: 'date' }, valid: isoDate.map((d) => d.toISOString().slice(0, 10)), invalid: fc.constantFrom('2023-02-29', '2024-13-01', '2024-1-1', '1403/01/01') },
  datetime: { schema: { type: 'string', format: 'date-time' }, valid: isoDate.map((d) => d.toISOString()), invalid: fc.constantFrom('2024-02-30T10:00:00Z', 'yesterday', '2024-01-01 25:00') },
  select: { schema: { type: 'string', enum: ['lead', 'customer', 'مشتری'] }, valid: fc.constantFrom('lead', 'customer', 'مشتری'), invalid: fc.constantFrom('Lead', 'other', '') },
  tags: { schema: { type: 'array', items: { type: 'string', maxLength: 20 } }, valid: fc.array(text.filter((s) => s.length <= 20), { maxLength: 5 }), invalid: fc.constantFrom('a;b', [1, 2]) },
  money: {
    schema: { type: 'object', 'x-type': 'money' },
    valid: fc.record({ amount: decimal, currency: fc.constantFrom('IRR', 'USD', 'KWD') }),
    invalid: fc.constantFrom<JsonValue>({ amount: 12, currency: 'USD' }, { amount: '12', currency: 'usd' }, { amount: '12' }),
  },
  email: { schema: { type: 'string', format: 'email' }, valid: fc.emailAddress().filter((e) => e.length < 200), invalid: fc.constantFrom('no-at-sign', 'a@', '@b.c') },
};
const KIND_NAMES = Object.keys(KINDS);

/** A random entity: 1–6 fields of random kinds, each maybe required. */
const entityArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...KIND_NAMES), fc.boolean()), { minLength: 1, maxLength: 6, selector: ([k]) => k }).map((fields) =>
  fields.map(([kind, required], i) => ({ name: `f${i}_${kind}`, kind, required })),
);

function kindOf(kind: string): Kind {
  const k = KINDS[kind];
  if (!k) throw new Error(kind);
  return k;
}

describe.each(BACKENDS)('random schemas and records on %s', (backend) => {
  let t: TestDatabase;
  let counter = 0;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('valid records read back equal; invalid ones are refused on the wrong field', async () => {
    await fc.assert(
      fc.asyncProperty(
        entityArb.chain((fields) =>
          fc.record({
            fields: fc.constant(fields),
            records: fc.array(fc.tuple(...fields.map((f) => (f.required ? kindOf(f.kind).valid : fc.option(kindOf(f.kind).valid, { nil: null })))), { minLength: 1, maxLength: 4 }),
            wrong: fc.tuple(fc.nat({ max: fields.length - 1 }), fc.constant(null)).chain(([i]) => fc.tuple(fc.constant(i), kindOf(fields[i]?.kind ?? 'text').invalid)),
          }),
        ),
        async ({ fields, records, wrong }) => {
          const name = `e${++counter}`;
          const properties = Object.fromEntries(fields.map((f) => [f.name, kindOf(f.kind).schema]));
          const required = fields.filter((f) => f.required).map((f) => f.name);
          // Each case is its own pack, so earlier cases' entities stay.
          const composed = composeModel((await loadCurrentModel(t.database.db)).model, packOf([entity(name, properties, { required })], { name: `pack-${counter}` }));
          if (!composed.ok) throw new Error(composed.issues.map((i) => i.message).join('; '));
          const model = composed.model;
          const applied = await applyModel(t.database, { model, source: 'property', actorId: null });
          expect(applied.status).toBe('applied');
          const e = model.entities.find((x) => x.name === name);
          if (!e) throw new Error('no entity');
          const ctx = { db: t.database.db, actorId: null, access: SYSTEM_ACCESS };

          for (const values of records) {
            const input = Object.fromEntries(fields.map((f, i) => [f.name, values[i] ?? null]).filter(([, v]) => v !== null));
            const created = await createRecord(ctx, e, input);
            if (!created.ok) throw new Error(`refused valid record ${JSON.stringify(input)}: ${created.error.message}`);
            const read = await getRecord(ctx, e, created.value.id);
            expect(read.ok).toBe(true);
            if (!read.ok) return;
            for (const [i, f] of fields.entries()) expect(read.value[f.name]).toEqual(values[i] ?? null);
          }

          const [index, bad] = wrong;
          const badField = fields[index];
          if (!badField) return;
          const first = records[0] ?? [];
          const input = Object.fromEntries(fields.map((f, i) => [f.name, first[i] ?? null]).filter(([, v]) => v !== null));
          input[badField.name] = bad;
          const refused = await createRecord(ctx, e, input);
          expect(refused.ok).toBe(false);
          if (!refused.ok) {
            expect(refused.error.code).toBe('invalid');
            expect(refused.error.issues?.map((i) => i.field)).toContain(badField.name);
          }
        },
      ),
      { numRuns: backend === 'pglite' ? 40 : 60, seed: Number(process.env.PEYVAND_PROPERTY_SEED ?? 20261122) },
    );
  });
});
