/** `i18n/<locale>.json`: extra UI strings, a flat object of dotted keys (schemas/i18n.schema.json). */
import i18nMetaSchema from '../../../../schemas/i18n.schema.json' with { type: 'json' };
import { checkAgainst, parseJson } from '../../model/load-pack.ts';
import { metaValidator } from '../meta-validators.ts';
import { baseName, filesAsInstalled } from './installed-files.ts';
import type { PackFileKind } from './pack-file-kind.ts';

const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;

const PATTERN = /^i18n\/[^/]+\.json$/;

export const i18nKind = {
  name: 'i18n',
  layout: 'i18n/<locale>.json',
  pattern: PATTERN,
  format: 'json',
  maxBytes: 1_000_000,
  metaSchema: 'i18n.schema.json',
  merge: { mode: 'incoming' },
  load(files, context) {
    const locales = context.manifest?.info.locales ?? null;
    for (const file of files) {
      const locale = baseName(file.path);
      if (!LOCALE.test(locale)) {
        context.report(file.path, '', `"${locale}" is not a locale (e.g. en, fa, ar, pt-BR); name the file after the language of its texts`);
      } else if (locales && !locales.includes(locale)) {
        context.report(file.path, '', `locale "${locale}" is not listed in pack.json "locales" (${locales.join(', ')})`);
      }
      const doc = parseJson(file, context.report);
      if (doc !== undefined) checkAgainst(metaValidator(i18nMetaSchema), doc, file.path, context.report);
    }
    return {};
  },
  export: (input) => filesAsInstalled({ pattern: PATTERN, format: 'json' }, input),
} as const satisfies PackFileKind;
