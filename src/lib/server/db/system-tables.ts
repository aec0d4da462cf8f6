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
  /** IANA zone for date triggers that use the owner's zone; null: the deployment's default. */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** What the token may be used for (see TOKEN_SCOPES); null: everything. */
  scopes: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
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

type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type RunStatus = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'dead';

export interface WorkflowRunsTable {
  id: string;
  workflow: string;
  event_key: string;
  trigger: string;
  entity: string | null;
  record_id: string | null;
  actor_id: string | null;
  depth: ColumnType<number, number | undefined, number>;
  input: Json;
  status: RunStatus;
  pc: ColumnType<number, number | undefined, number>;
  attempt: ColumnType<number, number | undefined, number>;
  resume_at: NullableTime;
  lease_until: NullableTime;
  enqueued_at: NullableTime;
  error: string | null;
  created_at: Timestamp;
  started_at: NullableTime;
  finished_at: NullableTime;
}

export type StepStatus = 'ok' | 'error' | 'skipped' | 'waiting';

export interface WorkflowStepsTable {
  id: Generated<string>;
  run_id: string;
  step_id: string;
  action: string;
  attempt: number;
  status: StepStatus;
  input: ColumnType<unknown, string | null, string | null>;
  output: ColumnType<unknown, string | null, string | null>;
  error: string | null;
  started_at: Timestamp;
  finished_at: Timestamp;
}

export interface EffectLedgerTable {
  key: string;
  run_id: string;
  step_id: string;
  state: 'claimed' | 'done';
  sends: ColumnType<number, number | undefined, number>;
  output: ColumnType<unknown, string | null | undefined, string | null>;
  claimed_at: Timestamp;
  done_at: NullableTime;
}

export interface TasksTable {
  id: string;
  title: string;
  notes: string | null;
  assignee_id: string | null;
  due_at: NullableTime;
  entity: string | null;
  record_id: string | null;
  workflow: string | null;
  run_id: string | null;
  created_at: Timestamp;
  done_at: NullableTime;
  done_by: string | null;
}

export interface RoundRobinTable {
  workflow: string;
  step_id: string;
  position: number;
}

export interface WorkflowSecretsTable {
  workflow: string;
  secret: string;
  created_at: Timestamp;
}

export interface TeamsTable {
  id: string;
  name: string;
  parent_id: string | null;
  created_at: Timestamp;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  granted_by: string | null;
  granted_at: Timestamp;
}

export interface RecordSharesTable {
  id: string;
  entity: string;
  record_id: string;
  user_id: string | null;
  team_id: string | null;
  access: 'read' | 'edit';
  created_by: string | null;
  created_at: Timestamp;
}

export interface SignInFailuresTable {
  key: string;
  at: Timestamp;
}

export interface WorkflowIdentitiesTable {
  workflow: string;
  user_id: string;
  granted_by: string | null;
  granted_at: Timestamp;
}

export type ConfigLogKind = 'pack' | 'model' | 'workflow' | 'role' | 'team' | 'user' | 'share' | 'privacy' | 'auth';

export interface ConfigLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  kind: ConfigLogKind;
  /** What changed: a pack, entity, workflow, role or team name, a user's email, `<entity>/<id>` … */
  subject: string;
  action: string;
  detail: Json;
}

export interface AuthStateTable {
  id: boolean;
  epoch: ColumnType<string, string | number | undefined, string | number>;
}

export interface SystemTables {
  'peyvand.auth_state': AuthStateTable;
  'peyvand.teams': TeamsTable;
  'peyvand.team_members': TeamMembersTable;
  'peyvand.user_roles': UserRolesTable;
  'peyvand.record_shares': RecordSharesTable;
  'peyvand.sign_in_failures': SignInFailuresTable;
  'peyvand.workflow_identities': WorkflowIdentitiesTable;
  'peyvand.config_log': ConfigLogTable;
  'peyvand.workflow_runs': WorkflowRunsTable;
  'peyvand.workflow_steps': WorkflowStepsTable;
  'peyvand.effect_ledger': EffectLedgerTable;
  'peyvand.tasks': TasksTable;
  'peyvand.round_robin': RoundRobinTable;
  'peyvand.workflow_secrets': WorkflowSecretsTable;
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
