/**
 * The normalised model: what an applied pack means to the platform.
 *
 * Authored definitions (JSON Schema documents, loose) are turned into these readonly values by
 * `normalise-pack.ts`; only these cross module boundaries. Nothing here touches I/O.
 */
import type { RoleModel } from '../access/role-model.ts';
import type { FieldTypeName } from '../fields/names.ts';
import type { WorkflowModel } from '../rules/types.ts';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** Labels by locale; `en` is always present after normalising. */
export type LocalizedText = Readonly<Record<string, string>>;

export type OnDeletePolicy = 'set-null' | 'cascade' | 'restrict';

export interface SelectOption {
  readonly value: string;
  readonly label: LocalizedText;
}

export interface RelationModel {
  readonly entity: string;
  readonly onDelete: OnDeletePolicy;
}

export interface AutoNumberModel {
  /** Literal text before the number, e.g. `INV-`. */
  readonly prefix: string;
  /** Zero-padded width of the number, e.g. 6 for `INV-000123`. */
  readonly digits: number;
}

export interface FieldModel {
  readonly name: string;
  readonly type: FieldTypeName;
  readonly label: LocalizedText;
  readonly description: LocalizedText | null;
  readonly required: boolean;
  readonly unique: boolean;
  readonly indexed: boolean;
  /** Computed by the platform (auto-number, formula, roll-up): never accepted from a client. */
  readonly readOnly: boolean;
  readonly defaultValue: JsonValue | undefined;
  /** Earlier names of this field: a declared rename keeps the data. */
  readonly renamedFrom: readonly string[];
  /** The property schema as authored, frozen. Ajv validates record values with it. */
  readonly schema: JsonObject;
  readonly options: readonly SelectOption[];
  readonly relation: RelationModel | null;
  readonly autoNumber: AutoNumberModel | null;
  /** Where the generated form shows the field. */
  readonly layout: FieldLayout;
  /** Help text under the input, by locale. */
  readonly help: LocalizedText | null;
  /**
   * A formula (`x-formula`) or roll-up (`x-rollup`): the platform computes the value, so the
   * field is read-only. Absent (or null) for an ordinary field — models stored before computed
   * fields existed, and fields built outside the loader, have no such key.
   */
  readonly computed?: ComputedModel | null;
}

export type RollupMeasure = 'count' | 'sum' | 'min' | 'max' | 'avg';

export type ComputedModel =
  | { readonly kind: 'formula'; readonly expression: string }
  | {
      readonly kind: 'rollup';
      /** The entity whose records are aggregated. */
      readonly entity: string;
      /** Its relation field that points at this entity. */
      readonly via: string;
      readonly measure: RollupMeasure;
      /** The aggregated field (null for count). */
      readonly field: string | null;
      /** Which records count, in the list API's filter language. */
      readonly filter: JsonObject | null;
    };

export type RollupModel = Extract<ComputedModel, { kind: 'rollup' }>;

/** A validation rule (`x-rules`): the record is refused unless `assert` is true. */
export interface RuleModel {
  readonly name: string;
  /** An expression over the record (and `old.<field>` on update). */
  readonly assert: string;
  /** The fields the message concerns; the first one carries it in a form. */
  readonly fields: readonly string[];
  readonly message: LocalizedText;
}

/**
 * A roll-up on another entity that aggregates this entity's records, written onto this (the
 * aggregated) entity when the model is built, so that the write path of its records knows which
 * parents to refresh without the whole model.
 */
export interface RollupFeedModel {
  /** The entity that has the roll-up field. */
  readonly entity: string;
  /** The roll-up field. */
  readonly field: string;
  readonly rollup: RollupModel;
}

export interface FieldLayout {
  /** A section id from the entity's `x-sections`, or null for the first section. */
  readonly section: string | null;
  readonly width: 'full' | 'half' | 'third';
  readonly order: number;
  /** Shown as a column of the list view by default. */
  readonly inList: boolean;
}

export interface SectionModel {
  readonly id: string;
  readonly label: LocalizedText;
}

export interface IndexModel {
  readonly fields: readonly string[];
  readonly unique: boolean;
}

export interface EntityModel {
  readonly name: string;
  /** The pack that defines this entity; null for one made in the designer. */
  readonly pack?: string | null;
  readonly label: LocalizedText;
  readonly pluralLabel: LocalizedText;
  readonly description: LocalizedText | null;
  readonly renamedFrom: readonly string[];
  /** The field that names a record in lists and pickers. */
  readonly titleField: string | null;
  readonly fields: readonly FieldModel[];
  /** Composite indexes declared with `x-indexes`; single-field ones come from the fields. */
  readonly indexes: readonly IndexModel[];
  /** Form sections, in order (one unnamed section when none are declared). */
  readonly sections: readonly SectionModel[];
  /** Default list order (also indexed): `[field, 'asc' | 'desc']` pairs. */
  readonly defaultSort: readonly SortKey[];
  /** The entity document as authored, frozen. */
  readonly schema: JsonObject;
  /** Validation rules (`x-rules`); absent when there are none. */
  readonly rules?: readonly RuleModel[];
  /** Roll-ups elsewhere over this entity's records (derived by `buildModel`); absent when none. */
  readonly rollupFeeds?: readonly RollupFeedModel[];
}

export interface SortKey {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

export interface PackRequirement {
  readonly name: string;
  /** A semver range, e.g. `^1.2.0`. */
  readonly range: string;
}

export interface PackInfo {
  readonly name: string;
  readonly version: string;
  readonly title: LocalizedText;
  readonly locales: readonly string[];
  readonly requires: readonly PackRequirement[];
}

export interface Model {
  readonly packs: readonly PackInfo[];
  readonly entities: readonly EntityModel[];
  /** Automations: from packs (`workflows/`) and from the designer. */
  readonly workflows: readonly WorkflowModel[];
  /** Roles: from packs (`roles/`) and from the admin page. */
  readonly roles: readonly RoleModel[];
  /** SHA-256 of the canonical JSON of `packs`, `entities`, `workflows` and `roles`: equal models, equal hashes. */
  readonly hash: string;
}

export const EMPTY_MODEL_HASH = 'empty';

export function emptyModel(): Model {
  return { packs: [], entities: [], workflows: [], roles: [], hash: EMPTY_MODEL_HASH };
}

export function findEntity(model: Model, name: string): EntityModel | undefined {
  return model.entities.find((e) => e.name === name);
}

export function findWorkflow(model: Model, name: string): WorkflowModel | undefined {
  return model.workflows.find((w) => w.name === name);
}

export function findRole(model: Model, name: string): RoleModel | undefined {
  return model.roles.find((r) => r.name === name);
}

export function findField(entity: EntityModel, name: string): FieldModel | undefined {
  return entity.fields.find((f) => f.name === name);
}
