/**
 * Load and form actions of the designer's entity pages (`/admin/entities/new` and
 * `/admin/entities/[name]`). They work without JavaScript: each post carries the draft (hidden
 * JSON) and the visible inputs; nothing is kept on the server between posts. Every change goes
 * through `locals.runtime.caller(user).admin.entities.*`, the same checks as the HTTP API.
 */
import { error, fail, redirect, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { TRPCError } from '@trpc/server';
import { describeImpossible, describeStep, formatCount, isolate } from '../../designer/describe-step.ts';
import { inputName, parseDraft, readDraftForm, runCommand } from '../../designer/draft-form.ts';
import { documentFromDraft, draftFromDocument, emptyEntityDraft, type EntityDraft } from '../../designer/entity-draft.ts';
import { editorResult, type EditorResult, type EntityPageData, type ReviewView } from '../../designer/editor-view.ts';
import { t, type Locale } from '../../i18n/index.ts';
import { canonicalJson } from '../../model/canonical-json.ts';
import type { JsonObject } from '../../model/types.ts';
import type { AuthUser } from '../auth/permissions.ts';
import type { ApplyResult } from '../schema/apply.ts';
import { peyvandDetail } from '../api/trpc.ts';

/** The signed-in administrator; anonymous visitors go to sign-in, others get a 403 page. */
export function requireAdmin(locals: App.Locals, url: URL): AuthUser {
  if (!locals.user) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  if (locals.user.mustChangePassword) redirect(303, '/account/password');
  if (!locals.user.isAdmin && locals.access?.isAdmin !== true) error(403, t(locals.locale, 'designer.forbidden'));
  return locals.user;
}

/** `name` null: the page of a new entity. */
export async function loadEntityPage(event: Pick<RequestEvent, 'locals' | 'url'>, name: string | null): Promise<EntityPageData> {
  const { locals, url } = event;
  const user = requireAdmin(locals, url);
  const caller = locals.runtime.caller(user);
  const model = await caller.meta.model();
  const entities = model.entities.map((e) => ({ name: e.name, label: e.label }));
  const applied = url.searchParams.get('applied');
  const common = { locale: locals.locale, entities, applied: applied && /^\d{1,12}$/.test(applied) ? applied : null };
  if (name === null) return { ...common, draft: emptyEntityDraft(), isNew: true, pack: null, base: '' };
  const stored = await storedEntity(locals, user, name);
  return { ...common, draft: draftFromDocument(stored.document), isNew: false, pack: stored.pack, base: fingerprint(stored.document) };
}

async function storedEntity(locals: App.Locals, user: AuthUser, name: string) {
  try {
    return await locals.runtime.caller(user).admin.entities.get({ name });
  } catch (e) {
    if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) error(404, t(locals.locale, 'designer.error.notFound', { name }));
    throw e;
  }
}

type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request' | 'params'>;
type Outcome = EditorResult | ActionFailure<EditorResult>;

/**
 * The actions of an entity page. `previousName` is the stored entity's name (null on the page of
 * a new entity): it tells the API that this is an edit, and a changed name a rename.
 */
export function entityActions(previousName: (event: ActionEvent) => string | null) {
  async function read(event: ActionEvent) {
    const user = requireAdmin(event.locals, event.url);
    const form = await event.request.formData();
    const name = previousName(event);
    // Only a post without a (readable) draft needs the stored entity to start from.
    const fallback = name === null || parseDraft(form.get(inputName.draft)) !== null ? emptyEntityDraft() : draftFromDocument((await storedEntity(event.locals, user, name)).document);
    const base = form.get('base');
    const { draft, command } = readDraftForm(form, fallback);
    const caller = event.locals.runtime.caller(user);
    /** Every answer carries the draft and where it started from. */
    const result = (values: Partial<EditorResult>) => editorResult({ draft, base: typeof base === 'string' ? base : null, ...values });
    return { form, name, locale: event.locals.locale, caller, draft, command, base, result };
  }

  return {
    /** Edits without leaving the page: add, delete, move a field, remove an option, or just update. */
    edit: async (event: ActionEvent): Promise<Outcome> => {
      const { form, draft, command, result } = await read(event);
      const next = runCommand(draft, command, form);
      return result({ draft: next.draft, open: next.open, addIssue: next.addIssue });
    },

    /** The migration plan of the draft, in plain words (a dry run: nothing changes). */
    review: async (event: ActionEvent): Promise<Outcome> => {
      const { draft, name, locale, caller, base, result } = await read(event);
      const built = documentFromDraft(draft);
      if (!built.ok) return fail(400, result({ issues: built.issues }));
      try {
        const plan = await caller.admin.entities.plan({ document: built.document, ...(name === null ? {} : { previousName: name }) });
        // Someone changed this entity since the page was opened: the plan would undo their change.
        const stored = name === null ? null : await caller.admin.entities.get({ name });
        const isStale = stored !== null && base !== fingerprint(stored.document);
        return result({ review: reviewView(plan, locale, fingerprint(built.document)), notice: isStale ? { key: 'designer.review.stale', params: {} } : null });
      } catch (e) {
        return fail(400, result(refusal(e, locale, draft)));
      }
    },

    /** Applies the reviewed draft; destructive steps need the confirmation box ticked. */
    apply: async (event: ActionEvent): Promise<Outcome> => {
      const { form, draft, name, locale, caller, result } = await read(event);
      const built = documentFromDraft(draft);
      if (!built.ok) return fail(400, result({ issues: built.issues }));
      const reviewed = fingerprint(built.document);
      const previous = name === null ? {} : { previousName: name };
      const version = Number(form.get('planVersion'));
      const expectedVersion = Number.isSafeInteger(version) ? { expectedVersion: version } : {};
      const isConfirmed = form.get('confirm') !== null;
      let applied: ApplyResult & { entity: string };
      try {
        if (form.get('reviewed') !== reviewed) {
          // Changed after the review: show the plan of what would now be applied instead.
          const plan = await caller.admin.entities.plan({ document: built.document, ...previous });
          return fail(409, result({ review: reviewView(plan, locale, reviewed), notice: { key: 'designer.review.changed', params: {} } }));
        }
        if (!isConfirmed) {
          const plan = await caller.admin.entities.plan({ document: built.document, ...previous, ...expectedVersion });
          if (plan.outcomes.some((o) => o.step.destructive)) {
            return fail(400, result({ review: reviewView(plan, locale, reviewed), error: { key: 'designer.review.confirmRequired', params: {} } }));
          }
        }
        applied = await caller.admin.entities.applyChange({ document: built.document, ...previous, ...expectedVersion, allowDestructive: isConfirmed });
      } catch (e) {
        return fail(400, result(refusal(e, locale, draft)));
      }
      if (applied.status === 'applied' || applied.status === 'unchanged') {
        redirect(303, `/admin/entities/${encodeURIComponent(applied.entity)}?applied=${applied.version ?? ''}`);
      }
      return fail(400, result({ review: reviewView(applied, locale, reviewed) }));
    },

    /** Deletes the entity (its table goes to the archive); needs the confirmation box. */
    remove: async (event: ActionEvent): Promise<Outcome> => {
      const user = requireAdmin(event.locals, event.url);
      const name = previousName(event);
      if (name === null) error(404, t(event.locals.locale, 'designer.error.notFound', { name: '' }));
      const form = await event.request.formData();
      const locale = event.locals.locale;
      let removed: ApplyResult & { entity: string };
      try {
        removed = await event.locals.runtime.caller(user).admin.entities.remove({ name, allowDestructive: form.get('confirmRemove') !== null });
      } catch (e) {
        return fail(400, editorResult(refusal(e, locale)));
      }
      if (removed.status === 'applied' || removed.status === 'unchanged') redirect(303, `/admin?removed=${encodeURIComponent(name)}`);
      return fail(400, editorResult({ removal: reviewView(removed, locale, ''), error: { key: 'designer.remove.confirmRequired', params: {} } }));
    },
  };
}

/** A short fingerprint of a document: equal documents, equal fingerprints. */
function fingerprint(document: JsonObject): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(document, 0)))).slice(0, 32);
}

export function reviewView(result: ApplyResult, locale: Locale, reviewed: string): ReviewView {
  const steps = result.outcomes.map((o) => ({
    text: describeStep(o.step, locale),
    destructive: o.step.destructive,
    affected: o.affectedRows === null ? null : t(locale, 'designer.review.rows', { count: formatCount(o.affectedRows, locale) }),
    status: o.status,
    problem: o.status === 'impossible' ? describeImpossible(o.step, locale) : null,
  }));
  return {
    status: result.status,
    steps,
    hasDestructive: steps.some((s) => s.destructive),
    isBlocked: steps.some((s) => s.status === 'impossible'),
    version: result.version ?? 0,
    reviewed,
  };
}

/** An API refusal as something the page can show; anything else is a bug and is rethrown. */
function refusal(e: unknown, locale: Locale, draft: EntityDraft | null = null): Partial<EditorResult> {
  const detail = peyvandDetail(e);
  if (!detail) throw e;
  const code = detail.peyvandCode;
  const issues = detail.issues ?? [];
  switch (code) {
    case 'invalid':
      return { serverIssues: issues.map((i) => ({ pointer: i.path, message: i.message })), error: { key: 'designer.error.invalid', params: {} } };
    case 'exists':
      return { error: { key: 'designer.error.exists', params: { name: isolate(draft?.name ?? '') } } };
    case 'not-found':
      return { error: { key: 'designer.error.notFound', params: { name: isolate(draft?.originalName ?? '') } } };
    case 'in-use':
      return { error: { key: 'designer.error.inUse', params: { fields: issues.map((i) => isolate(i.field ?? '')).join(locale === 'en' ? ', ' : '، ') } } };
    case 'conflict':
      return { error: { key: 'designer.error.conflict', params: {} } };
    case 'forbidden':
    case 'unauthenticated':
    case 'password-change-required':
      return error(403, t(locale, 'designer.forbidden'));
    default:
      throw e;
  }
}
