/**
 * The designer pages keep the draft in the browser, not on the server: every form post carries
 * the draft as JSON in a hidden input plus the visible inputs, which are laid over it. Pure, so
 * the same names serve the Svelte page (rendering) and the form actions (reading).
 *
 *   const { draft, command } = readDraftForm(await request.formData());
 *   const next = runCommand(draft, command, form);
 */
import { isFieldTypeName, type FieldTypeName } from '../fields/names.ts';
import { LOCALES } from '../i18n/locales.ts';
import { normaliseDigits } from '../locale/digits.ts';
import type { JsonValue } from '../model/types.ts';
import {
  addField,
  changeFieldType,
  emptyEntityDraft,
  emptyLabels,
  moveField,
  nameIssue,
  removeField,
  type DraftIssue,
  type DraftLabels,
  type DraftOnDelete,
  type EntityDraft,
  type FieldDraft,
  type FieldWidth,
  type OptionDraft,
} from './entity-draft.ts';
import { FIELD_KINDS } from './field-kinds.ts';

/** What a form post gives: `FormData` in the actions, anything with `get` in tests. */
export interface FormLike {
  get(name: string): unknown;
}

/** Blank option rows offered under a select's options (filled ones are kept on the next post). */
export const BLANK_OPTION_ROWS = 2;
const MAX_FIELDS = 500;
const MAX_OPTIONS = 1000;
const KEY = /^f\d{1,6}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Input names, shared by the page that renders them and the action that reads them. */
export const inputName = {
  draft: 'draft',
  command: 'command',
  entityName: 'entity.name',
  entityLabel: (locale: string) => `entity.label.${locale}`,
  entityPlural: (locale: string) => `entity.plural.${locale}`,
  titleField: 'entity.titleField',
  newName: 'new.name',
  newType: 'new.type',
  field: (key: string, property: FieldInput) => `f.${key}.${property}`,
  fieldLabel: (key: string, locale: string) => `f.${key}.label.${locale}`,
  fieldHelp: (key: string, locale: string) => `f.${key}.help.${locale}`,
  option: (key: string, index: number, property: 'value') => `f.${key}.opt.${index}.${property}`,
  optionLabel: (key: string, index: number, locale: string) => `f.${key}.opt.${index}.label.${locale}`,
} as const;

export type FieldInput =
  | 'present'
  | 'name'
  | 'type'
  | 'required'
  | 'unique'
  | 'indexed'
  | 'default'
  | 'maxLength'
  | 'ref'
  | 'onDelete'
  | 'format'
  | 'currencies'
  | 'defaultCurrency'
  | 'section'
  | 'width'
  | 'order'
  | 'options';

/** The commands the buttons of the entity page send (`name="command"`). */
export type DraftCommand =
  | { readonly kind: 'none' }
  | { readonly kind: 'add-field' }
  | { readonly kind: 'open-field'; readonly key: string }
  | { readonly kind: 'delete-field'; readonly key: string }
  | { readonly kind: 'move-field'; readonly key: string; readonly delta: -1 | 1 }
  | { readonly kind: 'remove-option'; readonly key: string; readonly index: number };

export const command = {
  addField: 'add-field',
  openField: (key: string) => `open:${key}`,
  deleteField: (key: string) => `delete:${key}`,
  up: (key: string) => `up:${key}`,
  down: (key: string) => `down:${key}`,
  removeOption: (key: string, index: number) => `remove-option:${key}:${index}`,
} as const;

export function parseCommand(value: unknown): DraftCommand {
  if (typeof value !== 'string') return { kind: 'none' };
  if (value === command.addField) return { kind: 'add-field' };
  const [verb, key = '', index] = value.split(':');
  if (!KEY.test(key)) return { kind: 'none' };
  if (verb === 'open') return { kind: 'open-field', key };
  if (verb === 'delete') return { kind: 'delete-field', key };
  if (verb === 'up' || verb === 'down') return { kind: 'move-field', key, delta: verb === 'up' ? -1 : 1 };
  if (verb === 'remove-option' && index !== undefined && /^\d{1,4}$/.test(index)) return { kind: 'remove-option', key, index: Number(index) };
  return { kind: 'none' };
}

// ---------------------------------------------------------------------------------------------
// the hidden input

export function serialiseDraft(draft: EntityDraft): string {
  return JSON.stringify(draft);
}

/**
 * The draft from its hidden input, rebuilt key by key: anything of the wrong shape is replaced
 * by an empty value, and `__proto__`-like keys never reach an object.
 */
export function parseDraft(text: unknown): EntityDraft | null {
  if (typeof text !== 'string' || text === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text, (key, value: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : value));
  } catch {
    return null;
  }
  if (!isRecord(raw)) return null;
  const base = emptyEntityDraft();
  const used = new Set<string>();
  const fields = (Array.isArray(raw.fields) ? raw.fields : []).slice(0, MAX_FIELDS).filter(isRecord).map((f, i) => parseField(f, i, used));
  const titleField = str(raw.titleField);
  return {
    originalName: typeof raw.originalName === 'string' ? raw.originalName : null,
    name: str(raw.name),
    labels: labels(raw.labels),
    pluralLabels: labels(raw.pluralLabels),
    titleField: fields.some((f) => f.key === titleField) ? titleField : '',
    renamedFrom: strs(raw.renamedFrom),
    fields,
    extra: isRecord(raw.extra) ? (raw.extra as Record<string, JsonValue>) : base.extra,
  };
}

function parseField(raw: Record<string, unknown>, index: number, used: Set<string>): FieldDraft {
  let key = str(raw.key);
  if (!KEY.test(key) || used.has(key)) key = `f${100_000 + index}`;
  used.add(key);
  const type: FieldTypeName = isFieldTypeName(raw.type) ? raw.type : 'text';
  return {
    key,
    originalName: typeof raw.originalName === 'string' ? raw.originalName : null,
    name: str(raw.name),
    type,
    labels: labels(raw.labels),
    help: labels(raw.help),
    required: raw.required === true,
    unique: raw.unique === true,
    indexed: raw.indexed === true,
    defaultValue: str(raw.defaultValue),
    maxLength: typeof raw.maxLength === 'number' ? raw.maxLength : null,
    options: (Array.isArray(raw.options) ? raw.options : []).slice(0, MAX_OPTIONS).filter(isRecord).map((o) => ({ value: str(o.value), labels: labels(o.labels) })),
    relationTarget: str(raw.relationTarget),
    onDelete: onDelete(raw.onDelete),
    autoNumberFormat: str(raw.autoNumberFormat),
    currencies: strs(raw.currencies),
    defaultCurrency: str(raw.defaultCurrency),
    section: str(raw.section),
    width: width(raw.width),
    order: typeof raw.order === 'number' ? raw.order : null,
    renamedFrom: strs(raw.renamedFrom),
    extra: isRecord(raw.extra) ? (raw.extra as Record<string, JsonValue>) : {},
  };
}

// ---------------------------------------------------------------------------------------------
// the visible inputs

export interface DraftForm {
  readonly draft: EntityDraft;
  readonly command: DraftCommand;
}

/** The draft with the visible inputs laid over it, and the command of the button pressed. */
export function readDraftForm(form: FormLike, fallback: EntityDraft = emptyEntityDraft()): DraftForm {
  const base = parseDraft(form.get(inputName.draft)) ?? fallback;
  const entityName = form.get(inputName.entityName);
  const draft: EntityDraft = {
    ...base,
    name: typeof entityName === 'string' ? entityName.trim() : base.name,
    labels: readLabels(form, base.labels, inputName.entityLabel),
    pluralLabels: readLabels(form, base.pluralLabels, inputName.entityPlural),
    titleField: readText(form, inputName.titleField, base.titleField),
    fields: base.fields.map((field) => readField(form, field)),
  };
  if (!draft.fields.some((f) => f.key === draft.titleField)) draft.titleField = '';
  return { draft, command: parseCommand(form.get(inputName.command)) };
}

function readField(form: FormLike, before: FieldDraft): FieldDraft {
  const name = (p: FieldInput) => inputName.field(before.key, p);
  if (form.get(name('present')) === null) return before;
  const type = form.get(name('type'));
  const field = isFieldTypeName(type) ? changeFieldType(before, type) : before;
  const kind = FIELD_KINDS[field.type];
  const checked = (p: FieldInput) => form.get(name(p)) !== null;
  const onDeleteInput = onDelete(form.get(name('onDelete')));
  const widthInput = width(form.get(name('width')));
  return {
    ...field,
    name: readText(form, name('name'), field.name).trim(),
    labels: readLabels(form, field.labels, (l) => inputName.fieldLabel(field.key, l)),
    help: readLabels(form, field.help, (l) => inputName.fieldHelp(field.key, l)),
    required: checked('required'),
    unique: kind.unique ? checked('unique') : field.unique,
    indexed: kind.indexed ? checked('indexed') : field.indexed,
    defaultValue: kind.hasDefault ? readText(form, name('default'), field.defaultValue) : field.defaultValue,
    maxLength: kind.maxLength ? readNumber(form, name('maxLength'), field.maxLength) : field.maxLength,
    options: kind.options ? readOptions(form, field) : field.options,
    relationTarget: kind.relation ? readText(form, name('ref'), field.relationTarget).trim() : field.relationTarget,
    // Choosing what '' already means keeps the document as it was written.
    onDelete: !kind.relation ? field.onDelete : onDeleteInput === 'set-null' && field.onDelete === '' ? '' : onDeleteInput,
    autoNumberFormat: kind.autoNumber ? readText(form, name('format'), field.autoNumberFormat).trim() : field.autoNumberFormat,
    currencies: kind.money ? readCurrencies(form.get(name('currencies')), field.currencies) : field.currencies,
    defaultCurrency: kind.money ? readText(form, name('defaultCurrency'), field.defaultCurrency).trim().toUpperCase() : field.defaultCurrency,
    section: readText(form, name('section'), field.section),
    width: widthInput === 'full' && field.width === '' ? '' : widthInput,
    order: readNumber(form, name('order'), field.order),
  };
}

function readOptions(form: FormLike, field: FieldDraft): OptionDraft[] {
  const rows = Math.min(Number(form.get(inputName.field(field.key, 'options'))) || 0, MAX_OPTIONS + BLANK_OPTION_ROWS);
  if (rows === 0) return field.options;
  const out: OptionDraft[] = [];
  for (let j = 0; j < rows; j++) {
    const value = readText(form, inputName.option(field.key, j, 'value'), '').trim();
    const optionLabels = readLabels(form, emptyLabels(), (l) => inputName.optionLabel(field.key, j, l));
    const isBlank = value === '' && Object.values(optionLabels).every((t) => t.trim() === '');
    if (!isBlank) out.push({ value, labels: { ...(field.options[j]?.labels ?? {}), ...optionLabels } });
  }
  return out;
}

function readLabels(form: FormLike, before: DraftLabels, nameOf: (locale: string) => string): DraftLabels {
  const out = { ...emptyLabels(), ...before };
  for (const locale of LOCALES) {
    const value = form.get(nameOf(locale));
    if (typeof value === 'string') out[locale] = value.trim();
  }
  return out;
}

function readText(form: FormLike, name: string, before: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : before;
}

/** Whole numbers in any of the three digit sets; '' clears; anything else becomes -1 (refused by the checks). */
function readNumber(form: FormLike, name: string, before: number | null): number | null {
  const value = form.get(name);
  if (typeof value !== 'string') return before;
  const text = normaliseDigits(value.trim());
  if (text === '') return null;
  return /^\d{1,9}$/.test(text) ? Number(text) : -1;
}

function readCurrencies(value: unknown, before: string[]): string[] {
  if (typeof value !== 'string') return before;
  return value
    .split(/[\s,;\u060C]+/)
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
}

// ---------------------------------------------------------------------------------------------
// commands

export interface CommandResult {
  readonly draft: EntityDraft;
  /** The field whose editor should be open after the command. */
  readonly open: string | null;
  /** Why the new field was not added. */
  readonly addIssue: DraftIssue | null;
}

export function runCommand(draft: EntityDraft, cmd: DraftCommand, form: FormLike): CommandResult {
  switch (cmd.kind) {
    case 'none':
      return { draft, open: null, addIssue: null };
    case 'add-field': {
      const name = readText(form, inputName.newName, '').trim();
      const type = form.get(inputName.newType);
      const problem = nameIssue(name, 'field', '/properties', null);
      if (problem) return { draft, open: null, addIssue: problem };
      if (draft.fields.some((f) => f.name === name)) {
        return { draft, open: null, addIssue: { pointer: '/properties', fieldKey: null, code: 'name.duplicate', params: { name }, message: `two fields are named "${name}"` } };
      }
      const next = addField(draft, name, isFieldTypeName(type) ? type : 'text');
      return { draft: next, open: next.fields.at(-1)?.key ?? null, addIssue: null };
    }
    case 'open-field':
      return { draft, open: cmd.key, addIssue: null };
    case 'delete-field':
      return { draft: removeField(draft, cmd.key), open: null, addIssue: null };
    case 'move-field':
      return { draft: moveField(draft, cmd.key, cmd.delta), open: null, addIssue: null };
    case 'remove-option':
      return {
        draft: { ...draft, fields: draft.fields.map((f) => (f.key === cmd.key ? { ...f, options: f.options.filter((_, i) => i !== cmd.index) } : f)) },
        open: cmd.key,
        addIssue: null,
      };
    default: {
      const unhandled: never = cmd;
      throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// small readers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function labels(value: unknown): DraftLabels {
  const out = emptyLabels();
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string' && /^[a-z]{2}(-[A-Z]{2})?$/.test(k)) out[k] = v;
  return out;
}

function onDelete(value: unknown): DraftOnDelete {
  return value === 'set-null' || value === 'cascade' || value === 'restrict' ? value : '';
}

function width(value: unknown): FieldWidth {
  return value === 'full' || value === 'half' || value === 'third' ? value : '';
}
