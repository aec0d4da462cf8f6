import { normaliseDigits } from '../locale/digits.ts';
import type { FieldModel, JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { parseDecimalText } from './decimal-text.ts';
import { hasXType, isJsonObject, pickKeywords, quote, readString, readStringArray } from './schema-keywords.ts';

const CURRENCY = /^[A-Z]{3}$/;

function currencies(schema: JsonObject): readonly string[] | undefined {
  const list = readStringArray(schema, 'x-currencies');
  return list !== undefined && list.length > 0 && list.every((c) => CURRENCY.test(c)) ? list : undefined;
}

function defaultCurrency(schema: JsonObject): string | undefined {
  const code = readString(schema, 'x-default-currency');
  return code !== undefined && CURRENCY.test(code) ? code : undefined;
}

function amountColumn(field: FieldModel): string {
  return `${field.name}__amount`;
}

function currencyColumn(field: FieldModel): string {
  return `${field.name}__currency`;
}

/** "12.50 USD", "usd 12.50", "12,500.00USD" → its two parts; a bare amount has no currency. */
function splitMoney(text: string): { amount: string; currency: string | undefined } {
  const after = /^(.*?)\s*([A-Za-z]{3})$/.exec(text);
  if (after?.[1] && /\d/.test(after[1])) return { amount: after[1], currency: after[2]?.toUpperCase() };
  const before = /^([A-Za-z]{3})\s*(.*)$/.exec(text);
  if (before?.[2] && /\d/.test(before[2])) return { amount: before[2], currency: before[1]?.toUpperCase() };
  return { amount: text, currency: undefined };
}

/**
 * `{ type: 'object', 'x-type': 'money' }`, optional `x-currencies` (ISO 4217 codes) and
 * `x-default-currency`. Value `{ amount: '12.50', currency: 'USD' }`; two columns, amount first.
 */
export const moneyField = {
  name: 'money',
  expressionType: 'number',
  widget: 'money',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'object' && hasXType(schema, 'money', true),
  valueSchema: (schema) => {
    const allowed = currencies(schema);
    const currency: JsonObject = allowed ? { type: 'string', enum: [...allowed] } : { type: 'string', pattern: CURRENCY.source };
    return {
      ...pickKeywords(schema, []),
      type: 'object',
      properties: {
        amount: { type: 'string', format: 'decimal' },
        currency,
      },
      required: ['amount', 'currency'],
      additionalProperties: false,
    };
  },
  configure: (schema, ctx) => {
    const list = schema['x-currencies'];
    if (list !== undefined) {
      const codes = readStringArray(schema, 'x-currencies');
      if (codes === undefined || codes.length === 0 || !codes.every((c) => CURRENCY.test(c))) {
        ctx.report('/x-currencies', 'x-currencies must be a non-empty list of three-letter currency codes in capitals, e.g. ["IRR", "USD"]');
      } else if (new Set(codes).size !== codes.length) {
        ctx.report('/x-currencies', 'x-currencies lists a currency more than once');
      }
    }
    const code = schema['x-default-currency'];
    if (code !== undefined) {
      const allowed = currencies(schema);
      if (typeof code !== 'string' || !CURRENCY.test(code)) {
        ctx.report('/x-default-currency', 'x-default-currency must be a three-letter currency code in capitals, e.g. "USD"');
      } else if (allowed && !allowed.includes(code)) {
        ctx.report('/x-default-currency', `x-default-currency "${code}" is not one of x-currencies (${allowed.join(', ')})`);
      }
    }
    return {};
  },
  columns: (field) => [
    { name: amountColumn(field), sqlType: 'numeric' },
    { name: currencyColumn(field), sqlType: 'text' },
  ],
  toRow: (field, value) => {
    if (!isJsonObject(value)) return { [amountColumn(field)]: null, [currencyColumn(field)]: null };
    return { [amountColumn(field)]: value.amount ?? null, [currencyColumn(field)]: value.currency ?? null };
  },
  // A column converted to money keeps its numbers as amounts; the currency is only known when
  // the field names one (a default, or a single allowed currency).
  fillConvertedColumns: (field) => {
    const allowed = currencies(field.schema);
    const currency = defaultCurrency(field.schema) ?? (allowed?.length === 1 ? allowed[0] : undefined);
    return currency === undefined ? null : { [currencyColumn(field)]: currency };
  },
  fromRow: (field, row) => {
    const amount = row[amountColumn(field)];
    if (amount === null || amount === undefined) return null;
    const currency = row[currencyColumn(field)];
    return { amount: String(amount), currency: typeof currency === 'string' ? currency : '' };
  },
  parseCsv: (field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const { amount, currency: written } = splitMoney(normaliseDigits(shown));
    const currency = written ?? defaultCurrency(field.schema);
    if (currency === undefined) {
      return { ok: false, message: `${quote(shown)} has no currency (expected an amount and a currency code, e.g. 12.50 USD)` };
    }
    const parsed = parseDecimalText(amount);
    if (!parsed.ok) {
      return {
        ok: false,
        message: parsed.reason === 'range' ? parsed.message : `${quote(shown)} is not a valid amount (expected an amount and a currency code, e.g. 12.50 USD)`,
      };
    }
    const allowed = currencies(field.schema);
    if (allowed && !allowed.includes(currency)) {
      return { ok: false, message: `${quote(shown)} is in ${currency}, which this field does not accept (allowed: ${allowed.join(', ')})` };
    }
    return { ok: true, value: { amount: parsed.value, currency } };
  },
  printCsv: (_field, value) => {
    if (!isJsonObject(value)) return '';
    return typeof value.amount === 'string' && typeof value.currency === 'string' ? `${value.amount} ${value.currency}` : '';
  },
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'decimal' }),
} satisfies FieldType;
