/** `README.md` (and `README.<locale>.md`): what the pack is, for people; carried byte for byte. */
import { filesAsInstalled } from './installed-files.ts';
import type { PackFileKind } from './pack-file-kind.ts';

const PATTERN = /^README(\.[a-z]{2}(-[A-Z]{2})?)?\.md$/;

export const docsKind = {
  name: 'docs',
  layout: 'README.md',
  pattern: PATTERN,
  format: 'text',
  maxBytes: 1_000_000,
  metaSchema: null,
  merge: { mode: 'incoming' },
  load: () => ({}),
  export: (input) => filesAsInstalled({ pattern: PATTERN, format: 'text' }, input),
} as const satisfies PackFileKind;
