/**
 * `admin.*`: the designer's API. Every procedure needs `model.change` (an administrator).
 *
 *   await caller.admin.entities.get({ name: 'contact' });                                 // { name, pack, version, document }
 *   await caller.admin.entities.plan({ document, previousName: 'contact' });             // dry run
 *   await caller.admin.entities.applyChange({ document, previousName: 'contact', allowDestructive: false });
 *   await caller.admin.entities.remove({ name: 'visit', allowDestructive: true });
 *
 * `plan` is a mutation although it changes nothing: a document can be larger than a URL.
 */
import type { TRPCError } from '@trpc/server';
import {
  applyEntityChange,
  getEntityDocument,
  planEntityChange,
  removeEntity,
  type DesignerError,
  type DesignerErrorCode,
  type DesignerResult,
} from '../designer/designer-service.ts';
import { PeyvandApiError, procedure, requireUser, router, type ApiContext } from './trpc.ts';

const HTTP_CODE = {
  invalid: 'BAD_REQUEST',
  'not-found': 'NOT_FOUND',
  exists: 'CONFLICT',
  'in-use': 'CONFLICT',
  conflict: 'CONFLICT',
} as const satisfies Record<DesignerErrorCode, TRPCError['code']>;

function toApiError(error: DesignerError): PeyvandApiError {
  return new PeyvandApiError(HTTP_CODE[error.code], error.message, {
    peyvandCode: error.code,
    issues: error.issues.map((i) => ({ path: i.pointer, field: i.field, message: i.message })),
  });
}

// ---------------------------------------------------------------------------------------------
// input parsers: shape only; the service checks meaning

function invalid(path: string, message: string): never {
  throw new PeyvandApiError('BAD_REQUEST', message, { peyvandCode: 'invalid', issues: [{ path, field: null, message }] });
}

function object(input: unknown, keys: readonly string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('', 'input must be a JSON object');
  const o = input as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !keys.includes(k));
  if (extra !== undefined) invalid(`/${extra}`, `unknown input "${extra}"; expected ${keys.join(', ')}`);
  return o;
}

function name(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > 63) invalid(`/${key}`, `${key} must be an entity name of 1 to 63 characters`);
  return v;
}

function optionalName(o: Record<string, unknown>, key: string): string | undefined {
  return o[key] === undefined ? undefined : name(o, key);
}

function flag(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (v !== undefined && typeof v !== 'boolean') invalid(`/${key}`, `${key} must be true or false`);
  return v === true;
}

function version(o: Record<string, unknown>): number | undefined {
  const v = o.expectedVersion;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) invalid('/expectedVersion', 'expectedVersion must be a model version (a whole number)');
  return v;
}

function document(o: Record<string, unknown>): Record<string, unknown> {
  const v = o.document;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid('/document', 'document must be an entity document (a JSON object)');
  return v as Record<string, unknown>;
}

export interface EntityNameInput {
  readonly name: string;
}

export interface EntityChangeInput {
  readonly document: Record<string, unknown>;
  readonly previousName?: string;
  readonly expectedVersion?: number;
}

export interface EntityApplyInput extends EntityChangeInput {
  readonly allowDestructive: boolean;
}

export interface EntityRemoveInput {
  readonly name: string;
  readonly allowDestructive: boolean;
  readonly expectedVersion?: number;
}

export function parseEntityNameInput(input: unknown): EntityNameInput {
  return { name: name(object(input, ['name']), 'name') };
}

export function parseEntityChangeInput(input: unknown): EntityChangeInput {
  const o = object(input, ['document', 'previousName', 'expectedVersion']);
  return withOptional({ document: document(o) }, optionalName(o, 'previousName'), version(o));
}

export function parseEntityApplyInput(input: unknown): EntityApplyInput {
  const o = object(input, ['document', 'previousName', 'allowDestructive', 'expectedVersion']);
  return withOptional({ document: document(o), allowDestructive: flag(o, 'allowDestructive') }, optionalName(o, 'previousName'), version(o));
}

export function parseEntityRemoveInput(input: unknown): EntityRemoveInput {
  const o = object(input, ['name', 'allowDestructive', 'expectedVersion']);
  const expectedVersion = version(o);
  return { name: name(o, 'name'), allowDestructive: flag(o, 'allowDestructive'), ...(expectedVersion === undefined ? {} : { expectedVersion }) };
}

function withOptional<T extends object>(base: T, previousName: string | undefined, expectedVersion: number | undefined): T & { previousName?: string; expectedVersion?: number } {
  return { ...base, ...(previousName === undefined ? {} : { previousName }), ...(expectedVersion === undefined ? {} : { expectedVersion }) };
}

// ---------------------------------------------------------------------------------------------

/** The plan or outcome of a change; the caller's process is current once an apply returns. */
async function settle(ctx: ApiContext, outcome: DesignerResult) {
  if (!outcome.ok) throw toApiError(outcome.error);
  if (outcome.result.status === 'applied') await ctx.runtime.refresh();
  return { entity: outcome.entity, ...outcome.result };
}

const MODEL_CHANGE = { action: 'model.change' } as const;

const entitiesRouter = router({
  get: procedure(MODEL_CHANGE)
    .input(parseEntityNameInput)
    .query(async ({ ctx, input }) => {
      const found = await getEntityDocument(ctx.runtime.database, input.name);
      if (!found) throw toApiError({ code: 'not-found', message: `there is no entity named "${input.name}"`, issues: [] });
      return { name: found.entity.name, pack: found.entity.pack ?? null, version: found.version, document: found.document };
    }),
  plan: procedure(MODEL_CHANGE)
    .input(parseEntityChangeInput)
    .mutation(async ({ ctx, input }) => settle(ctx, await planEntityChange(ctx.runtime.database, input, requireUser(ctx).id))),
  // Not `apply`: tRPC reserves it (the caller is a proxy, and `apply` is Function.prototype's).
  applyChange: procedure(MODEL_CHANGE)
    .input(parseEntityApplyInput)
    .mutation(async ({ ctx, input }) => settle(ctx, await applyEntityChange(ctx.runtime.database, input, requireUser(ctx).id))),
  remove: procedure(MODEL_CHANGE)
    .input(parseEntityRemoveInput)
    .mutation(async ({ ctx, input }) => {
      const { name: entity, ...options } = input;
      return settle(ctx, await removeEntity(ctx.runtime.database, entity, options, requireUser(ctx).id));
    }),
});

export const adminRouter = router({ entities: entitiesRouter });
