/**
 * What the workflow and run pages' loads and actions hand to the pages: plain, serialisable data,
 * with sentences already in the user's language (server messages stay in English: they name
 * fields and keywords). Browser-safe (types only).
 */
import type { CalendarName, Locale } from '../i18n/index.ts';
import type { FieldTypeName } from '../fields/names.ts';
import type { LocalizedText } from '../model/types.ts';
import type { WorkflowDraft } from '../rules/workflow-form.ts';

export type RunStatusName = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'dead';

/** A problem with the document, placed at the form slot its pointer names (see `slotOf`). */
export interface IssueView {
  readonly slot: string;
  readonly pointer: string;
  readonly message: string;
}

export interface EntityChoice {
  readonly name: string;
  readonly label: LocalizedText;
  readonly fields: readonly { readonly name: string; readonly label: LocalizedText; readonly type: FieldTypeName; readonly readOnly: boolean }[];
}

export interface WorkflowListRow {
  readonly name: string;
  readonly title: LocalizedText;
  readonly entity: { readonly name: string; readonly label: LocalizedText } | null;
  readonly trigger: string;
  readonly enabled: boolean;
  readonly pack: string | null;
  /** Runs in the last 30 days by status. */
  readonly counts: Partial<Record<RunStatusName, number>>;
}

export interface WorkflowListData {
  readonly locale: Locale;
  readonly workflows: readonly WorkflowListRow[];
  readonly removed: string | null;
}

export interface WorkflowEditorData {
  readonly locale: Locale;
  readonly calendar: CalendarName;
  readonly timeZone: string;
  readonly isNew: boolean;
  /** The saved name (null on the page of a new workflow). */
  readonly previousName: string | null;
  readonly pack: string | null;
  readonly draft: WorkflowDraft;
  readonly entities: readonly EntityChoice[];
  readonly actionTypes: readonly { readonly name: string; readonly label: LocalizedText }[];
  readonly zones: readonly string[];
  /** A saved webhook workflow: where to call it and its signing secret. */
  readonly webhook: { readonly url: string; readonly secret: string } | null;
  /** The model version just saved (after the redirect of a save). */
  readonly saved: string | null;
}

export interface DryRunItem {
  readonly label: string;
  readonly value: string;
  /** Several lines: shown as a block. */
  readonly long: boolean;
  /** Addresses, URLs, code: always left to right. */
  readonly ltr: boolean;
}

export interface DryRunStepView {
  readonly stepId: string;
  readonly action: string;
  readonly status: 'would-run' | 'would-wait' | 'would-skip' | 'branch' | 'error';
  readonly detail: string | null;
  readonly items: readonly DryRunItem[];
}

export interface DryRunView {
  readonly record: { readonly entity: string; readonly id: string; readonly title: string } | null;
  readonly condition: { readonly pass: boolean; readonly error: string | null };
  readonly steps: readonly DryRunStepView[];
}

export interface WorkflowEditorResult {
  readonly draft: WorkflowDraft;
  readonly issues: readonly IssueView[];
  readonly error: string | null;
  readonly notice: string | null;
  /** The action to bring into view (just added or moved). */
  readonly focus: string | null;
  readonly dry: DryRunView | null;
  /** What the dry-run box held, so that it survives the post. */
  readonly dryQuery: string;
  /** The JSON editor's text and its problems, after a JSON save was refused. */
  readonly json: { readonly text: string; readonly issues: readonly IssueView[] } | null;
  readonly secretRotated: boolean;
}
