import { describe, expect, it } from 'vitest';
import { configureReports, makeField } from './field-fixture.ts';
// Through the registry: the module's own toRow/filterValueSchema take fewer parameters than FieldType's.
import { fieldType } from './registry.ts';
import { relationField } from './relation.ts';

const schema = { type: 'string', format: 'uuid', 'x-ref': 'company', 'x-on-delete': 'cascade' } as const;
const field = makeField(relationField, schema, 'company_id');
const ID = '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10';

describe('relationField', () => {
  it('recognises a uuid with x-ref', () => {
    expect(relationField.recognise(schema)).toBe(true);
    expect(relationField.recognise({ type: 'string', format: 'uuid' })).toBe(false);
    expect(relationField.recognise({ type: 'string', 'x-ref': 'company' })).toBe(false);
  });

  it('validates a uuid string', () => {
    expect(relationField.valueSchema({ ...schema, title: 'Company' })).toEqual({ type: 'string', format: 'uuid', title: 'Company' });
  });

  it('configures the target and on-delete policy, defaulting to set-null', () => {
    expect(field.relation).toEqual({ entity: 'company', onDelete: 'cascade' });
    expect(makeField(relationField, { type: 'string', format: 'uuid', 'x-ref': 'person' }).relation).toEqual({ entity: 'person', onDelete: 'set-null' });
  });

  it('reports an unknown on-delete policy and an empty x-ref', () => {
    expect(configureReports(relationField, { ...schema, 'x-on-delete': 'delete' })).toEqual([
      { path: '/x-on-delete', message: 'x-on-delete must be one of "set-null", "cascade", "restrict" (got "delete")' },
    ]);
    expect(configureReports(relationField, { ...schema, 'x-ref': ' ' })).toHaveLength(1);
  });

  it('reads record ids, lower-cased', () => {
    expect(relationField.parseCsv(field, ` ${ID.toUpperCase()} `)).toEqual({ ok: true, value: ID });
    expect(relationField.parseCsv(field, 'Acme Ltd')).toEqual({
      ok: false,
      message: '"Acme Ltd" is not a record id (expected a UUID such as 0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10)',
    });
    expect(relationField.parseCsv(field, '')).toEqual({ ok: true, value: null });
  });

  it('stores a uuid column and round-trips', () => {
    expect(relationField.columns(field)).toEqual([{ name: 'company_id', sqlType: 'uuid' }]);
    expect(relationField.fromRow(field, relationField.toRow(field, ID))).toBe(ID);
    expect(relationField.printCsv(field, ID)).toBe(ID);
    expect(relationField.filterKind).toBe('scalar');
    expect(fieldType('relation').filterValueSchema(field)).toEqual({ type: 'string', format: 'uuid' });
  });
});
