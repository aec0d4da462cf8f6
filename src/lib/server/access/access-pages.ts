/**
 * Loads and form actions of the access pages: `/admin/access` (roles and who holds them),
 * `/admin/access/roles/[name]` (the role editor), `/admin/access/teams`, `/admin/access/users`
 * and a record's `/e/[entity]/[id]/access` (owner and shares). Everything works without
 * JavaScript (plain form posts) and goes through `runtime.caller(user).access.*`, the same checks
 * as the HTTP API.
 */
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { RECORD_SCOPES, type EntityRightsDefinition, type FieldAccess, type RecordScope, type RoleDefinition } from '../../access/role-model.ts';
import { t, type Locale } from '../../i18n/index.ts';
import type { EntityModel, LocalizedText } from '../../model/types.ts';
import type { AuthUser } from '../auth/permissions.ts';
import { entityFromUrl, titleOf } from '../records/page-support.ts';
import type { RoleSummary } from './role-service.ts';
import type { ManagedUser } from './user-admin-service.ts';
import type { TeamSummary } from './team-service.ts';
import type { ShareSummary } from './share-service.ts';

type PageEvent = Pick<RequestEvent, 'locals' | 'url'>;
type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request' | 'params'>;

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Administrators (by flag or by a role that administers); others get a 403 page. */
export function requireAccessAdmin(locals: App.Locals, url: URL): AuthUser {
  if (!locals.user) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  if (locals.user.mustChangePassword) redirect(303, '/account/password');
  if (!locals.user.isAdmin && locals.access?.isAdmin !== true) error(403, t(locals.locale, 'access.forbidden'));
  return locals.user;
}

function signedIn(locals: App.Locals, url: URL): AuthUser {
  if (!locals.user) redirect(303, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  if (locals.user.mustChangePassword) redirect(303, '/account/password');
  return locals.user;
}

/** The API's sentence for a refused call; anything else is a bug and propagates. */
function refusal(e: unknown): { status: 400 | 403 | 404 | 409; message: string } {
  if (!(e instanceof TRPCError)) throw e;
  const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'FORBIDDEN' ? 403 : e.code === 'CONFLICT' ? 409 : 400;
  const issues = (e as TRPCError & { detail?: { issues?: readonly { path: string; message: string }[] } }).detail?.issues ?? [];
  return { status, message: [e.message, ...issues.slice(1).map((i) => `${i.path}: ${i.message}`)].join(' · ') };
}

function text(form: FormData, key: string): string {
  const v = form.get(key);
  return typeof v === 'string' ? v.trim() : '';
}

// ---- roles -----------------------------------------------------------------------------------

export interface RolesPageData {
  readonly locale: Locale;
  readonly roles: readonly RoleSummary[];
  readonly unknown: readonly { readonly role: string; readonly holders: readonly { readonly email: string }[] }[];
  readonly removed: string | null;
}

export async function loadRolesPage(event: PageEvent): Promise<RolesPageData> {
  const user = requireAccessAdmin(event.locals, event.url);
  const listed = await event.locals.runtime.caller(user).access.roles.list();
  const removed = event.url.searchParams.get('removed');
  return { locale: event.locals.locale, roles: listed.roles, unknown: listed.unknown, removed: removed && NAME.test(removed) ? removed : null };
}

export const rolesActions = {
  /** A new role, with no rights yet: the editor opens on it. */
  create: async (event: ActionEvent) => {
    const user = requireAccessAdmin(event.locals, event.url);
    const form = await event.request.formData();
    const name = text(form, 'name');
    const title = text(form, 'title') || name;
    try {
      await event.locals.runtime.caller(user).access.roles.save({ document: { name, title, entities: {} } });
    } catch (e) {
      const r = refusal(e);
      return fail(r.status, { createError: r.message, name, title });
    }
    redirect(303, `/admin/access/roles/${name}?saved=1`);
  },
};

export interface RoleEditorEntity {
  readonly name: string;
  readonly label: LocalizedText;
  readonly fields: readonly { readonly name: string; readonly label: LocalizedText }[];
}

export interface RoleEditorData {
  readonly locale: Locale;
  readonly name: string;
  readonly pack: string | null;
  readonly document: RoleDefinition;
  readonly holders: readonly { readonly id: string; readonly email: string; readonly name: string }[];
  readonly entities: readonly RoleEditorEntity[];
  readonly scopes: readonly RecordScope[];
  readonly saved: boolean;
}

export async function loadRoleEditor(event: PageEvent & { params: { name?: string } }): Promise<RoleEditorData> {
  const user = requireAccessAdmin(event.locals, event.url);
  const name = event.params.name ?? '';
  let got;
  try {
    got = await event.locals.runtime.caller(user).access.roles.get({ name });
  } catch (e) {
    if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) error(404, t(event.locals.locale, 'access.role.notFound', { name }));
    throw e;
  }
  const model = event.locals.runtime.current().model;
  return {
    locale: event.locals.locale,
    name: got.name,
    pack: got.pack,
    document: got.document,
    holders: got.holders,
    entities: model.entities.map((e) => ({ name: e.name, label: e.label, fields: e.fields.map((f) => ({ name: f.name, label: f.label })) })),
    scopes: RECORD_SCOPES,
    saved: event.url.searchParams.get('saved') === '1',
  };
}

function scopeOf(form: FormData, key: string): RecordScope | undefined {
  const v = text(form, key);
  return (RECORD_SCOPES as readonly string[]).includes(v) && v !== 'none' ? (v as RecordScope) : undefined;
}

/** The editor's form → a role document (defaults left out, like a file a person writes). */
export function roleFromForm(form: FormData, name: string, entities: readonly EntityModel[]): RoleDefinition {
  const rights: Record<string, EntityRightsDefinition> = {};
  for (const entity of ['*', ...entities.map((e) => e.name)]) {
    const fields: Record<string, FieldAccess> = {};
    const model = entities.find((e) => e.name === entity);
    for (const field of model?.fields ?? []) {
      const v = text(form, `field:${entity}:${field.name}`);
      if (v === 'hidden' || v === 'read') fields[field.name] = v;
    }
    const read = scopeOf(form, `read:${entity}`);
    const update = scopeOf(form, `update:${entity}`);
    const del = scopeOf(form, `delete:${entity}`);
    const entry: EntityRightsDefinition = {
      ...(form.get(`create:${entity}`) === 'on' ? { create: true } : {}),
      ...(read ? { read } : {}),
      ...(update ? { update } : {}),
      ...(del ? { delete: del } : {}),
      ...(form.get(`export:${entity}`) === 'on' ? { export: true } : {}),
      ...(form.get(`import:${entity}`) === 'on' ? { import: true } : {}),
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
    };
    // An entity with nothing granted but named explicitly overrides "*": keep it when "*" grants something.
    const isEmpty = Object.keys(entry).length === 0;
    if (!isEmpty || (entity !== '*' && form.get(`named:${entity}`) === 'on')) rights[entity] = entry;
  }
  const labels: Record<string, string> = {};
  for (const locale of ['fa', 'ar'] as const) {
    const v = text(form, `title_${locale}`);
    if (v) labels[locale] = v;
  }
  const description = text(form, 'description');
  return {
    name,
    title: text(form, 'title') || name,
    ...(Object.keys(labels).length > 0 ? { 'x-labels': labels } : {}),
    ...(description ? { description } : {}),
    ...(form.get('administer') === 'on' ? { administer: true } : {}),
    entities: rights,
  };
}

export const roleEditorActions = {
  save: async (event: ActionEvent) => {
    const user = requireAccessAdmin(event.locals, event.url);
    const name = event.params.name ?? '';
    const form = await event.request.formData();
    const document = roleFromForm(form, name, event.locals.runtime.current().model.entities);
    try {
      await event.locals.runtime.caller(user).access.roles.save({ document, previousName: name });
    } catch (e) {
      const r = refusal(e);
      return fail(r.status, { saveError: r.message, document });
    }
    redirect(303, `/admin/access/roles/${name}?saved=1`);
  },
  remove: async (event: ActionEvent) => {
    const user = requireAccessAdmin(event.locals, event.url);
    const name = event.params.name ?? '';
    try {
      await event.locals.runtime.caller(user).access.roles.remove({ name });
    } catch (e) {
      const r = refusal(e);
      return fail(r.status, { removeError: r.message });
    }
    redirect(303, `/admin/access?removed=${name}`);
  },
};

// ---- teams -----------------------------------------------------------------------------------

export interface TeamNode extends TeamSummary {
  readonly depth: number;
}

export interface TeamsPageData {
  readonly locale: Locale;
  /** Depth-first, children after their parent, each level by name. */
  readonly teams: readonly TeamNode[];
  readonly users: readonly { readonly id: string; readonly email: string; readonly name: string }[];
}

export function teamTree(teams: readonly TeamSummary[]): TeamNode[] {
  const out: TeamNode[] = [];
  const ids = new Set(teams.map((t) => t.id));
  const visit = (parentId: string | null, depth: number) => {
    for (const team of teams.filter((t) => (t.parentId !== null && ids.has(t.parentId) ? t.parentId : null) === parentId).sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.some((o) => o.id === team.id)) continue;
      out.push({ ...team, depth });
      visit(team.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

export async function loadTeamsPage(event: PageEvent): Promise<TeamsPageData> {
  const user = requireAccessAdmin(event.locals, event.url);
  const caller = event.locals.runtime.caller(user).access;
  const [teams, users] = await Promise.all([caller.teams.list(), caller.users.list()]);
  return { locale: event.locals.locale, teams: teamTree(teams), users: users.filter((u) => !u.disabled).map((u) => ({ id: u.id, email: u.email, name: u.name })) };
}

async function teamCall(event: ActionEvent, run: (caller: ReturnType<App.Locals['runtime']['caller']>['access'], form: FormData) => Promise<unknown>) {
  const user = requireAccessAdmin(event.locals, event.url);
  const form = await event.request.formData();
  try {
    await run(event.locals.runtime.caller(user).access, form);
  } catch (e) {
    const r = refusal(e);
    return fail(r.status, { error: r.message });
  }
  return { done: true };
}

export const teamsActions = {
  create: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.save({ name: text(f, 'name'), parentId: text(f, 'parentId') || null })),
  rename: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.save({ id: text(f, 'id'), name: text(f, 'name') })),
  move: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.save({ id: text(f, 'id'), parentId: text(f, 'parentId') || null })),
  remove: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.remove({ id: text(f, 'id') })),
  addMember: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.addMember({ teamId: text(f, 'teamId'), userId: text(f, 'userId') })),
  removeMember: (event: ActionEvent) => teamCall(event, (c, f) => c.teams.removeMember({ teamId: text(f, 'teamId'), userId: text(f, 'userId') })),
};

// ---- users -----------------------------------------------------------------------------------

export interface UsersPageData {
  readonly locale: Locale;
  readonly users: readonly ManagedUser[];
  readonly roles: readonly { readonly name: string; readonly title: LocalizedText }[];
  readonly teams: readonly TeamNode[];
  readonly me: string;
}

export async function loadUsersPage(event: PageEvent): Promise<UsersPageData> {
  const user = requireAccessAdmin(event.locals, event.url);
  const caller = event.locals.runtime.caller(user).access;
  const [users, roles, teams] = await Promise.all([caller.users.list(), caller.roles.list(), caller.teams.list()]);
  return { locale: event.locals.locale, users, roles: roles.roles.map((r) => ({ name: r.name, title: r.title })), teams: teamTree(teams), me: user.id };
}

function all(form: FormData, key: string): string[] {
  return form.getAll(key).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export const usersActions = {
  /** The password is in this one answer only: shown once, never stored in clear. */
  create: async (event: ActionEvent) => {
    const user = requireAccessAdmin(event.locals, event.url);
    const form = await event.request.formData();
    const email = text(form, 'email');
    const name = text(form, 'name');
    try {
      const created = await event.locals.runtime.caller(user).access.users.create({ email, name, roles: all(form, 'roles'), teams: all(form, 'teams') });
      return { created: { email: created.email, password: created.password } };
    } catch (e) {
      const r = refusal(e);
      return fail(r.status, { createError: r.message, email, name });
    }
  },
  access: (event: ActionEvent) =>
    teamCall(event, async (c, f) => {
      const userId = text(f, 'userId');
      await c.users.setRoles({ userId, roles: all(f, 'roles') });
      await c.users.setTeams({ userId, teams: all(f, 'teams') });
    }),
  disable: (event: ActionEvent) => teamCall(event, (c, f) => c.users.disable({ userId: text(f, 'userId') })),
  enable: (event: ActionEvent) => teamCall(event, (c, f) => c.users.enable({ userId: text(f, 'userId') })),
};

// ---- one record --------------------------------------------------------------------------------

export interface RecordAccessData {
  readonly locale: Locale;
  readonly entity: { readonly name: string; readonly label: LocalizedText };
  readonly id: string;
  readonly title: string;
  readonly owner: { readonly id: string; readonly email: string; readonly name: string } | null;
  readonly shares: readonly ShareSummary[];
  /** Active users and teams the record can be given or shared to (administrators' lists; others: none but themselves). */
  readonly users: readonly { readonly id: string; readonly email: string; readonly name: string }[];
  readonly teams: readonly { readonly id: string; readonly name: string }[];
}

export async function loadRecordAccess(event: PageEvent & { params: { entity?: string; id?: string } }): Promise<RecordAccessData> {
  const user = signedIn(event.locals, event.url);
  const model = event.locals.runtime.current().model;
  const entity = entityFromUrl(model, event.params.entity ?? '');
  const id = event.params.id ?? '';
  const caller = event.locals.runtime.caller(user);
  let shares;
  try {
    shares = await caller.access.shares.list({ entity: entity.name, id });
  } catch (e) {
    if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) error(404, t(event.locals.locale, 'access.record.notFound'));
    if (e instanceof TRPCError && e.code === 'FORBIDDEN') error(403, e.message);
    throw e;
  }
  const db = event.locals.runtime.database.db;
  const entities = caller.entities as unknown as Record<string, { get(input: { id: string }): Promise<Readonly<Record<string, unknown>>> }>;
  const record = await entities[entity.name]?.get({ id });
  const ownerId = typeof record?.owner === 'string' ? record.owner : null;
  // Who can be chosen: every active user and team (names and emails only, as in a mention box).
  const users = await db.selectFrom('peyvand.users').select(['id', 'email', 'name']).where('disabled_at', 'is', null).orderBy('email').execute();
  const teams = await db.selectFrom('peyvand.teams').select(['id', 'name']).orderBy('name').execute();
  return {
    locale: event.locals.locale,
    entity: { name: entity.name, label: entity.label },
    id,
    title: record ? titleOf(entity, record as never) : id,
    owner: users.find((u) => u.id === ownerId) ?? null,
    shares,
    users,
    teams,
  };
}

async function recordCall(event: ActionEvent, run: (caller: ReturnType<App.Locals['runtime']['caller']>['access'], form: FormData, target: { entity: string; id: string }) => Promise<unknown>, done: string) {
  const user = signedIn(event.locals, event.url);
  const form = await event.request.formData();
  const entity = event.params.entity ?? '';
  const id = event.params.id ?? '';
  try {
    await run(event.locals.runtime.caller(user).access, form, { entity, id });
  } catch (e) {
    const r = refusal(e);
    return fail(r.status, { error: r.message });
  }
  return { done };
}

export const recordAccessActions = {
  owner: (event: ActionEvent) => recordCall(event, (c, f, target) => c.owner.reassign({ ...target, owner: text(f, 'owner') || null }), 'owner'),
  share: (event: ActionEvent) =>
    recordCall(
      event,
      (c, f, target) => {
        const [kind, granteeId] = text(f, 'grantee').split(':');
        return c.shares.add({ ...target, grantee: { kind: kind === 'team' ? 'team' : 'user', id: granteeId ?? '' }, access: text(f, 'access') === 'edit' ? 'edit' : 'read' });
      },
      'shared',
    ),
  unshare: (event: ActionEvent) => recordCall(event, (c, f, target) => c.shares.remove({ ...target, shareId: text(f, 'shareId') }), 'unshared'),
};
