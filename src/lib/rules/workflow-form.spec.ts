import { describe, expect, it } from 'vitest';
import workflowMetaSchema from '../../../schemas/workflow.schema.json' with { type: 'json' };
import type { JsonObject } from '../model/types.ts';
import {
  ACTION_FORMS,
  ACTION_TYPE_NAMES,
  applyCommand,
  command,
  conditionProbe,
  decodeWorkflowForm,
  documentFromDraft,
  draftFromDocument,
  emptyWorkflowDraft,
  formEntries,
  inputName,
  parseCommand,
  pointerOf,
  readInteger,
  slotOf,
  TRIGGER_KINDS,
  type WorkflowDraft,
} from './workflow-form.ts';

function formOf(entries: [string, string][]): FormData {
  const form = new FormData();
  for (const [k, v] of entries) form.append(k, v);
  return form;
}

/** Posts a draft the way the page renders it and reads it back. */
function roundTrip(draft: WorkflowDraft, overrides: Record<string, string> = {}): WorkflowDraft {
  const entries = formEntries(draft).map(([k, v]): [string, string] => [k, k in overrides ? (overrides[k] ?? '') : v]);
  return decodeWorkflowForm(formOf(entries));
}

const WON_DEAL: JsonObject = {
  name: 'won_deal',
  title: { en: 'Won deal', fa: 'فرصت فروش موفق' },
  description: { en: 'Thanks and follow-up' },
  entity: 'deal',
  trigger: { on: 'record.updated', fields: ['stage'] },
  condition: 'stage == "won" and old.stage != "won"',
  actions: [
    { id: 'mark', type: 'update_record', set: { note: 'concat("won: ", amount * 2)' } },
    { id: 'thank', type: 'create_task', title: 'Thank {{record.title}}', notes: 'Line one\nLine two', assignee: 'owner', dueInDays: 2 },
    { id: 'tell', type: 'send_email', to: 'boss@example.com', cc: '{{record.email}}', subject: 'Won: {{record.title}}', text: 'Amount {{record.amount}}', html: '<p>{{record.title}}</p>' },
    {
      id: 'big',
      type: 'branch',
      if: 'amount > 1000',
      then: [
        { id: 'follow', type: 'create_record', entity: 'followup', set: { title: 'concat("Upsell ", title)', deal_id: 'id' } },
        { id: 'nested', type: 'branch', if: 'amount > 5000', then: [{ id: 'pause', type: 'wait', days: 1, hours: 2 }] },
      ],
      else: [{ id: 'sms', type: 'send_sms', to: '{{record.mobile}}', text: 'Thanks' }],
    },
    { id: 'notify', type: 'call_webhook', url: 'https://hooks.example.com/in', method: 'PUT', headers: { Authorization: 'Bearer x', 'X-Stage': '{{record.stage}}' }, body: '{"deal": "{{record.title}}"}' },
    { id: 'route', type: 'assign_owner', strategy: 'rules', rules: [{ when: 'amount > 10', user: 'head@example.com' }], otherwise: 'desk@example.com' },
    { id: 'turns', type: 'assign_owner', strategy: 'round_robin', users: ['a@example.com', 'b@example.com'] },
  ],
};

const TRIGGERS: JsonObject[] = [
  { on: 'record.created' },
  { on: 'record.deleted' },
  { on: 'record.updated' },
  { on: 'schedule', cron: '0 9 * * 1-5', timezone: 'Asia/Tehran', filter: { field: 'stage', op: 'eq', value: 'new' } },
  { on: 'date', field: 'birthday', offsetDays: -3, repeat: 'yearly', at: '09:30', timezone: 'owner' },
  { on: 'date', field: 'birthday', repeat: 'once', timezone: { field: 'tz' } },
  { on: 'date', field: 'birthday', repeat: 'once', timezone: 'Asia/Riyadh' },
  { on: 'manual', label: { en: 'Call back', fa: 'تماس مجدد' } },
  { on: 'webhook' },
];

describe('workflow documents and drafts', () => {
  it('turns a document into a draft and back unchanged, branches and every action type included', () => {
    const back = documentFromDraft(draftFromDocument(WON_DEAL));
    expect(back.issues).toEqual([]);
    expect(back.document).toEqual(WON_DEAL);
  });

  it.each(TRIGGERS)('keeps a $on trigger', (trigger) => {
    const doc = { name: 'w', entity: 'contact', trigger, actions: [{ id: 'w', type: 'wait', minutes: 5 }] };
    expect(documentFromDraft(draftFromDocument(doc)).document).toEqual(doc);
  });

  it('writes enabled only when the workflow is switched off', () => {
    const doc = { name: 'w', enabled: false, trigger: { on: 'webhook' }, actions: [] };
    expect(documentFromDraft(draftFromDocument(doc)).document).toEqual(doc);
    expect(documentFromDraft(draftFromDocument({ ...doc, enabled: true })).document).not.toHaveProperty('enabled');
  });

  it('reads integers in Persian and Arabic digits, and reports the ones it cannot read', () => {
    expect([readInteger('۱۲'), readInteger('٣'), readInteger(' -4 '), readInteger('1.5'), readInteger('two')]).toEqual([12, 3, -4, null, null]);
    const draft = draftFromDocument({ name: 'w', entity: 'contact', trigger: { on: 'date', field: 'birthday' }, actions: [{ id: 'w', type: 'wait' }] });
    draft.trigger.offsetDays = '۷';
    const wait = draft.actions[0];
    if (!wait) throw new Error('no action');
    wait.settings.days = 'soon';
    const { document, issues } = documentFromDraft(draft);
    expect(document.trigger).toMatchObject({ offsetDays: 7 });
    expect(document.actions).toEqual([{ id: 'w', type: 'wait' }]);
    expect(issues).toEqual([{ pointer: '/actions/0/days', code: 'integer' }]);
  });

  it('reports a schedule filter that is not JSON, and leaves empty optional settings out', () => {
    const draft = emptyWorkflowDraft();
    draft.name = 'nightly';
    draft.title = { en: ' Nightly ', fa: '' };
    draft.trigger = { ...draft.trigger, on: 'schedule', cron: '0 2 * * *', filter: '{ nope' };
    const { document, issues } = documentFromDraft(draft);
    expect(issues).toEqual([{ pointer: '/trigger/filter', code: 'json' }]);
    expect(document).toEqual({ name: 'nightly', title: { en: 'Nightly' }, trigger: { on: 'schedule', cron: '0 2 * * *' }, actions: [] });
  });
});

describe('the editor form', () => {
  it('posts a draft and decodes the same draft', () => {
    const draft = draftFromDocument(WON_DEAL);
    expect(roundTrip(draft)).toEqual(draft);
    for (const trigger of TRIGGERS) {
      const other = draftFromDocument({ ...WON_DEAL, trigger });
      expect(roundTrip(other)).toEqual(other);
    }
  });

  it('keeps what was typed, even when it is not valid yet', () => {
    const draft = draftFromDocument(WON_DEAL);
    const back = roundTrip(draft, { [inputName.setting('a.1', 'dueInDays')]: 'دو', [inputName.condition]: 'stag == "won"', [inputName.name]: 'Won Deal!' });
    expect(back.actions[1]?.settings.dueInDays).toBe('دو');
    expect(back.condition).toBe('stag == "won"');
    expect(back.name).toBe('Won Deal!');
  });

  it('adds a row typed into the blank row of a table, and drops emptied rows', () => {
    const draft = draftFromDocument(WON_DEAL);
    const back = roundTrip(draft, {
      [inputName.cell('a.0', 'set', 1, 'a')]: 'stage',
      [inputName.cell('a.0', 'set', 1, 'b')]: '"won"',
      [inputName.cell('a.4', 'headers', 0, 'a')]: '',
      [inputName.cell('a.4', 'headers', 0, 'b')]: '',
    });
    const doc = documentFromDraft(back).document as { actions: JsonObject[] };
    expect(doc.actions[0]?.set).toEqual({ note: 'concat("won: ", amount * 2)', stage: '"won"' });
    expect(doc.actions[4]?.headers).toEqual({ 'X-Stage': '{{record.stage}}' });
  });

  it('posts an assignee as a choice, or as the email box when the choice is a user', () => {
    const doc = { name: 'w', entity: 'deal', trigger: { on: 'record.created' }, actions: ['owner', 'actor', 'sara@example.com'].map((assignee, i) => ({ id: `t${i}`, type: 'create_task', title: 'x', assignee })) };
    const entries = formEntries(draftFromDocument(doc));
    expect(entries.filter(([k]) => k.startsWith('a.2.s.assignee'))).toEqual([
      ['a.2.s.assignee', ''],
      ['a.2.s.assignee.email', 'sara@example.com'],
    ]);
    expect(documentFromDraft(decodeWorkflowForm(formOf(entries))).document).toEqual(doc);
  });

  it('ignores posted values of settings the action type does not have', () => {
    const form = formOf([...formEntries(draftFromDocument(WON_DEAL)), [inputName.setting('a.0', 'url'), 'https://example.com']]);
    expect(decodeWorkflowForm(form).actions[0]?.settings).toEqual({});
  });
});

describe('editing commands', () => {
  const draft = draftFromDocument(WON_DEAL);

  it('adds an action of the chosen type with a fresh step id, also inside a branch', () => {
    const top = applyCommand(draft, parseCommand(command.add('a')), formOf([[inputName.newType('a'), 'create_task']]));
    expect(top.draft.actions.at(-1)).toMatchObject({ id: 'create_task', type: 'create_task', settings: { assignee: 'owner' } });
    expect(top.focus).toBe('a.7');
    const again = applyCommand(top.draft, parseCommand(command.add('a.3.else')), formOf([[inputName.newType('a.3.else'), 'create_task']]));
    expect(again.draft.actions[3]?.else.map((a) => a.id)).toEqual(['sms', 'create_task_2']);
    expect(again.focus).toBe('a.3.else.1');
    expect(draft.actions).toHaveLength(7);
  });

  it('refuses an unknown type or list', () => {
    expect(applyCommand(draft, parseCommand(command.add('a')), formOf([[inputName.newType('a'), 'rm_rf']])).draft).toBe(draft);
    expect(parseCommand('add:a.9.then')).toEqual({ kind: 'add', list: 'a.9.then' });
    expect(applyCommand(draft, parseCommand('add:a.9.then'), formOf([[inputName.newType('a.9.then'), 'wait']])).draft).toBe(draft);
    expect(parseCommand('add:x')).toEqual({ kind: 'none' });
    expect(parseCommand('remove:a')).toEqual({ kind: 'none' });
    expect(parseCommand(null)).toEqual({ kind: 'none' });
  });

  it('moves and removes actions, nested ones too, without changing the input', () => {
    const up = applyCommand(draft, parseCommand(command.up('a.1')), formOf([]));
    expect(up.draft.actions.map((a) => a.id).slice(0, 2)).toEqual(['thank', 'mark']);
    expect(up.focus).toBe('a.0');
    expect(applyCommand(draft, parseCommand(command.up('a.0')), formOf([])).draft).toBe(draft);
    const down = applyCommand(draft, parseCommand(command.down('a.3.then.0')), formOf([]));
    expect(down.draft.actions[3]?.then.map((a) => a.id)).toEqual(['nested', 'follow']);
    const removed = applyCommand(draft, parseCommand(command.remove('a.3.then.1.then.0')), formOf([]));
    expect(removed.draft.actions[3]?.then[1]?.then).toEqual([]);
    expect(draft.actions[3]?.then[1]?.then).toHaveLength(1);
  });
});

describe('issue slots', () => {
  it.each([
    ['/name', '', 'name'],
    ['', 'the workflow must be a JSON object', 'document'],
    ['/title/en', '', 'title'],
    ['/trigger', '"field" is required', 'trigger.field'],
    ['/trigger/timezone/field', '', 'trigger.timezone'],
    ['/trigger/fields/0', '', 'trigger.fields'],
    ['/trigger/filter/0/field', '', 'trigger.filter'],
    ['/condition', '', 'condition'],
    ['/actions', 'a workflow needs at least one action', 'actions'],
    ['/actions/0', '"title" is required', 'a.0.title'],
    ['/actions/2/set/amount', '', 'a.2.set'],
    ['/actions/3/then/1/then/0/days', '', 'a.3.then.1.then.0.days'],
    ['/actions/3/then', '', 'a.3.then'],
    ['/actions/1/headers/X~1Y', '', 'a.1.headers'],
  ])('%s (%s) → %s', (pointer, message, slot) => {
    expect(slotOf(pointer, message)).toBe(slot);
  });

  it('turns action paths into pointers', () => {
    expect(pointerOf('a.3.then.1')).toBe('/actions/3/then/1');
  });
});

describe('the condition probe', () => {
  it('keeps only what the condition can see', () => {
    expect(conditionProbe({ name: '', entity: 'deal', trigger: { on: 'record.updated', fields: ['nope'] }, condition: 'old.stage != stage', actions: [] })).toEqual({
      name: 'condition_check',
      entity: 'deal',
      trigger: { on: 'record.updated' },
      condition: 'old.stage != stage',
      actions: [{ id: 'probe', type: 'wait', minutes: 1 }],
    });
    expect(conditionProbe({ trigger: { on: 'schedule', cron: 'x' }, entity: 'deal' }).trigger).toEqual({ on: 'record.created' });
    expect(conditionProbe({ trigger: { on: 'webhook' } })).not.toHaveProperty('entity');
  });
});

describe('the meta-schema', () => {
  const defs = workflowMetaSchema.$defs;

  it('has the trigger kinds and action types the form knows', () => {
    expect([...TRIGGER_KINDS]).toEqual(defs.trigger.properties.on.enum);
    expect([...ACTION_TYPE_NAMES]).toEqual(defs.action.properties.type.enum);
  });

  it.each(ACTION_TYPE_NAMES)('has an input for every setting of %s', (type) => {
    const branch = defs.action.oneOf.find((b) => b.properties.type.const === type);
    if (!branch) throw new Error(`no ${type} in the meta-schema`);
    const form = ACTION_FORMS[type];
    const keys = Object.keys(branch.properties).filter((k) => !['id', 'type', 'then', 'else'].includes(k));
    const tables: readonly string[] = form.tables;
    expect([...form.settings.map((s) => s.key), ...tables].sort()).toEqual(keys.sort());
    const required = ((branch as { required?: string[] }).required ?? []).filter((k) => k !== 'id' && k !== 'type' && k !== 'then' && !tables.includes(k));
    expect(form.settings.filter((s) => 'required' in s && s.required).map((s) => s.key)).toEqual(required);
  });
});
