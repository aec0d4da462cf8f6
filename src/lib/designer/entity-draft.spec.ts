import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_TYPE_NAMES, type FieldTypeName } from '../fields/names.ts';
import { loadEntityDocuments } from '../model/load-pack.ts';
import type { JsonObject } from '../model/types.ts';
import { addField, changeFieldType, documentFromDraft, draftFromDocument, emptyEntityDraft, moveField, removeField, type EntityDraft, type FieldDraft, renameInExpression } from './entity-draft.ts';

const PACK = join(import.meta.dirname, '../../../packs/b2b-sales/entities');
const b2bDocuments = readdirSync(PACK)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(PACK, f), 'utf8')) as JsonObject] as const);

function documentOf(draft: EntityDraft): JsonObject {
  const result = documentFromDraft(draft);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.pointer}: ${i.message}`).join('\n'));
  return result.document;
}

function normalises(document: JsonObject) {
  return loadEntityDocuments([{ path: `entities/${String(document.$id)}.json`, text: JSON.stringify(document) }]);
}

function field(draft: EntityDraft, name: string): FieldDraft {
  const found = draft.fields.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

function withField(draft: EntityDraft, name: string, change: (f: FieldDraft) => FieldDraft): EntityDraft {
  return { ...draft, fields: draft.fields.map((f) => (f.name === name ? change(f) : f)) };
}

/** A field of `type` with every property its type has set to something valid. */
function filled(draft: EntityDraft, type: FieldTypeName): EntityDraft {
  const name = `f_${type}`;
  return withField(addField(draft, name, type), name, (f) => ({
    ...f,
    labels: { en: `The ${type}`, fa: 'فیلد', ar: 'حقل' },
    help: { en: 'Help', fa: 'راهنما', ar: 'مساعدة' },
    required: type === 'boolean',
    unique: type === 'email',
    indexed: type === 'date',
    maxLength: type === 'text' ? 80 : null,
    options: type === 'single_select' || type === 'multi_select' ? [{ value: 'a', labels: { en: 'A', fa: 'الف', ar: 'أ' } }, { value: 'b', labels: { en: '', fa: '', ar: '' } }] : [],
    relationTarget: type === 'relation' ? 'thing' : '',
    onDelete: type === 'relation' ? 'cascade' : '',
    autoNumberFormat: type === 'auto_number' ? 'T-{0000}' : f.autoNumberFormat,
    currencies: type === 'money' ? ['IRR', 'USD'] : [],
    defaultCurrency: type === 'money' ? 'IRR' : '',
    defaultValue: DEFAULTS[type],
    width: 'half',
    order: 5,
  }));
}

const DEFAULTS: Record<FieldTypeName, string> = {
  text: 'hello',
  long_text: 'long',
  email: 'a@example.com',
  phone: '0912 345 6789',
  url: 'https://example.com',
  integer: '۱۲',
  decimal: '12.5',
  money: '12.50 USD',
  percent: '12.5%',
  boolean: 'yes',
  date: '2024-03-20',
  datetime: '2024-03-20T10:00:00Z',
  single_select: 'a',
  multi_select: 'a; b',
  relation: '',
  tags: 'x, y',
  auto_number: '',
  consent: '',
};

describe('draftFromDocument ↔ documentFromDraft', () => {
  it.each(b2bDocuments)('round-trips the b2b-sales entity %s to an equal document', (_name, document) => {
    expect(documentOf(draftFromDocument(document))).toEqual(document);
  });

  it('reads labels, options, relations, money and auto-numbers into the draft', () => {
    const deal = draftFromDocument(b2bDocuments.find(([n]) => n === 'deal')?.[1] ?? {});
    expect(deal.labels).toMatchObject({ en: 'Deal', fa: 'فرصت فروش', ar: 'فرصة بيع' });
    expect(field(deal, 'stage')).toMatchObject({ type: 'single_select', required: true, defaultValue: 'qualification' });
    expect(field(deal, 'stage').options.find((o) => o.value === 'won')).toEqual({ value: 'won', labels: { en: 'Won', fa: 'موفق', ar: 'مكسوبة' } });
    expect(field(deal, 'company_id')).toMatchObject({ type: 'relation', relationTarget: 'company', onDelete: 'cascade' });
    expect(field(deal, 'amount')).toMatchObject({ type: 'money', currencies: ['IRR', 'USD', 'EUR', 'AED', 'SAR'], defaultCurrency: 'IRR' });
    expect(field(deal, 'number')).toMatchObject({ type: 'auto_number', autoNumberFormat: 'DL-{000000}' });
    expect(deal.fields.find((f) => f.key === deal.titleField)?.name).toBe('title');
  });

  it.each(FIELD_TYPE_NAMES)('a %s field made in the designer becomes a document that normalises with no issues', (type) => {
    const base: EntityDraft = { ...emptyEntityDraft(), name: 'thing', labels: { en: 'Thing', fa: 'چیز', ar: 'شيء' } };
    const document = documentOf(filled(base, type));
    const result = normalises(document);
    expect(result.ok ? [] : result.issues).toEqual([]);
    if (!result.ok) return;
    const model = result.entities[0]?.fields.find((f) => f.name === `f_${type}`);
    expect(model?.type).toBe(type);
    expect(model?.label).toEqual({ en: `The ${type}`, fa: 'فیلد', ar: 'حقل' });
    // …and the document reads back into the same draft.
    expect(documentOf(draftFromDocument(document))).toEqual(document);
  });

  it('writes defaults typed the way CSV cells are (Persian digits, labels, yes/no)', () => {
    const base: EntityDraft = { ...emptyEntityDraft(), name: 'thing' };
    const props = (type: FieldTypeName) => (documentOf(filled(base, type)).properties as Record<string, JsonObject>)[`f_${type}`];
    expect(props('integer')?.default).toBe(12);
    expect(props('boolean')?.default).toBe(true);
    expect(props('money')?.default).toEqual({ amount: '12.50', currency: 'USD' });
    expect(props('multi_select')?.default).toEqual(['a', 'b']);
    expect(props('phone')?.default).toBe('+989123456789');
  });

  it('refuses a default that does not fit the type, naming the field', () => {
    const draft = withField(filled({ ...emptyEntityDraft(), name: 'thing' }, 'integer'), 'f_integer', (f) => ({ ...f, defaultValue: 'many' }));
    const result = documentFromDraft(draft);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ code: 'default.invalid', pointer: '/properties/f_integer/default', fieldKey: field(draft, 'f_integer').key })]);
  });
});

describe('renames', () => {
  const contact = (): EntityDraft => draftFromDocument(b2bDocuments.find(([n]) => n === 'contact')?.[1] ?? {});

  it('renaming a field sets x-renamed-from, so the data is kept', () => {
    const draft = withField(contact(), 'job_title', (f) => ({ ...f, name: 'position' }));
    const properties = documentOf(draft).properties as Record<string, JsonObject>;
    expect(properties.job_title).toBeUndefined();
    expect(properties.position?.['x-renamed-from']).toEqual(['job_title']);
    expect(Object.keys(properties).indexOf('position')).toBe(3);
  });

  it('a renamed field keeps its place in required, the title and the default sort', () => {
    const draft = withField(contact(), 'full_name', (f) => ({ ...f, name: 'display_name' }));
    const document = documentOf(draft);
    expect(document.required).toEqual(['display_name', 'email']);
    expect(document['x-title-field']).toBe('display_name');
    expect(document['x-default-sort']).toEqual([{ field: 'display_name', direction: 'asc' }]);
    expect(normalises(document).ok).toBe(true);
  });

  it('renaming back to an earlier name does not list the name itself', () => {
    const once = draftFromDocument(documentOf(withField(contact(), 'notes', (f) => ({ ...f, name: 'remarks' }))));
    const back = documentOf(withField(once, 'remarks', (f) => ({ ...f, name: 'notes' })));
    expect((back.properties as Record<string, JsonObject>).notes?.['x-renamed-from']).toEqual(['remarks']);
  });

  it('renaming the entity sets its x-renamed-from, and a link to itself follows', () => {
    const base = addField(contact(), 'manager_id', 'relation');
    const draft = withField({ ...base, name: 'person' }, 'manager_id', (f) => ({ ...f, relationTarget: 'contact' }));
    const document = documentOf(draft);
    expect(document.$id).toBe('person');
    expect(document['x-renamed-from']).toEqual(['contact']);
    expect((document.properties as Record<string, JsonObject>).manager_id?.['x-ref']).toBe('person');
  });

  it('removing a field drops the keywords that named it', () => {
    const deal = draftFromDocument(b2bDocuments.find(([n]) => n === 'deal')?.[1] ?? {});
    const document = documentOf(removeField(removeField(deal, field(deal, 'expected_close').key), field(deal, 'stage').key));
    expect(document['x-default-sort']).toBeUndefined();
    expect(document['x-indexes']).toBeUndefined();
    expect(document.required).toEqual(['title', 'company_id']);
    expect(normalises(document).ok).toBe(true);
  });
});

describe('editing', () => {
  it('moves fields and keeps the order in the document', () => {
    const draft = addField(addField({ ...emptyEntityDraft(), name: 'thing' }, 'first', 'text'), 'second', 'integer');
    const moved = moveField(draft, field(draft, 'second').key, -1);
    expect(Object.keys(documentOf(moved).properties as JsonObject)).toEqual(['second', 'first']);
    expect(moveField(moved, field(moved, 'second').key, -1)).toBe(moved);
  });

  it('changing a type drops the keywords of the old type only', () => {
    const contact = draftFromDocument(b2bDocuments.find(([n]) => n === 'contact')?.[1] ?? {});
    const tags = changeFieldType(field(contact, 'tags'), 'text');
    expect(tags.extra).toEqual({});
    const document = documentOf({ ...contact, fields: contact.fields.map((f) => (f.name === 'tags' ? tags : f)) });
    expect((document.properties as Record<string, JsonObject>).tags).toEqual({ type: 'string', title: 'Tags', 'x-labels': { fa: 'برچسب‌ها', ar: 'الوسوم' } });
  });
});

describe('names', () => {
  const named = (entity: string, fieldName: string) => addField({ ...emptyEntityDraft(), name: entity }, fieldName, 'text');

  it.each([
    ['Contact', 'name.format'],
    ['user', 'name.reserved'],
    ['a'.repeat(41), 'name.tooLong'],
    ['', 'name.empty'],
    ['users.password_hash', 'name.format'],
  ])('refuses the entity name %j with %s and a message', (name, code) => {
    const result = documentFromDraft(named(name, 'title'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ pointer: '/$id', code, fieldKey: null });
    expect(result.issues[0]?.message).toMatch(/entity name/);
  });

  it.each([
    ['id', 'name.system'],
    ['select', 'name.reserved'],
    ['نام', 'name.format'],
    ['full name', 'name.format'],
    ['a__b', 'name.format'],
  ])('refuses the field name %j with %s and a message', (name, code) => {
    const draft = named('thing', name);
    const result = documentFromDraft(draft);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ code, fieldKey: draft.fields[0]?.key, params: { name } });
    expect(result.issues[0]?.message).toMatch(/field name/);
  });

  it('refuses two fields of the same name', () => {
    const draft = addField(named('thing', 'title'), 'title', 'integer');
    const result = documentFromDraft(draft);
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toEqual(['name.duplicate']);
  });

  it('refuses a select without options and a relation without a target', () => {
    const draft = addField(addField({ ...emptyEntityDraft(), name: 'thing' }, 'status', 'single_select'), 'owner_id', 'relation');
    const result = documentFromDraft(draft);
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toEqual(['option.missing', 'relation.target']);
  });
});

describe('renameInExpression', () => {
  const keep = new Map([
    ['stage', 'phase'],
    ['lost_reason', 'lost_reason'],
  ]);

  it('renames field names, old.<field> included, and leaves strings, functions and user.<x> alone', () => {
    expect(renameInExpression('stage != "stage" or not is_empty(lost_reason) and old.stage == \'won\' and user.email != ""', keep)).toBe(
      'phase != "stage" or not is_empty(lost_reason) and old.phase == \'won\' and user.email != ""',
    );
  });

  it('gives null when the expression reads a field that is gone', () => {
    expect(renameInExpression('amount > 100', keep)).toBeNull();
    expect(renameInExpression('old.amount > 100', keep)).toBeNull();
  });
});
