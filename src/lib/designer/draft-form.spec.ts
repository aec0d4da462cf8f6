import { describe, expect, it } from 'vitest';
import { command, inputName, parseCommand, parseDraft, readDraftForm, runCommand, serialiseDraft, type FormLike } from './draft-form.ts';
import { addField, documentFromDraft, emptyEntityDraft, type EntityDraft, type FieldDraft } from './entity-draft.ts';

function form(values: Record<string, string>): FormLike {
  return { get: (name) => (Object.hasOwn(values, name) ? values[name] : null) };
}

function base(): EntityDraft {
  let draft: EntityDraft = { ...emptyEntityDraft(), name: 'ticket' };
  draft = addField(draft, 'subject', 'text');
  draft = addField(draft, 'status', 'single_select');
  draft = addField(draft, 'owner_id', 'relation');
  return draft;
}

function field(draft: EntityDraft, name: string): FieldDraft {
  const found = draft.fields.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

/** The form a page renders for `draft`, with `changes` typed in. */
function posted(draft: EntityDraft, changes: Record<string, string> = {}): FormLike {
  const values: Record<string, string> = { [inputName.draft]: serialiseDraft(draft), [inputName.entityName]: draft.name };
  for (const f of draft.fields) {
    values[inputName.field(f.key, 'present')] = '1';
    values[inputName.field(f.key, 'name')] = f.name;
    values[inputName.field(f.key, 'type')] = f.type;
    if (f.required) values[inputName.field(f.key, 'required')] = 'on';
  }
  return form({ ...values, ...changes });
}

describe('the hidden draft', () => {
  it('survives a round trip through its input', () => {
    const draft = base();
    expect(parseDraft(serialiseDraft(draft))).toEqual(draft);
  });

  it('is rebuilt key by key: wrong shapes become empty, prototype keys never arrive', () => {
    const text = '{"name":"x","__proto__":{"polluted":true},"fields":[{"key":"f1","name":"a","type":"nonsense","required":"yes","options":[{"value":1}]},{"key":"f1","name":"b","type":"integer"}],"extra":{"constructor":{"prototype":{"bad":1}}}}';
    const draft = parseDraft(text);
    expect(draft).not.toBeNull();
    if (!draft) return;
    expect(Object.getPrototypeOf(draft)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(draft.extra).toEqual({});
    expect(draft.fields.map((f) => [f.type, f.required])).toEqual([
      ['text', false],
      ['integer', false],
    ]);
    expect(new Set(draft.fields.map((f) => f.key)).size).toBe(2);
    expect(draft.fields[0]?.options).toEqual([{ value: '', labels: { en: '', fa: '', ar: '' } }]);
    expect(parseDraft('not json')).toBeNull();
    expect(parseDraft('[1,2]')).toBeNull();
  });
});

describe('readDraftForm', () => {
  it('lays the inputs over the draft', () => {
    const draft = base();
    const subject = field(draft, 'subject');
    const { draft: read } = readDraftForm(
      posted(draft, {
        [inputName.entityLabel('fa')]: ' تیکت ',
        [inputName.field(subject.key, 'name')]: ' title ',
        [inputName.field(subject.key, 'required')]: 'on',
        [inputName.field(subject.key, 'maxLength')]: '۲۰۰',
        [inputName.fieldLabel(subject.key, 'ar')]: 'العنوان',
      }),
    );
    expect(read.labels.fa).toBe('تیکت');
    expect(field(read, 'title')).toMatchObject({ key: subject.key, required: true, maxLength: 200, labels: { ar: 'العنوان' } });
  });

  it('reads options rows, leaving blank rows out', () => {
    const draft = base();
    const status = field(draft, 'status');
    const { draft: read } = readDraftForm(
      posted(draft, {
        [inputName.field(status.key, 'options')]: '3',
        [inputName.option(status.key, 0, 'value')]: 'open',
        [inputName.optionLabel(status.key, 0, 'fa')]: 'باز',
        [inputName.option(status.key, 2, 'value')]: 'closed',
      }),
    );
    expect(field(read, 'status').options).toEqual([
      { value: 'open', labels: { en: '', fa: 'باز', ar: '' } },
      { value: 'closed', labels: { en: '', fa: '', ar: '' } },
    ]);
  });

  it('keeps what was not rendered, and choosing the default on-delete writes nothing new', () => {
    const draft = base();
    const owner = field(draft, 'owner_id');
    const { draft: read } = readDraftForm(form({ [inputName.draft]: serialiseDraft({ ...draft, fields: draft.fields.map((f) => (f.key === owner.key ? { ...f, required: true } : f)) }), [inputName.field(owner.key, 'present')]: '1', [inputName.field(owner.key, 'onDelete')]: 'set-null', [inputName.field(owner.key, 'ref')]: 'company', [inputName.field(owner.key, 'required')]: 'on' }));
    expect(field(read, 'owner_id')).toMatchObject({ onDelete: '', relationTarget: 'company', required: true });
    // A field whose inputs were not on the page keeps its values.
    expect(field(read, 'subject')).toEqual(field(draft, 'subject'));
  });

  it('changing the type drops the old type’s keywords', () => {
    const draft = base();
    const subject = { ...field(draft, 'subject'), extra: { pattern: '^[A-Z]', description: 'kept' } };
    const withExtra = { ...draft, fields: draft.fields.map((f) => (f.key === subject.key ? subject : f)) };
    const { draft: read } = readDraftForm(posted(withExtra, { [inputName.field(subject.key, 'type')]: 'integer' }));
    expect(field(read, 'subject')).toMatchObject({ type: 'integer', extra: { description: 'kept' } });
  });

  it('falls back to the given draft when the hidden one is missing or unreadable', () => {
    const fallback = base();
    expect(readDraftForm(form({ [inputName.draft]: '{oops' }), fallback).draft).toEqual(fallback);
  });
});

describe('commands', () => {
  it('parses only well-formed commands', () => {
    expect(parseCommand(command.up('f2'))).toEqual({ kind: 'move-field', key: 'f2', delta: -1 });
    expect(parseCommand(command.removeOption('f3', 4))).toEqual({ kind: 'remove-option', key: 'f3', index: 4 });
    expect(parseCommand('delete:__proto__')).toEqual({ kind: 'none' });
    expect(parseCommand(undefined)).toEqual({ kind: 'none' });
  });

  it('adds a field and opens its editor; a bad or taken name is refused with an issue', () => {
    const draft = base();
    const added = runCommand(draft, { kind: 'add-field' }, form({ [inputName.newName]: 'due', [inputName.newType]: 'date' }));
    expect(added.draft.fields.at(-1)).toMatchObject({ name: 'due', type: 'date', labels: { en: 'Due' }, originalName: null });
    expect(added.open).toBe(added.draft.fields.at(-1)?.key);
    expect(runCommand(draft, { kind: 'add-field' }, form({ [inputName.newName]: 'Due Date' })).addIssue?.code).toBe('name.format');
    expect(runCommand(draft, { kind: 'add-field' }, form({ [inputName.newName]: 'subject' })).addIssue?.code).toBe('name.duplicate');
    expect(runCommand(draft, { kind: 'add-field' }, form({ [inputName.newName]: 'version' })).addIssue?.code).toBe('name.system');
  });

  it('moves, deletes and removes options', () => {
    const draft = base();
    const status = { ...field(draft, 'status'), options: [{ value: 'a', labels: {} }, { value: 'b', labels: {} }] };
    const withOptions = { ...draft, fields: draft.fields.map((f) => (f.key === status.key ? status : f)) };
    const moved = runCommand(withOptions, { kind: 'move-field', key: status.key, delta: -1 }, form({})).draft;
    expect(moved.fields.map((f) => f.name)).toEqual(['status', 'subject', 'owner_id']);
    const deleted = runCommand(moved, { kind: 'delete-field', key: field(moved, 'subject').key }, form({})).draft;
    expect(deleted.fields.map((f) => f.name)).toEqual(['status', 'owner_id']);
    const removed = runCommand(deleted, { kind: 'remove-option', key: status.key, index: 0 }, form({}));
    expect(field(removed.draft, 'status').options.map((o) => o.value)).toEqual(['b']);
    expect(removed.open).toBe(status.key);
  });

  it('a renamed field read from the form still becomes a rename in the document', () => {
    const draft = { ...base(), fields: base().fields.map((f) => ({ ...f, originalName: f.name })) };
    const subject = field(draft, 'subject');
    const { draft: read } = readDraftForm(posted(draft, { [inputName.field(subject.key, 'name')]: 'headline' }));
    const result = documentFromDraft({ ...read, fields: read.fields.filter((f) => f.name === 'headline') });
    expect(result.ok && (result.document.properties as Record<string, Record<string, unknown>>).headline?.['x-renamed-from']).toEqual(['subject']);
  });
});
