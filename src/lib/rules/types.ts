/**
 * Workflows as the platform understands them: the normalised form of `workflows/<name>.json`
 * documents (checked by `schemas/workflow.schema.json`). Pure types; nothing here does I/O.
 */
import type { JsonObject, LocalizedText } from '../model/types.ts';

/** Event names, dotted lowercase, from one union. */
export type RecordTopic = 'record.created' | 'record.updated' | 'record.deleted';

/** Where a date trigger takes "today" from: a fixed zone, a field of the record, or the record owner's zone. */
export type TimeZoneSource = { readonly kind: 'fixed'; readonly zone: string } | { readonly kind: 'field'; readonly field: string } | { readonly kind: 'owner' };

export type TriggerModel =
  | { readonly on: 'record.created' }
  | { readonly on: 'record.updated'; /** Run only when one of these fields changed (empty: any change). */ readonly fields: readonly string[] }
  | { readonly on: 'record.deleted' }
  | {
      readonly on: 'schedule';
      /** Five-field cron expression, e.g. `0 9 * * 1-5`. */
      readonly cron: string;
      readonly timezone: string;
      /** With an entity: a list filter (the API's filter language) choosing the records to run for. */
      readonly filter: JsonObject | null;
    }
  | {
      readonly on: 'date';
      /** A date (or datetime) field of the entity. */
      readonly field: string;
      /** Days after the date (negative: before). */
      readonly offsetDays: number;
      /** `yearly`: every anniversary of the date (birthdays); `once`: the date itself. */
      readonly repeat: 'yearly' | 'once';
      /** Local time of day, `HH:MM`, from which the trigger fires. */
      readonly at: string;
      readonly timezone: TimeZoneSource;
    }
  | { readonly on: 'manual'; readonly label: LocalizedText }
  | { readonly on: 'webhook' };

export type TriggerKind = TriggerModel['on'];

/**
 * One action as authored: `type` names a module of the action registry, the other keys are its
 * settings. `branch` holds nested `then` / `else` lists.
 */
export interface ActionModel {
  /** Unique within the workflow; part of the idempotency key (event, workflow, step). */
  readonly id: string;
  readonly type: string;
  readonly settings: JsonObject;
  readonly then: readonly ActionModel[];
  readonly else: readonly ActionModel[];
}

export interface WorkflowModel {
  readonly name: string;
  /** The pack that defines it; null for one made in the designer. */
  readonly pack: string | null;
  readonly label: LocalizedText;
  readonly description: LocalizedText | null;
  readonly enabled: boolean;
  /** The entity whose records trigger it (required for record, date and manual triggers). */
  readonly entity: string | null;
  readonly trigger: TriggerModel;
  /** An expression; null means always. */
  readonly condition: string | null;
  readonly actions: readonly ActionModel[];
  /** The document as authored, frozen (export writes it back). */
  readonly document: JsonObject;
}
