/**
 * Load and form actions of `/admin/packs`: the installed packs, and a bundle uploaded → reviewed
 * (plan, readable diff, conflicts with a choice each, destructive steps with their rows) →
 * applied. It works without JavaScript: the reviewed bundle travels in a hidden input with the
 * choices and the model version it was reviewed against; nothing is kept on the server between
 * posts. Every sentence is made here in the user's language.
 */
import { error, fail, redirect, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { describeImpossible, describeStep, formatCount, isolate } from '../../designer/describe-step.ts';
import type { ReviewStepView } from '../../designer/editor-view.ts';
import { localized, t, type Locale } from '../../i18n/index.ts';
import type { PackIssue } from '../../model/load-pack.ts';
import type { JsonValue, LocalizedText } from '../../model/types.ts';
import type { ConflictKind, Side } from '../../packs/merge-documents.ts';
import type { EntityChange, FieldChange } from '../../packs/model-diff.ts';
import { MAX_BUNDLE_BYTES, packBundleText, readPackBundle } from '../../packs/pack-bundle.ts';
import { requireAdmin } from '../designer/entity-page.ts';
import { exportInstalledPack, installPackFiles, listPacks, type PackInstallOptions, type PackReport } from './pack-service.ts';

export interface InstalledPackView {
  readonly name: string;
  readonly version: string;
  readonly title: LocalizedText;
  readonly contents: string;
  /** When and by whom, in the user's language; null when the install was not recorded. */
  readonly installed: string | null;
}

export interface PacksPageData {
  readonly locale: Locale;
  readonly packs: readonly InstalledPackView[];
  /** "b2b-sales 1.1.0 is installed (model version 4)" after an apply. */
  readonly applied: string | null;
}

export interface ChangeLine {
  readonly text: string;
  readonly details: readonly string[];
}

export interface ConflictView {
  readonly id: string;
  readonly kind: string;
  /** JSON text of each side, or "(absent)". */
  readonly base: string;
  readonly mine: string;
  readonly pack: string;
  readonly choice: Side | null;
}

export interface PackReviewView {
  readonly title: string;
  readonly change: string;
  readonly isUnchanged: boolean;
  readonly refusals: readonly string[];
  readonly changes: readonly ChangeLine[];
  readonly conflicts: readonly ConflictView[];
  readonly steps: readonly ReviewStepView[];
  readonly hasDestructive: boolean;
  readonly isDowngrade: boolean;
  readonly isBlocked: boolean;
  /** The bundle reviewed, posted back with the choices. */
  readonly bundle: string;
  /** The model version the review was made against. */
  readonly planVersion: number;
}

export interface PacksActionData {
  readonly review: PackReviewView | null;
  readonly problems: readonly string[];
}

export async function loadPacksPage(event: Pick<RequestEvent, 'locals' | 'url'>): Promise<PacksPageData> {
  const { locals, url } = event;
  requireAdmin(locals, url);
  const locale = locals.locale;
  const packs = await listPacks(locals.runtime.database);
  const applied = url.searchParams.get('applied');
  const [name, version, model] = (applied ?? '').split('@');
  const isApplied = applied !== null && /^[a-z][a-z0-9-]{0,62}$/.test(name ?? '') && /^[0-9A-Za-z.+-]{1,64}$/.test(version ?? '') && /^\d{1,12}$/.test(model ?? '');
  return {
    locale,
    packs: packs.map((p) => ({
      name: p.name,
      version: p.version,
      title: p.title,
      contents: t(locale, 'packs.contents', { entities: formatCount(p.entities, locale), workflows: formatCount(p.workflows, locale) }),
      installed: p.installed
        ? p.installed.appliedByName
          ? t(locale, 'packs.installedAt', { when: formatWhen(p.installed.appliedAt, locale, locals.timeZone), who: isolate(p.installed.appliedByName) })
          : t(locale, 'packs.installedAtCli', { when: formatWhen(p.installed.appliedAt, locale, locals.timeZone) })
        : null,
    })),
    applied: isApplied ? t(locale, 'packs.applied', { pack: isolate(name ?? ''), version: isolate(version ?? ''), model: formatCount(Number(model), locale) }) : null,
  };
}

type Outcome = PacksActionData | ActionFailure<PacksActionData>;
type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request'>;

export const packsActions = {
  /** A bundle uploaded (or posted back with choices) → its plan; nothing changes. */
  plan: async (event: ActionEvent): Promise<Outcome> => {
    const { form, bundle, problem, options, locale } = await read(event);
    if (bundle === null) return fail(400, { review: null, problems: [problem] });
    const report = await run(event, bundle, { ...options(form), dryRun: true });
    return report.ok ? { review: reviewView(report.value, locale, bundle), problems: [] } : fail(400, { review: null, problems: report.problems });
  },

  /** Applies the reviewed bundle with the choices made; refusals come back as the review. */
  apply: async (event: ActionEvent): Promise<Outcome> => {
    const { form, bundle, problem, options, locale } = await read(event);
    if (bundle === null) return fail(400, { review: null, problems: [problem] });
    const version = Number(form.get('planVersion'));
    const report = await run(event, bundle, {
      ...options(form),
      allowDestructive: form.get('allowDestructive') !== null,
      allowDowngrade: form.get('allowDowngrade') !== null,
      ...(Number.isSafeInteger(version) ? { expectedModelVersion: version } : {}),
    });
    if (!report.ok) return fail(400, { review: null, problems: report.problems });
    const done = report.value;
    if ((done.status === 'applied' || done.status === 'unchanged') && done.pack) {
      await event.locals.runtime.refresh();
      redirect(303, `/admin/packs?applied=${encodeURIComponent(`${done.pack.name}@${done.pack.version}@${done.version ?? 0}`)}`);
    }
    return fail(400, { review: reviewView(done, locale, bundle), problems: [] });
  },
};

/** `GET /admin/packs/<name>/download`: the installed pack as a bundle file. */
export async function downloadPack(event: Pick<RequestEvent, 'locals' | 'url' | 'params'>): Promise<Response> {
  requireAdmin(event.locals, event.url);
  const name = event.params.name ?? '';
  const files = /^[a-z][a-z0-9-]{0,62}$/.test(name) ? await exportInstalledPack(event.locals.runtime.database, name) : null;
  if (!files) error(404, t(event.locals.locale, 'packs.none'));
  const text = packBundleText(files);
  const version = (JSON.parse(files.find((f) => f.path === 'pack.json')?.text ?? '{}') as { version?: string }).version ?? '';
  return new Response(text, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name}-${version.replace(/[^0-9A-Za-z.+-]/g, '')}.json"`,
      'cache-control': 'no-store',
    },
  });
}

async function read(event: ActionEvent) {
  const user = requireAdmin(event.locals, event.url);
  const locale = event.locals.locale;
  const form = await event.request.formData();
  const upload = form.get('bundle');
  const carried = form.get('bundleText');
  let bundle: string | null = null;
  let problem = t(locale, 'packs.upload.missing');
  if (upload instanceof File && upload.size > MAX_BUNDLE_BYTES) problem = `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`;
  else if (upload instanceof File && upload.size > 0) bundle = await upload.text();
  else if (typeof carried === 'string' && carried.length > 0) bundle = carried;
  const options = (posted: FormData): PackInstallOptions => {
    const resolutions: Record<string, Side> = Object.create(null) as Record<string, Side>;
    for (const [key, value] of posted.entries()) {
      if (key.startsWith('resolve:') && (value === 'mine' || value === 'pack')) resolutions[key.slice('resolve:'.length)] = value;
    }
    return { actorId: user.id, resolutions };
  };
  return { locale, form, bundle, problem, options };
}

async function run(event: ActionEvent, bundle: string, options: PackInstallOptions): Promise<{ ok: true; value: PackReport } | { ok: false; problems: string[] }> {
  const read = readPackBundle(bundle);
  if (!read.ok) return { ok: false, problems: read.issues.map(issueText) };
  const report = await installPackFiles(event.locals.runtime.database, read.files, options);
  if (report.status === 'invalid') return { ok: false, problems: report.issues.map(issueText) };
  return { ok: true, value: report };
}

/** Loader and composer messages name files, pointers and keywords: they stay as written (English). */
function issueText(issue: PackIssue): string {
  return `${issue.file}${issue.pointer ? ` ${issue.pointer}` : ''}: ${issue.message}`;
}

export function reviewView(report: PackReport, locale: Locale, bundle: string): PackReviewView {
  const pack = report.pack;
  const from = isolate(report.installed?.version ?? '');
  const outcomes = report.schema?.outcomes ?? [];
  return {
    title: t(locale, 'packs.review.title', { pack: isolate(pack ? localized(pack.title, locale, pack.name) : ''), version: isolate(pack?.version ?? '') }),
    change: t(locale, `packs.change.${report.change ?? 'install'}`, { from }),
    isUnchanged: report.status === 'unchanged',
    refusals: report.refusals.map((r) => t(locale, `packs.refusal.${r}`)),
    changes: [
      ...report.diff.entities.map((e) => entityLine(e, locale)),
      ...report.diff.workflows.map((w) => ({ text: t(locale, `packs.workflow.${w.change}`, { name: isolate(localized(w.label, locale, w.name)) }), details: [] })),
      ...report.files.map((f) => ({ text: t(locale, `packs.file.${f.change}`, { path: isolate(f.path) }), details: [] })),
    ],
    conflicts: report.conflicts.map((c) => ({
      id: c.id,
      kind: t(locale, CONFLICT_KIND[c.kind]),
      base: shown(c.base, locale),
      mine: shown(c.mine, locale),
      pack: shown(c.pack, locale),
      choice: c.resolution,
    })),
    steps: outcomes
      .filter((o) => o.step.kind !== 'index.rename')
      .map((o) => ({
        text: describeStep(o.step, locale),
        destructive: o.step.destructive,
        affected: o.affectedRows === null ? null : t(locale, 'designer.review.rows', { count: formatCount(o.affectedRows, locale) }),
        status: o.status,
        problem: o.status === 'impossible' ? describeImpossible(o.step, locale) : null,
      })),
    hasDestructive: outcomes.some((o) => o.step.destructive),
    isDowngrade: report.change === 'downgrade',
    isBlocked: report.refusals.includes('impossible'),
    bundle,
    planVersion: report.version ?? 0,
  };
}

const CONFLICT_KIND = {
  edit: 'packs.conflict.kind.edit',
  remove: 'packs.conflict.kind.remove',
  order: 'packs.conflict.kind.order',
  rename: 'packs.conflict.kind.rename',
} as const satisfies Record<ConflictKind, string>;

function entityLine(entity: EntityChange, locale: Locale): ChangeLine {
  const name = isolate(localized(entity.label, locale, entity.name));
  const text = t(locale, `packs.entity.${entity.change}`, { name, from: isolate(entity.from ?? ''), count: formatCount(entity.fields.length, locale) });
  if (entity.change === 'added' || entity.change === 'removed') return { text, details: [] };
  return {
    text,
    details: [...(entity.keywords.length > 0 ? [t(locale, 'packs.entity.settings', { keywords: isolate(entity.keywords.join(', ')) })] : []), ...entity.fields.map((f) => fieldLine(f, locale))],
  };
}

function fieldLine(field: FieldChange, locale: Locale): string {
  const params = { name: isolate(field.name), from: isolate(field.from ?? field.previousType ?? ''), type: isolate(field.type), keywords: isolate(field.keywords.join(', ')) };
  if (field.change === 'changed' && field.previousType) return t(locale, 'packs.field.retyped', { ...params, from: isolate(field.previousType) });
  return t(locale, `packs.field.${field.change}`, params);
}

function shown(value: JsonValue | undefined, locale: Locale): string {
  return value === undefined ? t(locale, 'packs.conflict.absent') : JSON.stringify(value, null, 2);
}

const DATE_LOCALES: Readonly<Record<Locale, string>> = { en: 'en-GB', fa: 'fa-IR', ar: 'ar' };

function formatWhen(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(DATE_LOCALES[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}
