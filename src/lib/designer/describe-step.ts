/**
 * A migration step in plain words in the user's language, from its kind and what it touches —
 * never from the planner's English `reason`. Names of entities, fields and options are wrapped in
 * Unicode isolates so that an English name reads right inside a Persian or Arabic sentence.
 *
 *   describeStep({ kind: 'field.add', entity: 'contact', field: 'nickname', action }, 'fa')
 *   // 'افزودن فیلد ⁨nickname⁩ به ⁨contact⁩'
 */
import { t, type Locale, type MessageKey } from '../i18n/index.ts';
import type { SchemaStep, StepKind } from '../server/schema/plan.ts';

/** What describing a step needs: the planner's step without its reason and row check. */
export type DescribableStep = Pick<SchemaStep, 'kind' | 'entity' | 'field' | 'action'>;

type Params = Record<string, string | number>;
type Phrase = readonly [MessageKey, Params];

/** First-strong isolate … pop directional isolate. */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

function list(values: readonly string[]): string {
  return values.map(isolate).join('، ');
}

const PHRASES = {
  'entity.create': () => ['designer.step.entity.create', {}],
  'entity.rename': (s) => ['designer.step.entity.rename', { from: isolate(s.action.type === 'rename-table' ? s.action.from : s.entity) }],
  'entity.drop': () => ['designer.step.entity.drop', {}],
  'entity.update': () => ['designer.step.entity.update', {}],
  'field.add': () => ['designer.step.field.add', {}],
  'field.rename': (s) =>
    s.action.type === 'rename-columns' && s.action.pairs.length > 0
      ? ['designer.step.field.rename', { from: isolate(stripColumnSuffix(s.action.pairs[0]?.[0] ?? '')) }]
      : ['designer.step.field.renumber', {}],
  'field.retype': (s) => [s.action.type === 'replace-columns' ? 'designer.step.field.replace' : 'designer.step.field.retype', {}],
  'field.drop': () => ['designer.step.field.drop', {}],
  'field.require': (s) => [s.action.type === 'set-not-null' && s.action.fill ? 'designer.step.field.requireFill' : 'designer.step.field.require', {}],
  'field.unrequire': () => ['designer.step.field.unrequire', {}],
  'field.options': (s) =>
    s.action.type === 'clear-values' ? ['designer.step.field.optionsRemove', { values: list(s.action.values) }] : ['designer.step.field.optionsAdd', {}],
  'field.update': () => ['designer.step.field.update', {}],
  'field.autonumber': (s) => ['designer.step.field.autonumber', { format: s.action.type === 'set-autonumber' ? isolate(`${s.action.prefix}${'0'.repeat(s.action.digits)}`) : '' }],
  'index.add': (s) => {
    if (s.action.type !== 'create-index') return ['designer.step.index.add', { columns: '' }];
    const columns = list(s.action.index.columns.map((c) => c.column));
    if (s.action.index.method === 'trigram') return ['designer.step.index.search', {}];
    return [s.action.index.unique ? 'designer.step.index.unique' : 'designer.step.index.add', { columns }];
  },
  'index.drop': () => ['designer.step.index.drop', {}],
  'index.rename': () => ['designer.step.index.rename', {}],
  'relation.add': (s) => ['designer.step.relation.add', relationParams(s)],
  'relation.drop': (s) => ['designer.step.relation.drop', relationParams(s)],
  'relation.rename': () => ['designer.step.relation.rename', {}],
  'search.refresh': () => ['designer.step.search.refresh', {}],
} as const satisfies Record<StepKind, (step: DescribableStep) => Phrase>;

function relationParams(step: DescribableStep): Params {
  const fk = step.action.type === 'add-foreign-key' ? step.action.fk : null;
  const dropped = step.action.type === 'drop-foreign-key' ? step.action.name : null;
  return { column: isolate(fk?.column ?? dropped ?? ''), target: isolate(fk?.target ?? '') };
}

/** Money's amount column is named `<field>__amount`; people know the field. */
function stripColumnSuffix(column: string): string {
  return column.replace(/__[a-z]+$/, '');
}

/** The step as one sentence in `locale`. */
export function describeStep(step: DescribableStep, locale: Locale): string {
  const phrase: (s: DescribableStep) => Phrase = PHRASES[step.kind];
  const [key, params] = phrase(step);
  return t(locale, key, { entity: isolate(step.entity), field: isolate(step.field ?? ''), ...params });
}

const IMPOSSIBLE: Partial<Record<StepKind, MessageKey>> = {
  'field.add': 'designer.impossible.field.add',
  'field.require': 'designer.impossible.field.require',
  'field.retype': 'designer.impossible.field.retype',
  'field.options': 'designer.impossible.field.options',
  'index.add': 'designer.impossible.index.add',
};

/** Why an impossible step cannot run, in `locale` (the planner's message is English). */
export function describeImpossible(step: DescribableStep, locale: Locale): string {
  const key = IMPOSSIBLE[step.kind] ?? 'designer.impossible.other';
  return t(locale, key, { entity: isolate(step.entity), field: isolate(step.field ?? '') });
}

const NUMBER_LOCALES: Readonly<Record<Locale, string>> = { en: 'en', fa: 'fa-IR', ar: 'ar-u-nu-arab' };

/** A count in the user's digits (Persian ۱۲, Arabic ١٢). */
export function formatCount(n: number, locale: Locale): string {
  return new Intl.NumberFormat(NUMBER_LOCALES[locale]).format(n);
}
