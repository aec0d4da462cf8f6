/**
 * Roll-up fields kept current: after a write of records that roll-ups read (deals, for a
 * company's `open_deal_amount`), one aggregate statement per parent entity and relation recomputes
 * the roll-ups of the parents the write touched, in the write's transaction:
 *
 *   update data.company p set open_deal_amount = (select coalesce(sum(c.amount__amount), 0)
 *     from data.deal c where c.company_id = p.id and (<filter>)), open_deal_count = (…)
 *   where p.id = any($1::uuid[])
 *
 * The parent's version and updated_at are left alone: a roll-up changing is not an edit of the
 * parent, and must not turn someone's open edit form into a conflict.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';
import type { EntityModel, JsonValue, RollupFeedModel, RollupModel } from '../../model/types.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { fieldColumns } from '../schema/plan.ts';
import { compileFilter } from './list-query.ts';

/** Sums and counts of no records are 0; an average, minimum or maximum of none is empty. */
const AGGREGATES: Readonly<Record<RollupModel['measure'], (value: RawBuilder<unknown>) => RawBuilder<unknown>>> = {
  count: () => sql`count(*)`,
  sum: (value) => sql`coalesce(sum(${value}), 0)`,
  avg: (value) => sql`round(avg(${value}), 10)`,
  min: (value) => sql`min(${value})`,
  max: (value) => sql`max(${value})`,
};

interface FeedGroup {
  /** The parent entity. */
  readonly entity: string;
  /** The relation field of the written entity that points at the parent. */
  readonly via: string;
  readonly assignments: RawBuilder<unknown>;
}

/**
 * `column = (aggregate over the source entity's records of parent p)`. Computed fields are
 * single-column types (the loader refuses money), so the roll-up field's column has its name.
 */
export function rollupAssignment(field: string, rollup: RollupModel, source: EntityModel): RawBuilder<unknown> {
  const via = source.fields.find((f) => f.name === rollup.via);
  const measured = rollup.field === null ? null : source.fields.find((f) => f.name === rollup.field);
  if (!via || (rollup.field !== null && !measured)) throw new Error(`roll-up ${field}: ${source.name} has no field ${rollup.field === null ? rollup.via : `${rollup.via} or ${rollup.field}`}`);
  const viaColumn = fieldColumns(via)[0]?.name ?? via.name;
  const value = measured ? sql`c.${sql.id(fieldColumns(measured)[0]?.name ?? measured.name)}` : sql``;
  const aggregate = AGGREGATES[rollup.measure](value);
  // The filter's column references are unqualified: inside this subquery they are the source's.
  const filter = rollup.filter === null ? sql`true` : compileFilter(source, rollup.filter);
  return sql`${sql.id(field)} = (select ${aggregate} from ${sql.id(DATA_SCHEMA, source.name)} c where c.${sql.id(viaColumn)} = p.id and (${filter}))`;
}

const groupCache = new WeakMap<EntityModel, readonly FeedGroup[]>();

function feedGroups(source: EntityModel): readonly FeedGroup[] {
  let groups = groupCache.get(source);
  if (!groups) {
    const byTarget = new Map<string, RollupFeedModel[]>();
    for (const feed of source.rollupFeeds ?? []) {
      const key = `${feed.entity}\u0000${feed.rollup.via}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), feed]);
    }
    groups = [...byTarget.values()].map((feeds) => ({
      entity: feeds[0]?.entity ?? '',
      via: feeds[0]?.rollup.via ?? '',
      assignments: sql.join(feeds.map((feed) => rollupAssignment(feed.field, feed.rollup, source))),
    }));
    groupCache.set(source, groups);
  }
  return groups;
}

export function feedsRollups(entity: EntityModel): boolean {
  return (entity.rollupFeeds?.length ?? 0) > 0;
}

type RecordLike = Readonly<Record<string, JsonValue | null | undefined>>;

/**
 * Recomputes the roll-ups over `source` of every parent that `records` (the records written:
 * before and after an update, the new ones of a create, the deleted one) point at.
 */
export async function refreshRollups(db: Kysely<SystemTables>, source: EntityModel, records: readonly (RecordLike | null)[]): Promise<void> {
  for (const group of feedGroups(source)) {
    const ids = new Set<string>();
    for (const record of records) {
      const id = record?.[group.via];
      if (typeof id === 'string') ids.add(id);
    }
    if (ids.size === 0) continue;
    await sql`update ${sql.id(DATA_SCHEMA, group.entity)} p set ${group.assignments} where p.id = any(${sql.val([...ids])}::uuid[])`.execute(db);
  }
}
