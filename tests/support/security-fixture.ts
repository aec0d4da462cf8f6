/**
 * The access-control fixture of the security suite: b2b-sales, a team tree (Sales → Tehran, Dubai),
 * users of each kind, roles with record scopes and hidden / read-only fields, and records owned by
 * different users. Every record carries a marker value only in its hidden fields, so a leak is a
 * plain substring search.
 *
 *   const f = await buildAccessFixture(runtime);
 *   runtime.caller(f.users.repA).entities.deal.list({});   // only f.deals.repA
 */
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import type { RoleModel } from '../../src/lib/access/role-model.ts';
import { findEntity, type EntityModel, type JsonValue } from '../../src/lib/model/types.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import { notifyAuthChange } from '../../src/lib/server/auth/tokens.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createRecord } from '../../src/lib/server/records/record-service.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import { MemoryMailer, type OutgoingEmail, type SendReceipt } from '../../src/lib/server/rules/outbound/mailer.ts';
import { grantRoles, role } from './access.ts';
import { must } from './runtime.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

/** Marker values that exist only in fields hidden from reps (deal) or from support (contact). */
export const SECRETS = {
  lostReason: 'Zorblax-undercut-quote',
  closeValue: '987654.32',
  contactEmail: 'quixotic.hidden@dubai.example',
  contactPhone: '+971501234567',
} as const;

export const ROLES = {
  salesManager: role({
    name: 'sales_manager',
    title: 'Sales manager',
    entities: {
      deal: { create: true, read: 'team', update: 'team', delete: 'team', export: true, import: true },
      company: { create: true, read: 'team', update: 'team', delete: 'team', export: true, import: true },
      contact: { create: true, read: 'team', update: 'team', delete: 'team', export: true, import: true },
      product: { read: 'all' },
      sales_agent: { read: 'all' },
    },
  }),
  salesRep: role({
    name: 'sales_rep',
    title: 'Sales rep',
    entities: {
      // A money amount, a text and a relation hidden; probability and the import key read-only.
      deal: {
        create: true,
        read: 'own',
        update: 'own',
        fields: { close_value: 'hidden', lost_reason: 'hidden', sales_agent_id: 'hidden', probability: 'read', opportunity_id: 'read' },
      },
      contact: { create: true, read: 'team', update: 'own', delete: 'own' },
      company: { create: true, read: 'team', update: 'own' },
      product: { read: 'all' },
      sales_agent: { read: 'all' },
    },
  }),
  /** Contacts of everyone, but not how to reach them; no deals at all. */
  support: role({
    name: 'support',
    title: 'Support',
    entities: {
      contact: { read: 'all', export: true, fields: { email: 'hidden', phone: 'hidden' } },
      company: { read: 'all' },
    },
  }),
  /** Imports contacts and deals, reading every contact but not how to reach them. */
  blindImporter: role({
    name: 'blind_importer',
    title: 'Blind importer',
    entities: {
      contact: { create: true, read: 'all', import: true, fields: { email: 'hidden', phone: 'hidden' } },
      deal: { create: true, read: 'all', import: true },
      company: { read: 'all' },
    },
  }),
  /** Added to a rep to let them import contacts (same scopes as the rep). */
  contactImporter: role({
    name: 'contact_importer',
    title: 'Contact importer',
    entities: { contact: { create: true, read: 'team', update: 'own', import: true } },
  }),
} satisfies Record<string, RoleModel>;

export interface AccessFixture {
  readonly users: {
    readonly admin: AuthUser;
    readonly manager: AuthUser;
    readonly repA: AuthUser;
    readonly repA2: AuthUser;
    readonly repB: AuthUser;
    readonly support: AuthUser;
  };
  readonly teams: { readonly sales: string; readonly tehran: string; readonly dubai: string };
  readonly entities: { readonly deal: EntityModel; readonly contact: EntityModel; readonly company: EntityModel };
  readonly companies: { readonly repA: string; readonly repA2: string; readonly repB: string };
  readonly contacts: { readonly repA: string; readonly repA2: string; readonly repB: string };
  readonly deals: { readonly repA: string; readonly repA2: string; readonly repB: string; readonly manager: string };
  readonly salesAgent: string;
}

export const PASSWORD = 'correct horse battery staple';

export async function makeAuthUser(runtime: Runtime, email: string, isAdmin = false): Promise<AuthUser> {
  const created = await createUser(runtime.database.db, { email, name: email.split('@')[0] ?? email, password: PASSWORD, isAdmin });
  if (!created.ok) throw new Error(created.error.message);
  const u = created.user;
  return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, mustChangePassword: u.mustChangePassword };
}

async function team(runtime: Runtime, name: string, parentId: string | null): Promise<string> {
  const id = uuidv7();
  await runtime.database.db.insertInto('peyvand.teams').values({ id, name, parent_id: parentId }).execute();
  return id;
}

async function join(runtime: Runtime, teamId: string, userId: string): Promise<void> {
  await runtime.database.db.insertInto('peyvand.team_members').values({ team_id: teamId, user_id: userId }).execute();
}

/** A record created by the platform on behalf of `owner` (who becomes its owner). */
export async function recordOf(runtime: Runtime, entity: EntityModel, owner: string | null, values: Record<string, JsonValue>): Promise<string> {
  return String(must(await createRecord({ db: runtime.database.db, actorId: owner, access: SYSTEM_ACCESS }, entity, values)).id);
}

export async function buildAccessFixture(runtime: Runtime): Promise<AccessFixture> {
  const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
  if (!applied.ok || applied.result.status !== 'applied') throw new Error('b2b-sales did not apply');
  const { model } = await runtime.refresh();
  const deal = findEntity(model, 'deal');
  const contact = findEntity(model, 'contact');
  const company = findEntity(model, 'company');
  const agent = findEntity(model, 'sales_agent');
  if (!deal || !contact || !company || !agent) throw new Error('b2b-sales entities missing');

  const admin = await makeAuthUser(runtime, 'admin@peyvand.test', true);
  const manager = await makeAuthUser(runtime, 'manager@peyvand.test');
  const repA = await makeAuthUser(runtime, 'repa@peyvand.test');
  const repA2 = await makeAuthUser(runtime, 'repa2@peyvand.test');
  const repB = await makeAuthUser(runtime, 'repb@peyvand.test');
  const support = await makeAuthUser(runtime, 'support@peyvand.test');

  const sales = await team(runtime, 'Sales', null);
  const tehran = await team(runtime, 'Tehran', sales);
  const dubai = await team(runtime, 'Dubai', sales);
  await join(runtime, sales, manager.id);
  await join(runtime, tehran, repA.id);
  await join(runtime, tehran, repA2.id);
  await join(runtime, dubai, repB.id);

  await grantRoles(runtime.database, [manager.id], [ROLES.salesManager]);
  await grantRoles(runtime.database, [repA.id, repA2.id, repB.id], [ROLES.salesRep]);
  await grantRoles(runtime.database, [support.id], [ROLES.support]);
  await grantRoles(runtime.database, [], [ROLES.contactImporter, ROLES.blindImporter]);
  await notifyAuthChange(runtime.database.db);
  await runtime.refresh();
  runtime.forgetAuthentications();

  const salesAgent = await recordOf(runtime, agent, null, { full_name: 'Hidden Agent Quennell' });
  const companies = {
    repA: await recordOf(runtime, company, repA.id, { name: 'Tehran Tiles' }),
    repA2: await recordOf(runtime, company, repA2.id, { name: 'Isfahan Carpets' }),
    repB: await recordOf(runtime, company, repB.id, { name: 'Dubai Dates Trading' }),
  };
  const contacts = {
    repA: await recordOf(runtime, contact, repA.id, { full_name: 'Arash Tehrani', email: 'arash@tehran.example', phone: '+989121234567' }),
    repA2: await recordOf(runtime, contact, repA2.id, { full_name: 'Bahar Karimi', email: 'bahar@tehran.example' }),
    repB: await recordOf(runtime, contact, repB.id, { full_name: 'Omar Haddad', email: SECRETS.contactEmail, phone: SECRETS.contactPhone, company_id: companies.repB }),
  };
  const deals = {
    // repA's deal names repB's contact: a relation to a record repA may not read.
    repA: await recordOf(runtime, deal, repA.id, {
      title: 'Tiles for Tehran metro',
      company_id: companies.repA,
      contact_id: contacts.repB,
      stage: 'lost',
      probability: '40',
      close_value: { amount: SECRETS.closeValue, currency: 'USD' },
      lost_reason: SECRETS.lostReason,
      sales_agent_id: salesAgent,
      opportunity_id: 'OPP-A-1',
    }),
    repA2: await recordOf(runtime, deal, repA2.id, { title: 'Carpets for Kish hotel', company_id: companies.repA2, stage: 'proposal' }),
    repB: await recordOf(runtime, deal, repB.id, { title: 'Dates for Dubai mall', company_id: companies.repB, stage: 'negotiation' }),
    manager: await recordOf(runtime, deal, manager.id, { title: 'Regional framework deal', company_id: companies.repA, stage: 'qualification' }),
  };
  return { users: { admin, manager, repA, repA2, repB, support }, teams: { sales, tehran, dubai }, entities: { deal, contact, company }, companies, contacts, deals, salesAgent };
}

/** A MemoryMailer that can run a hook (awaited) before it keeps a message. */
export class HookMailer extends MemoryMailer {
  beforeSend: ((email: OutgoingEmail) => Promise<void>) | null = null;

  override async send(email: OutgoingEmail): Promise<SendReceipt> {
    const hook = this.beforeSend;
    if (hook) await hook(email);
    return super.send(email);
  }
}
