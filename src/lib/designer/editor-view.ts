/**
 * What the entity page's form actions hand back to the page: plain, serialisable data, with
 * every sentence already in the user's language. Browser-safe (types only).
 */
import type { Locale, MessageKey } from '../i18n/index.ts';
import type { LocalizedText } from '../model/types.ts';
import type { DraftIssue, EntityDraft } from './entity-draft.ts';

export interface ReviewStepView {
  /** The step in plain words (describeStep). */
  readonly text: string;
  readonly destructive: boolean;
  /** "12 records affected", in the user's digits; null when the step touches no records. */
  readonly affected: string | null;
  readonly status: 'applied' | 'planned' | 'needs-confirmation' | 'impossible';
  /** Why an impossible step cannot run, in the user's language. */
  readonly problem: string | null;
}

export interface ReviewView {
  readonly status: 'applied' | 'unchanged' | 'planned' | 'refused';
  readonly steps: readonly ReviewStepView[];
  readonly hasDestructive: boolean;
  /** An impossible step: applying is blocked. */
  readonly isBlocked: boolean;
  /** The model version the plan was made against (applying refuses if it moved on). */
  readonly version: number;
  /** Fingerprint of the reviewed document: applying refuses a draft changed since. */
  readonly reviewed: string;
}

/** A platform refusal of the document (normaliser messages, in English: they name keywords). */
export interface ServerIssue {
  readonly pointer: string;
  readonly message: string;
}

export interface EditorMessage {
  readonly key: MessageKey;
  readonly params: Readonly<Record<string, string>>;
}

export interface EditorResult {
  /** The draft after the post (absent after the delete form, which carries none). */
  readonly draft: EntityDraft | null;
  /** The field whose editor is open. */
  readonly open: string | null;
  readonly addIssue: DraftIssue | null;
  readonly issues: readonly DraftIssue[];
  readonly serverIssues: readonly ServerIssue[];
  readonly error: EditorMessage | null;
  readonly notice: EditorMessage | null;
  readonly review: ReviewView | null;
  /** The plan of deleting the entity, when it was refused for want of confirmation. */
  readonly removal: ReviewView | null;
  /**
   * The stored-document fingerprint the draft started from, carried from post to post (the
   * page's own data is reloaded after each enhanced post, so it cannot keep it).
   */
  readonly base: string | null;
}

export function editorResult(values: Partial<EditorResult>): EditorResult {
  return { draft: null, open: null, addIssue: null, issues: [], serverIssues: [], error: null, notice: null, review: null, removal: null, base: null, ...values };
}

export interface EntityChoice {
  readonly name: string;
  readonly label: LocalizedText;
}

/** What the entity pages load. */
export interface EntityPageData {
  readonly locale: Locale;
  readonly draft: EntityDraft;
  readonly isNew: boolean;
  /** The pack that owns the entity, or null (made in the designer, or new). */
  readonly pack: string | null;
  /** Fingerprint of the stored document the draft started from ('' for a new entity). */
  readonly base: string;
  /** Entities a relation may link to (with this one, for links to itself). */
  readonly entities: readonly EntityChoice[];
  /** The model version just applied, after a redirect from an apply. */
  readonly applied: string | null;
}
