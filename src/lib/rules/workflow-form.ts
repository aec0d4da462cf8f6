/**
 * The workflow editor's form ↔ a workflow document (`schemas/workflow.schema.json`). Pure and
 * browser-safe: the server decodes a posted form with it, and the page decodes the same form in the
 * browser to check the condition while the admin types.
 *
 *   const draft = decodeWorkflowForm(await request.formData());    // what the admin typed, as typed
 *   const { document, issues } = documentFromDraft(draft);         // the JSON document to save
 *   draftFromDocument(workflow.document);                          // and back, for the form
 *
 * A draft keeps every value as the text that was typed ('۳' in a number box stays '۳' until the
 * document is built), so a form that comes back with errors shows exactly what was posted. Which
 * settings each action type has is one table, `ACTION_FORMS`, checked against the meta-schema by
 * its spec.
 */
import type { JsonObject, JsonValue } from '../model/types.ts';
import type { TriggerKind } from './types.ts';

export const TRIGGER_KINDS = ['record.created', 'record.updated', 'record.deleted', 'schedule', 'date', 'manual', 'webhook'] as const satisfies readonly TriggerKind[];

export const ACTION_TYPE_NAMES = ['update_record', 'create_record', 'create_task', 'send_email', 'send_sms', 'call_webhook', 'assign_owner', 'wait', 'branch'] as const;
export type ActionTypeName = (typeof ACTION_TYPE_NAMES)[number];

/** The languages the form has inputs for; other languages of a document are kept as they are. */
export const FORM_LOCALES = ['en', 'fa', 'ar'] as const;

/** Text by locale, as typed. */
export type Texts = Record<string, string>;

export type ZoneKind = 'fixed' | 'owner' | 'field';

/** Every trigger kind's settings side by side, so switching the kind and back loses nothing. */
export interface TriggerDraft {
  on: TriggerKind;
  /** record.updated: run only when one of these changed. */
  fields: string[];
  /** schedule */
  cron: string;
  timezone: string;
  /** schedule: the list filter as JSON text. */
  filter: string;
  /** date */
  field: string;
  offsetDays: string;
  repeat: 'yearly' | 'once';
  at: string;
  zoneKind: ZoneKind;
  zone: string;
  zoneField: string;
  /** manual: the button's label. */
  label: Texts;
}

/** A two-column row: `set` (field, expression), `headers` (name, value), `rules` (when, user). */
export interface Row {
  a: string;
  b: string;
}

export type TableName = 'set' | 'headers' | 'rules';

export interface ActionDraft {
  id: string;
  type: string;
  /** The type's single-value settings (see ACTION_FORMS), as typed. */
  settings: Record<string, string>;
  set: Row[];
  headers: Row[];
  rules: Row[];
  then: ActionDraft[];
  else: ActionDraft[];
}

export interface WorkflowDraft {
  name: string;
  title: Texts;
  description: Texts;
  enabled: boolean;
  entity: string;
  trigger: TriggerDraft;
  condition: string;
  actions: ActionDraft[];
}

/**
 * How a setting is edited: `template` text with {{merge fields}} (`long-`: a text area), an
 * `expression`, an `integer`, one of `choices`, an `entity` name, a `user` ("owner", "actor" or an
 * email), plain `text`, or `lines` (one value per line, stored as a list).
 */
export type SettingKind = 'template' | 'long-template' | 'expression' | 'integer' | 'choice' | 'entity' | 'user' | 'text' | 'lines';

/** Every single-value setting of any action type (the meta-schema's property names). */
export type SettingKey = 'entity' | 'title' | 'notes' | 'assignee' | 'dueInDays' | 'to' | 'cc' | 'subject' | 'text' | 'html' | 'url' | 'method' | 'body' | 'strategy' | 'users' | 'otherwise' | 'days' | 'hours' | 'minutes' | 'if';

export interface SettingSpec {
  readonly key: SettingKey;
  readonly kind: SettingKind;
  readonly required?: boolean;
  readonly choices?: readonly string[];
}

export interface ActionForm {
  readonly settings: readonly SettingSpec[];
  readonly tables: readonly TableName[];
  /** `branch`: nested then / else lists. */
  readonly nested?: boolean;
}

export const ACTION_FORMS = {
  update_record: { settings: [], tables: ['set'] },
  create_record: { settings: [{ key: 'entity', kind: 'entity', required: true }], tables: ['set'] },
  create_task: {
    settings: [
      { key: 'title', kind: 'template', required: true },
      { key: 'notes', kind: 'long-template' },
      { key: 'assignee', kind: 'user' },
      { key: 'dueInDays', kind: 'integer' },
    ],
    tables: [],
  },
  send_email: {
    settings: [
      { key: 'to', kind: 'template', required: true },
      { key: 'cc', kind: 'template' },
      { key: 'subject', kind: 'template', required: true },
      { key: 'text', kind: 'long-template', required: true },
      { key: 'html', kind: 'long-template' },
    ],
    tables: [],
  },
  send_sms: {
    settings: [
      { key: 'to', kind: 'template', required: true },
      { key: 'text', kind: 'long-template', required: true },
    ],
    tables: [],
  },
  call_webhook: {
    settings: [
      { key: 'url', kind: 'text', required: true },
      { key: 'method', kind: 'choice', choices: ['POST', 'PUT', 'PATCH', 'GET'] },
      { key: 'body', kind: 'long-template' },
    ],
    tables: ['headers'],
  },
  assign_owner: {
    settings: [
      { key: 'strategy', kind: 'choice', required: true, choices: ['round_robin', 'rules'] },
      { key: 'users', kind: 'lines' },
      { key: 'otherwise', kind: 'text' },
    ],
    tables: ['rules'],
  },
  wait: {
    settings: [
      { key: 'days', kind: 'integer' },
      { key: 'hours', kind: 'integer' },
      { key: 'minutes', kind: 'integer' },
    ],
    tables: [],
  },
  branch: { settings: [{ key: 'if', kind: 'expression', required: true }], tables: [], nested: true },
} as const satisfies Record<ActionTypeName, ActionForm>;

export function isActionTypeName(value: unknown): value is ActionTypeName {
  return typeof value === 'string' && (ACTION_TYPE_NAMES as readonly string[]).includes(value);
}

export function isTriggerKind(value: unknown): value is TriggerKind {
  return typeof value === 'string' && (TRIGGER_KINDS as readonly string[]).includes(value);
}

export function actionForm(type: string): ActionForm {
  return isActionTypeName(type) ? ACTION_FORMS[type] : { settings: [], tables: [] };
}

// ---------------------------------------------------------------------------------------------
// drafts

export function emptyTrigger(on: TriggerKind = 'record.created'): TriggerDraft {
  return { on, fields: [], cron: '', timezone: '', filter: '', field: '', offsetDays: '', repeat: 'once', at: '', zoneKind: 'fixed', zone: '', zoneField: '', label: {} };
}

export function emptyWorkflowDraft(): WorkflowDraft {
  return { name: '', title: {}, description: {}, enabled: true, entity: '', trigger: emptyTrigger(), condition: '', actions: [] };
}

export function emptyAction(type: string, id: string): ActionDraft {
  const settings: Record<string, string> = {};
  if (type === 'create_task') settings.assignee = 'owner';
  if (type === 'assign_owner') settings.strategy = 'round_robin';
  if (type === 'call_webhook') settings.method = 'POST';
  return { id, type, settings, set: [], headers: [], rules: [], then: [], else: [] };
}

// ---------------------------------------------------------------------------------------------
// document → draft

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function text(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function texts(value: JsonValue | undefined): Texts {
  if (typeof value === 'string') return { en: value };
  const out: Texts = {};
  if (isObject(value)) for (const [locale, v] of Object.entries(value)) if (typeof v === 'string') out[locale] = v;
  return out;
}

function rows(value: JsonValue | undefined): Row[] {
  return isObject(value) ? Object.entries(value).map(([a, b]) => ({ a, b: text(b) })) : [];
}

export function draftFromDocument(doc: JsonObject): WorkflowDraft {
  const trigger = isObject(doc.trigger) ? doc.trigger : {};
  const on = isTriggerKind(trigger.on) ? trigger.on : 'record.created';
  const zone = trigger.timezone;
  return {
    name: text(doc.name),
    title: texts(doc.title),
    description: texts(doc.description),
    enabled: doc.enabled !== false,
    entity: text(doc.entity),
    trigger: {
      ...emptyTrigger(on),
      fields: Array.isArray(trigger.fields) ? trigger.fields.map(text) : [],
      cron: text(trigger.cron),
      timezone: on === 'schedule' ? text(zone) : '',
      filter: isObject(trigger.filter) ? JSON.stringify(trigger.filter, null, 2) : text(trigger.filter),
      field: text(trigger.field),
      offsetDays: text(trigger.offsetDays),
      repeat: trigger.repeat === 'yearly' ? 'yearly' : 'once',
      at: text(trigger.at),
      zoneKind: on !== 'date' ? 'fixed' : zone === 'owner' ? 'owner' : isObject(zone) ? 'field' : 'fixed',
      zone: on === 'date' && typeof zone === 'string' && zone !== 'owner' ? zone : '',
      zoneField: on === 'date' && isObject(zone) ? text(zone.field) : '',
      label: texts(trigger.label),
    },
    condition: text(doc.condition),
    actions: actionsFromDocument(doc.actions),
  };
}

function actionsFromDocument(value: JsonValue | undefined): ActionDraft[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((a) => {
    const type = text(a.type);
    const settings: Record<string, string> = {};
    for (const spec of actionForm(type).settings) {
      const v = a[spec.key];
      if (v === undefined) continue;
      settings[spec.key] = spec.kind === 'lines' && Array.isArray(v) ? v.map(text).join('\n') : text(v);
    }
    const rules = Array.isArray(a.rules) ? a.rules.filter(isObject).map((r) => ({ a: text(r.when), b: text(r.user) })) : [];
    return { id: text(a.id), type, settings, set: rows(a.set), headers: rows(a.headers), rules, then: actionsFromDocument(a.then), else: actionsFromDocument(a.else) };
  });
}

// ---------------------------------------------------------------------------------------------
// draft → document

/** A problem the form itself finds while building the document (the server checks the rest). */
export interface DraftIssue {
  readonly pointer: string;
  readonly code: 'integer' | 'json';
}

const PERSIAN_ARABIC_DIGITS = /[\u06F0-\u06F9\u0660-\u0669]/g;

/** '۱۲', '١٢', '-3' → 12, 12, -3; anything else → null. */
export function readInteger(typed: string): number | null {
  const ascii = typed
    .replace(PERSIAN_ARABIC_DIGITS, (d) => String(d.charCodeAt(0) & 0xf))
    .replace(/[\s\u200E\u200F]/g, '')
    .replace(/\u2212/g, '-');
  if (!/^[+-]?\d{1,9}$/.test(ascii)) return null;
  return Number(ascii);
}

function localizedValue(values: Texts): JsonValue | undefined {
  const out: Record<string, string> = {};
  for (const [locale, v] of Object.entries(values)) if (v.trim() !== '') out[locale] = v.trim();
  return Object.keys(out).length === 0 ? undefined : out;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function documentFromDraft(draft: WorkflowDraft): { document: JsonObject; issues: DraftIssue[] } {
  const issues: DraftIssue[] = [];
  const doc: Record<string, JsonValue> = { name: draft.name.trim() };
  const title = localizedValue(draft.title);
  if (title !== undefined) doc.title = title;
  const description = localizedValue(draft.description);
  if (description !== undefined) doc.description = description;
  if (!draft.enabled) doc.enabled = false;
  if (draft.entity.trim() !== '') doc.entity = draft.entity.trim();
  doc.trigger = triggerDocument(draft.trigger, issues);
  if (draft.condition.trim() !== '') doc.condition = draft.condition.trim();
  doc.actions = actionsDocument(draft.actions, '/actions', issues);
  return { document: doc, issues };
}

function integerInto(out: Record<string, JsonValue>, key: string, typed: string, pointer: string, issues: DraftIssue[]): void {
  if (typed.trim() === '') return;
  const n = readInteger(typed);
  if (n === null) issues.push({ pointer, code: 'integer' });
  else out[key] = n;
}

function triggerDocument(t: TriggerDraft, issues: DraftIssue[]): JsonObject {
  const out: Record<string, JsonValue> = { on: t.on };
  switch (t.on) {
    case 'record.updated':
      if (t.fields.length > 0) out.fields = [...new Set(t.fields)];
      break;
    case 'schedule':
      out.cron = t.cron.trim();
      if (t.timezone.trim() !== '') out.timezone = t.timezone.trim();
      if (t.filter.trim() !== '') {
        try {
          out.filter = JSON.parse(t.filter) as JsonValue;
        } catch {
          issues.push({ pointer: '/trigger/filter', code: 'json' });
        }
      }
      break;
    case 'date':
      out.field = t.field;
      integerInto(out, 'offsetDays', t.offsetDays, '/trigger/offsetDays', issues);
      out.repeat = t.repeat;
      if (t.at.trim() !== '') out.at = t.at.trim();
      if (t.zoneKind === 'owner') out.timezone = 'owner';
      else if (t.zoneKind === 'field') out.timezone = { field: t.zoneField };
      else if (t.zone.trim() !== '') out.timezone = t.zone.trim();
      break;
    case 'manual': {
      const label = localizedValue(t.label);
      if (label !== undefined) out.label = label;
      break;
    }
    default:
      break;
  }
  return out;
}

function actionsDocument(actions: readonly ActionDraft[], pointer: string, issues: DraftIssue[]): JsonValue[] {
  return actions.map((action, i) => {
    const here = `${pointer}/${i}`;
    const out: Record<string, JsonValue> = { id: action.id.trim(), type: action.type };
    const form = actionForm(action.type);
    for (const spec of form.settings) {
      const typed = action.settings[spec.key] ?? '';
      // Empty optional settings are left out; empty required ones too, so that the meta-schema
      // names the missing setting (and the form shows it next to its input).
      if (typed.trim() === '') continue;
      if (spec.kind === 'integer') integerInto(out, spec.key, typed, `${here}/${spec.key}`, issues);
      else if (spec.kind === 'lines') {
        const lines = typed
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean);
        if (lines.length > 0) out[spec.key] = [...new Set(lines)];
      } else if (spec.kind === 'template' || spec.kind === 'long-template') out[spec.key] = typed;
      else out[spec.key] = typed.trim();
    }
    for (const table of form.tables) {
      const filled = action[table].filter((r) => r.a.trim() !== '');
      if (table === 'rules') {
        if (filled.length > 0) out.rules = filled.map((r) => ({ when: r.a.trim(), user: r.b.trim() }));
      } else if (table === 'set' || filled.length > 0) {
        out[table] = Object.fromEntries(filled.map((r) => [r.a.trim(), table === 'set' ? r.b.trim() : r.b]));
      }
    }
    if (form.nested) {
      out.then = actionsDocument(action.then, `${here}/then`, issues);
      if (action.else.length > 0) out.else = actionsDocument(action.else, `${here}/else`, issues);
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// the form: input names, decoding, commands

/** Where an action sits: `a.0`, `a.0.then.1`. A list of actions: `a`, `a.0.then`, `a.0.else`. */
export const TOP_LIST = 'a';

export const inputName = {
  name: 'name',
  title: (locale: string) => `title.${locale}`,
  description: (locale: string) => `description.${locale}`,
  enabled: 'enabled',
  entity: 'entity',
  condition: 'condition',
  trigger: (key: Exclude<keyof TriggerDraft, 'label'>) => `trigger.${key}`,
  triggerLabel: (locale: string) => `trigger.label.${locale}`,
  actionId: (path: string) => `${path}.id`,
  actionType: (path: string) => `${path}.type`,
  setting: (path: string, key: string) => `${path}.s.${key}`,
  /** A `user` setting is a choice (owner, actor, or '' for an email) and this email box. */
  userEmail: (path: string, key: string) => `${path}.s.${key}.email`,
  cell: (path: string, table: TableName, row: number, column: 'a' | 'b') => `${path}.${table}.${row}.${column}`,
  /** The type chosen for the next action added to a list. */
  newType: (list: string) => `${list}.new`,
  command: 'cmd',
  /** The dry-run box: a record id (chosen from the search results), or words to search for. */
  dryRecord: 'dry.record',
  dryQuery: 'dry.q',
} as const;

/** What a `user` setting's choice shows: 'owner' (also when empty, the default), 'actor', or '' (an email). */
export function userChoice(value: string): 'owner' | 'actor' | '' {
  return value === '' || value === 'owner' ? 'owner' : value === 'actor' ? 'actor' : '';
}

/** Blank rows shown under each table, so a row can be added without a round trip. */
export const BLANK_ROWS = 1;

/** What the form parser needs of FormData (or URLSearchParams). */
export interface FormFields {
  get(name: string): unknown;
  getAll(name: string): unknown[];
}

function field(form: FormFields, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

function has(form: FormFields, name: string): boolean {
  return typeof form.get(name) === 'string';
}

function formTexts(form: FormFields, name: (locale: string) => string): Texts {
  const out: Texts = {};
  for (const locale of FORM_LOCALES) {
    const v = field(form, name(locale));
    if (v !== '') out[locale] = v;
  }
  return out;
}

const MAX_ACTIONS = 50;
const MAX_ROWS = 500;

export function decodeWorkflowForm(form: FormFields): WorkflowDraft {
  const on = field(form, inputName.trigger('on'));
  const zoneKind = field(form, inputName.trigger('zoneKind'));
  return {
    name: field(form, inputName.name).trim(),
    title: formTexts(form, inputName.title),
    description: formTexts(form, inputName.description),
    enabled: has(form, inputName.enabled),
    entity: field(form, inputName.entity),
    trigger: {
      on: isTriggerKind(on) ? on : 'record.created',
      fields: form.getAll(inputName.trigger('fields')).filter((v): v is string => typeof v === 'string' && v !== ''),
      cron: field(form, inputName.trigger('cron')),
      timezone: field(form, inputName.trigger('timezone')),
      filter: field(form, inputName.trigger('filter')),
      field: field(form, inputName.trigger('field')),
      offsetDays: field(form, inputName.trigger('offsetDays')),
      repeat: field(form, inputName.trigger('repeat')) === 'yearly' ? 'yearly' : 'once',
      at: field(form, inputName.trigger('at')),
      zoneKind: zoneKind === 'owner' || zoneKind === 'field' ? zoneKind : 'fixed',
      zone: field(form, inputName.trigger('zone')),
      zoneField: field(form, inputName.trigger('zoneField')),
      label: formTexts(form, inputName.triggerLabel),
    },
    condition: field(form, inputName.condition),
    actions: decodeList(form, TOP_LIST, 0),
  };
}

function decodeList(form: FormFields, list: string, depth: number): ActionDraft[] {
  const out: ActionDraft[] = [];
  if (depth > 10) return out;
  for (let i = 0; i < MAX_ACTIONS && has(form, inputName.actionType(`${list}.${i}`)); i++) {
    const path = `${list}.${i}`;
    const type = field(form, inputName.actionType(path));
    const settings: Record<string, string> = {};
    for (const spec of actionForm(type).settings) {
      let value = field(form, inputName.setting(path, spec.key));
      if (spec.kind === 'user' && value === '') value = field(form, inputName.userEmail(path, spec.key)).trim();
      if (value !== '') settings[spec.key] = value;
    }
    const table = (name: TableName): Row[] => {
      const rows: Row[] = [];
      for (let r = 0; r < MAX_ROWS && has(form, inputName.cell(path, name, r, 'a')); r++) {
        const row = { a: field(form, inputName.cell(path, name, r, 'a')), b: field(form, inputName.cell(path, name, r, 'b')) };
        if (row.a.trim() !== '' || row.b.trim() !== '') rows.push(row);
      }
      return rows;
    };
    out.push({
      id: field(form, inputName.actionId(path)).trim(),
      type,
      settings,
      set: table('set'),
      headers: table('headers'),
      rules: table('rules'),
      then: decodeList(form, `${path}.then`, depth + 1),
      else: decodeList(form, `${path}.else`, depth + 1),
    });
  }
  return out;
}

/**
 * The name/value pairs the editor posts for a draft (with BLANK_ROWS empty rows under each table):
 * the inverse of `decodeWorkflowForm`. The page renders the same names; tests post these.
 */
export function formEntries(draft: WorkflowDraft): [string, string][] {
  const out: [string, string][] = [[inputName.name, draft.name]];
  for (const locale of FORM_LOCALES) out.push([inputName.title(locale), draft.title[locale] ?? ''], [inputName.description(locale), draft.description[locale] ?? '']);
  if (draft.enabled) out.push([inputName.enabled, 'on']);
  out.push([inputName.entity, draft.entity], [inputName.condition, draft.condition]);
  const t = draft.trigger;
  out.push([inputName.trigger('on'), t.on]);
  for (const f of t.fields) out.push([inputName.trigger('fields'), f]);
  for (const key of ['cron', 'timezone', 'filter', 'field', 'offsetDays', 'repeat', 'at', 'zoneKind', 'zone', 'zoneField'] as const) out.push([inputName.trigger(key), t[key]]);
  for (const locale of FORM_LOCALES) out.push([inputName.triggerLabel(locale), t.label[locale] ?? '']);
  const list = (actions: readonly ActionDraft[], prefix: string) => {
    actions.forEach((action, i) => {
      const path = `${prefix}.${i}`;
      out.push([inputName.actionId(path), action.id], [inputName.actionType(path), action.type]);
      const form = actionForm(action.type);
      for (const spec of form.settings) {
        const value = action.settings[spec.key] ?? '';
        if (spec.kind !== 'user') out.push([inputName.setting(path, spec.key), value]);
        else out.push([inputName.setting(path, spec.key), userChoice(value)], [inputName.userEmail(path, spec.key), userChoice(value) === '' ? value : '']);
      }
      for (const table of form.tables) {
        [...action[table], ...Array.from({ length: BLANK_ROWS }, () => ({ a: '', b: '' }))].forEach((row, r) => {
          out.push([inputName.cell(path, table, r, 'a'), row.a], [inputName.cell(path, table, r, 'b'), row.b]);
        });
      }
      if (form.nested) {
        list(action.then, `${path}.then`);
        list(action.else, `${path}.else`);
      }
    });
  };
  list(draft.actions, TOP_LIST);
  return out;
}

/** The step ids in use anywhere in the workflow. */
function stepIds(actions: readonly ActionDraft[], into = new Set<string>()): Set<string> {
  for (const a of actions) {
    into.add(a.id);
    stepIds(a.then, into);
    stepIds(a.else, into);
  }
  return into;
}

/** `create_task`, then `create_task_2`, … : step ids are unique in the whole workflow. */
export function freshStepId(draft: WorkflowDraft, type: string): string {
  const used = stepIds(draft.actions);
  const base = /^[a-z][a-z0-9_]{0,55}$/.test(type) ? type : 'step';
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

type ListOwner = { list: ActionDraft[]; index: number };

/** `a.0.then.1` → the then-list of action 0 and index 1 (null when the path does not exist). */
function locate(actions: ActionDraft[], path: string): ListOwner | null {
  const parts = path.split('.');
  if (parts[0] !== TOP_LIST) return null;
  let list = actions;
  let i = 1;
  for (;;) {
    const index = Number(parts[i]);
    if (!Number.isInteger(index) || index < 0 || index >= list.length) return null;
    if (i === parts.length - 1) return { list, index };
    const branch = parts[i + 1];
    const action = list[index];
    if (!action || (branch !== 'then' && branch !== 'else')) return null;
    list = action[branch];
    i += 2;
  }
}

/** The list a list path names (`a`, `a.0.then`), or null. */
function listAt(actions: ActionDraft[], list: string): ActionDraft[] | null {
  if (list === TOP_LIST) return actions;
  const match = /^(.*)\.(then|else)$/.exec(list);
  if (!match?.[1]) return null;
  const owner = locate(actions, match[1]);
  const action = owner?.list[owner.index];
  return action ? action[match[2] as 'then' | 'else'] : null;
}

function cloneActions(actions: readonly ActionDraft[]): ActionDraft[] {
  return actions.map((a) => ({ ...a, settings: { ...a.settings }, set: [...a.set], headers: [...a.headers], rules: [...a.rules], then: cloneActions(a.then), else: cloneActions(a.else) }));
}

export type Command = { kind: 'none' } | { kind: 'add'; list: string } | { kind: 'remove' | 'up' | 'down'; path: string };

const PATH = /^a(\.\d{1,2}(\.(then|else)\.\d{1,2})*)?$/;

export function parseCommand(value: unknown): Command {
  if (typeof value !== 'string') return { kind: 'none' };
  const [kind, target = ''] = value.split(':', 2);
  if (kind === 'add' && (target === TOP_LIST || (/^a\..*\.(then|else)$/.test(target) && PATH.test(target.replace(/\.(then|else)$/, ''))))) return { kind, list: target };
  if ((kind === 'remove' || kind === 'up' || kind === 'down') && PATH.test(target) && target !== TOP_LIST) return { kind, path: target };
  return { kind: 'none' };
}

export const command = {
  add: (list: string) => `add:${list}`,
  remove: (path: string) => `remove:${path}`,
  up: (path: string) => `up:${path}`,
  down: (path: string) => `down:${path}`,
} as const;

/**
 * Applies an editing command (add, remove, move an action) to a draft; returns the new draft and the
 * path of the action to bring into view. Never mutates its input.
 */
export function applyCommand(draft: WorkflowDraft, cmd: Command, form: FormFields): { draft: WorkflowDraft; focus: string | null } {
  if (cmd.kind === 'none') return { draft, focus: null };
  const actions = cloneActions(draft.actions);
  const next = { ...draft, actions };
  if (cmd.kind === 'add') {
    const list = listAt(actions, cmd.list);
    const type = field(form, inputName.newType(cmd.list));
    if (!list || !isActionTypeName(type) || list.length >= MAX_ACTIONS) return { draft, focus: null };
    list.push(emptyAction(type, freshStepId(draft, type)));
    return { draft: next, focus: `${cmd.list}.${list.length - 1}` };
  }
  const at = locate(actions, cmd.path);
  if (!at) return { draft, focus: null };
  const { list, index } = at;
  const prefix = cmd.path.slice(0, cmd.path.lastIndexOf('.'));
  if (cmd.kind === 'remove') {
    list.splice(index, 1);
    return { draft: next, focus: null };
  }
  const to = cmd.kind === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= list.length) return { draft, focus: null };
  const [moved] = list.splice(index, 1);
  if (moved) list.splice(to, 0, moved);
  return { draft: next, focus: `${prefix}.${to}` };
}

// ---------------------------------------------------------------------------------------------
// issues → the inputs they are about

/**
 * The form slot an issue belongs to, from its JSON pointer: `/trigger/cron` → `trigger.cron`,
 * `/actions/0/then/1/title` → `a.0.then.1.title`, `/actions/2/set/amount` → `a.2.set`. A
 * "\"x\" is required" message about an object points at its missing member.
 */
export function slotOf(pointer: string, message = ''): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = /^"([^"]+)" is required$/.exec(message)?.[1];
  if (missing) segments.push(missing);
  const [head, ...rest] = segments;
  switch (head) {
    case undefined:
      return 'document';
    case 'title':
    case 'description':
      return head;
    case 'trigger':
      return rest[0] === undefined ? 'trigger' : rest[0] === 'label' ? 'trigger.label' : `trigger.${rest[0]}`;
    case 'actions': {
      let path = TOP_LIST;
      let i = 0;
      for (;;) {
        const index = rest[i];
        if (index === undefined || !/^\d+$/.test(index)) return path === TOP_LIST ? 'actions' : path;
        path += `.${index}`;
        const key = rest[i + 1];
        if ((key === 'then' || key === 'else') && rest[i + 2] !== undefined && /^\d+$/.test(rest[i + 2] ?? '')) {
          path += `.${key}`;
          i += 2;
          continue;
        }
        return key === undefined ? path : `${path}.${key}`;
      }
    }
    default:
      return head;
  }
}

/** The JSON pointer of an action path: `a.0.then.1` → `/actions/0/then/1`. */
export function pointerOf(path: string): string {
  return `/actions${path
    .split('.')
    .slice(1)
    .map((s) => `/${escapePointer(s)}`)
    .join('')}`;
}

/**
 * The document the condition is checked in while the admin types: what a condition can see
 * depends only on the entity and on whether the trigger is an update (`old.<field>`), so the rest
 * of the draft — which may be half written — is replaced by something valid.
 */
export function conditionProbe(document: JsonObject): JsonObject {
  const trigger = isObject(document.trigger) ? document.trigger : {};
  const entity = typeof document.entity === 'string' && document.entity !== '' ? document.entity : null;
  const on = trigger.on === 'record.updated' ? 'record.updated' : entity ? 'record.created' : 'webhook';
  return {
    name: 'condition_check',
    ...(entity ? { entity } : {}),
    trigger: { on },
    ...(typeof document.condition === 'string' ? { condition: document.condition } : {}),
    actions: [{ id: 'probe', type: 'wait', minutes: 1 }],
  };
}
