/** Kysely types of the platform's own tables (schema `peyvand`, created by migrations/). */
import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_admin: boolean;
  must_change_password: boolean;
  created_at: Timestamp;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  kind: 'api' | 'session';
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  token_hash: string;
  created_at: Timestamp;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ModelVersionsTable {
  version: Generated<number>;
  hash: string;
  model: Json;
  plan: Json;
  source: string;
  applied_by: string | null;
  applied_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  entity: string;
  record_id: string;
  action: 'create' | 'update' | 'delete';
  changes: Json;
}

export interface OutboxTable {
  id: Generated<string>;
  at: Timestamp;
  topic: string;
  entity: string;
  record_id: string;
  actor_id: string | null;
  payload: Json;
  dispatched_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SavedViewsTable {
  id: string;
  entity: string;
  owner_id: string;
  name: string;
  /** The list's URL query (filters, sort, columns, search), without a cursor. */
  query: string;
  shared: boolean;
  created_at: Timestamp;
}

export interface SystemTables {
  'peyvand.saved_views': SavedViewsTable;
  'peyvand.users': UsersTable;
  'peyvand.api_tokens': ApiTokensTable;
  'peyvand.model_versions': ModelVersionsTable;
  'peyvand.audit_log': AuditLogTable;
  'peyvand.outbox': OutboxTable;
}

export type UserRow = Selectable<UsersTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type OutboxRow = Selectable<OutboxTable>;
