/**
 * What the designer offers for each field type: the keywords that make a property of the type,
 * and which form controls apply. Typed `satisfies Record<FieldTypeName, …>` so that a new field
 * type fails the build here until the designer knows how to edit it.
 *
 *   FIELD_KINDS.money.money          // true: the currency controls apply
 *   FIELD_KINDS.email.base           // { type: 'string', format: 'email' }
 */
import type { FieldTypeName } from '../fields/names.ts';
import type { JsonValue } from '../model/types.ts';

export interface FieldKind {
  /** The keywords every property of this type has (no options, no relation target). */
  readonly base: Readonly<Record<string, JsonValue>>;
  /** The value is a list: the property has `items`. */
  readonly items: boolean;
  /** Where the option values go: `enum` of the property, `enum` of its items, or none. */
  readonly options: 'enum' | 'items' | false;
  readonly maxLength: boolean;
  readonly relation: boolean;
  readonly autoNumber: boolean;
  readonly money: boolean;
  /**
   * A `default` can be set, typed as a CSV cell of the type is (`12.50 USD`, `a; b`, `yes`); no
   * default for auto-numbers (the database fills them) or relations (a fixed record id is no default).
   * Where there is none, an authored `default` is kept as it was written.
   */
  readonly hasDefault: boolean;
  /** `x-unique` makes sense (a btree key on the first column). */
  readonly unique: boolean;
  /** `x-index` makes sense (relations are always indexed). */
  readonly indexed: boolean;
}

const plain = { items: false, options: false, maxLength: false, relation: false, autoNumber: false, money: false } as const;

const TABLE = {
  text: { ...plain, base: { type: 'string' }, maxLength: true, hasDefault: true, unique: true, indexed: true },
  long_text: { ...plain, base: { type: 'string', 'x-type': 'long_text' }, maxLength: true, hasDefault: true, unique: false, indexed: false },
  email: { ...plain, base: { type: 'string', format: 'email' }, maxLength: true, hasDefault: true, unique: true, indexed: true },
  phone: { ...plain, base: { type: 'string', format: 'phone' }, hasDefault: true, unique: true, indexed: true },
  url: { ...plain, base: { type: 'string', format: 'url' }, maxLength: true, hasDefault: true, unique: true, indexed: true },
  integer: { ...plain, base: { type: 'integer' }, hasDefault: true, unique: true, indexed: true },
  decimal: { ...plain, base: { type: 'string', format: 'decimal' }, hasDefault: true, unique: true, indexed: true },
  money: { ...plain, base: { type: 'object', 'x-type': 'money' }, money: true, hasDefault: true, unique: false, indexed: true },
  percent: { ...plain, base: { type: 'string', format: 'decimal', 'x-type': 'percent' }, hasDefault: true, unique: false, indexed: true },
  boolean: { ...plain, base: { type: 'boolean' }, hasDefault: true, unique: false, indexed: true },
  date: { ...plain, base: { type: 'string', format: 'date' }, hasDefault: true, unique: true, indexed: true },
  datetime: { ...plain, base: { type: 'string', format: 'date-time' }, hasDefault: true, unique: true, indexed: true },
  single_select: { ...plain, base: { type: 'string' }, options: 'enum', hasDefault: true, unique: false, indexed: true },
  multi_select: { ...plain, base: { type: 'array' }, items: true, options: 'items', hasDefault: true, unique: false, indexed: false },
  relation: { ...plain, base: { type: 'string', format: 'uuid' }, relation: true, hasDefault: false, unique: true, indexed: false },
  tags: { ...plain, base: { type: 'array' }, items: true, hasDefault: true, unique: false, indexed: false },
  auto_number: { ...plain, base: { type: 'string', 'x-type': 'auto_number' }, autoNumber: true, hasDefault: false, unique: true, indexed: true },
  // The channel (`x-consent`) is kept as written; a new consent field starts as email consent.
  consent: { ...plain, base: { type: 'object', 'x-consent': 'email' }, hasDefault: false, unique: false, indexed: true },
} as const satisfies Record<FieldTypeName, FieldKind>;

/** Seen through the interface, so that `FIELD_KINDS[type].money` is a boolean, not a union of literals. */
export const FIELD_KINDS: Readonly<Record<FieldTypeName, FieldKind>> = TABLE;
