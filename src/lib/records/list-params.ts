/**
 * A list view's state in its URL — so that every view is a link, the back button works, and the
 * page works without JavaScript:
 *
 *   /e/contact?q=sara&sort=full_name:asc&ff=stage&fo=eq&fv=lead&match=all&cols=full_name,email&cursor=…
 *
 * `ff`/`fo`/`fv` repeat once per condition (field, operator, value). Values are text as typed; they
 * become typed filter values here (numbers, booleans, lists for in/not_in, [from, to] for between).
 */
import { FIELD_TYPES } from '../fields/registry.ts';
import { FILTER_OPERATORS, type FilterOperator } from '../fields/names.ts';
import { normaliseDigits } from '../locale/digits.ts';
import type { EntityModel, JsonValue } from '../model/types.ts';

export interface ListCondition {
  readonly field: string;
  readonly op: FilterOperator;
  readonly value: string;
}

export interface ListParams {
  readonly search: string;
  readonly sort: readonly { readonly field: string; readonly direction: 'asc' | 'desc' }[];
  readonly conditions: readonly ListCondition[];
  readonly match: 'all' | 'any';
  readonly columns: readonly string[] | null;
  readonly cursor: string | null;
}

type FilterNode = { and: FilterNode[] } | { or: FilterNode[] } | { field: string; op: FilterOperator; value?: JsonValue };

const SYSTEM_SORTABLE = ['created_at', 'updated_at'];

export function readListParams(params: URLSearchParams): ListParams {
  const fields = params.getAll('ff');
  const ops = params.getAll('fo');
  const values = params.getAll('fv');
  const conditions: ListCondition[] = [];
  fields.forEach((field, i) => {
    const op = ops[i];
    if (field && op && (FILTER_OPERATORS as readonly string[]).includes(op)) conditions.push({ field, op: op as FilterOperator, value: values[i] ?? '' });
  });
  const sort = (params.get('sort') ?? '')
    .split(',')
    .filter(Boolean)
    .slice(0, 4)
    .map((part) => {
      const [field = '', direction] = part.split(':');
      return { field, direction: direction === 'desc' ? ('desc' as const) : ('asc' as const) };
    });
  // `cols=a,b` from links, or one `col` per ticked box from the column chooser form.
  const cols = params.get('cols') ?? (params.getAll('col').length > 0 ? params.getAll('col').join(',') : null);
  return {
    search: (params.get('q') ?? '').slice(0, 200),
    sort,
    conditions: conditions.slice(0, 20),
    match: params.get('match') === 'any' ? 'any' : 'all',
    columns: cols ? cols.split(',').filter(Boolean).slice(0, 40) : null,
    cursor: params.get('cursor'),
  };
}

export function writeListParams(state: ListParams, changes: Partial<ListParams> = {}): string {
  const s = { ...state, ...changes };
  const out = new URLSearchParams();
  if (s.search) out.set('q', s.search);
  if (s.sort.length > 0) out.set('sort', s.sort.map((k) => `${k.field}:${k.direction}`).join(','));
  for (const c of s.conditions) {
    out.append('ff', c.field);
    out.append('fo', c.op);
    out.append('fv', c.value);
  }
  if (s.conditions.length > 1 && s.match === 'any') out.set('match', 'any');
  if (s.columns) out.set('cols', s.columns.join(','));
  if (s.cursor) out.set('cursor', s.cursor);
  const text = out.toString();
  return text ? `?${text}` : '';
}

/** A typed value for one text the user typed, for this field's filter. */
function typed(entity: EntityModel, field: string, text: string): JsonValue {
  const model = entity.fields.find((f) => f.name === field);
  const plain = normaliseDigits(text.trim());
  if (!model) return plain;
  const schema = FIELD_TYPES[model.type].filterValueSchema(model);
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(plain.replaceAll(',', ''));
    return Number.isFinite(n) ? n : plain;
  }
  if (schema.type === 'boolean') return plain === 'true' || plain === '1' || plain === 'yes';
  return plain;
}

/** The conditions as the API's filter; sorting on fields that cannot be sorted is left to the API to refuse. */
export function filterOf(entity: EntityModel, params: ListParams): FilterNode | undefined {
  const nodes: FilterNode[] = params.conditions.map((c) => {
    switch (c.op) {
      case 'is_null':
        return { field: c.field, op: c.op, value: c.value !== 'false' };
      case 'in':
      case 'not_in':
        return { field: c.field, op: c.op, value: c.value.split(/[,،;]/).map((v) => typed(entity, c.field, v)).filter((v) => v !== '') };
      case 'between': {
        const [from = '', to = ''] = c.value.split('..');
        return { field: c.field, op: c.op, value: [typed(entity, c.field, from), typed(entity, c.field, to)] };
      }
      default:
        return { field: c.field, op: c.op, value: typed(entity, c.field, c.value) };
    }
  });
  if (nodes.length === 0) return undefined;
  if (nodes.length === 1) return nodes[0];
  return params.match === 'any' ? { or: nodes } : { and: nodes };
}

/** Columns shown: the chosen ones that exist, else the fields marked for lists (at most 6). */
export function visibleColumns(entity: EntityModel, params: ListParams): string[] {
  const names = new Set(entity.fields.map((f) => f.name));
  if (params.columns) {
    const chosen = params.columns.filter((c) => names.has(c) || SYSTEM_SORTABLE.includes(c));
    if (chosen.length > 0) return chosen;
  }
  return entity.fields.filter((f) => f.layout.inList && f.type !== 'long_text').slice(0, 6).map((f) => f.name);
}
