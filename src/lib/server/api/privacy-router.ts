/**
 * `privacy.*`: answering a person's data-protection request, for administrators only.
 *
 *   const doc = await caller.privacy.exportPerson({ entity: 'contact', id });   // the JSON document
 *   const done = await caller.privacy.erasePerson({ entity: 'contact', id });   // { erased, kept, counts }
 */
import { erasePerson, exportPerson, type PrivacyResult } from '../privacy/privacy-service.ts';
import { parseObjectInput, requiredText } from './input.ts';
import { PeyvandApiError, procedure, requireUser, router } from './trpc.ts';

function unwrap<T>(result: PrivacyResult<T>): T {
  if (result.ok) return result.value;
  throw new PeyvandApiError(result.code === 'not-found' ? 'NOT_FOUND' : 'BAD_REQUEST', result.message, { peyvandCode: result.code });
}

function person(input: Record<string, unknown>): { entity: string; id: string } {
  const extra = Object.keys(input).find((k) => k !== 'entity' && k !== 'id');
  if (extra !== undefined) throw new PeyvandApiError('BAD_REQUEST', `unknown input "${extra}"; expected entity, id`, { peyvandCode: 'invalid' });
  return { entity: requiredText(input, 'entity', 63), id: requiredText(input, 'id', 100) };
}

export const privacyRouter = router({
  exportPerson: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => unwrap(await exportPerson(ctx.runtime.database.db, ctx.runtime.current().model, { ...person(input), actorId: requireUser(ctx).id }))),
  erasePerson: procedure({ action: 'admin' })
    .input(parseObjectInput)
    .mutation(async ({ ctx, input }) => unwrap(await erasePerson(ctx.runtime.database.db, ctx.runtime.current().model, { ...person(input), actorId: requireUser(ctx).id }))),
});
