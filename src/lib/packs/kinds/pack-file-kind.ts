/**
 * One kind of pack file (entities, workflows, UI strings, seed data …): where its files live, how
 * they are checked and loaded, how they are written back by an export and how an upgrade merges
 * them. Every kind is one registration in `registry.ts`; `loadPackFiles` and the exporter know
 * nothing about any kind in particular.
 *
 *   export const i18nKind = {
 *     name: 'i18n', layout: 'i18n/<locale>.json', pattern: /^i18n\/([^/]+)\.json$/, format: 'json',
 *     maxBytes: 1_000_000, metaSchema: 'i18n.schema.json', merge: 'incoming', load: checkStrings, export: asInstalled,
 *   } satisfies PackFileKind;
 */
import type { PackIssue, SourceFile } from '../../model/load-pack.ts';
import type { EntityModel, LocalizedText, Model, PackInfo } from '../../model/types.ts';
import type { WorkflowModel } from '../../rules/types.ts';
import type { RoleModel } from '../../access/role-model.ts';
import type { MergeRules } from '../merge-documents.ts';

export const PACK_FILE_KIND_NAMES = ['manifest', 'entities', 'workflows', 'roles', 'i18n', 'data', 'imports', 'docs'] as const;
export type PackFileKindName = (typeof PACK_FILE_KIND_NAMES)[number];

/** What the manifest says beyond `PackInfo` (which is part of the stored model). */
export interface PackManifest {
  readonly info: PackInfo;
  readonly description: LocalizedText | null;
  /** `requires.platform`: the platform versions the pack works with (a semver range), or null. */
  readonly platform: string | null;
}

/** What the kinds loaded before this one found; kinds load in registry order. */
export interface PackLoadContext {
  readonly manifest: PackManifest | null;
  readonly entities: readonly EntityModel[];
  /** Entities the pack declares, valid or not (a reference to one with problems is not a problem of its own). */
  readonly declaredEntities: ReadonlySet<string>;
  readonly report: (file: string, pointer: string, message: string) => void;
}

/** What a kind adds to the pack model. */
export interface PackContribution {
  readonly manifest?: PackManifest;
  readonly entities?: readonly EntityModel[];
  readonly declaredEntities?: ReadonlySet<string>;
  readonly workflows?: readonly WorkflowModel[];
  readonly roles?: readonly RoleModel[];
}

export interface PackExportInput {
  readonly packName: string;
  /** The deployment's model: model-backed kinds export the pack's part of it. */
  readonly model: Model;
  /** The files of the pack as installed (null when none were recorded). */
  readonly installed: readonly SourceFile[] | null;
}

export interface PackFileKind {
  readonly name: PackFileKindName;
  /** Where its files live, for messages and documentation (e.g. `entities/<name>.json`). */
  readonly layout: string;
  /** Matches the path of one of its files inside the pack. */
  readonly pattern: RegExp;
  /** JSON is written in the canonical form (`packJson`); text (CSV, Markdown) byte for byte. */
  readonly format: 'json' | 'text';
  readonly maxBytes: number;
  /** File name in schemas/ of the meta-schema its files may name in `$schema` (null: not JSON). */
  readonly metaSchema: string | null;
  /** JSON pointers of objects whose key order the canonical form keeps. */
  readonly keepOrder?: readonly string[];
  /**
   * How an upgrade treats its files: `three-way` for kinds an admin can change after installing
   * (merged with base = installed, mine = the deployment, pack = the new files, by `rules`);
   * `incoming` for the others (the new pack's files replace the installed ones).
   */
  readonly merge: { readonly mode: 'three-way'; readonly rules: MergeRules; readonly identity: DocumentIdentity } | { readonly mode: 'incoming' };
  load(files: readonly SourceFile[], context: PackLoadContext): PackContribution;
  /** Its files of an installed pack: from the model for model-backed kinds, else as installed. */
  export(input: PackExportInput): readonly SourceFile[];
}

/** How documents of a three-way kind are matched across versions (e.g. an entity by `$id` or a name in `x-renamed-from`). */
export interface DocumentIdentity {
  readonly key: string;
  readonly renamedFrom: string | null;
  /** The file a document of that name lives in. */
  readonly path: (name: string) => string;
}

export type { PackIssue, SourceFile };
