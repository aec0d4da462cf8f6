/** The platform's own migrations, in order. Add a file and list it here. */
import type { Migration } from 'kysely';
import * as systemTables from './0001-system-tables.ts';
import * as savedViews from './0002-saved-views.ts';
import * as workflows from './0003-workflows.ts';
import * as importTemplates from './0004-import-templates.ts';
import * as installedPacks from './0005-installed-packs.ts';
import * as accessControl from './0006-access-control.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-system-tables': systemTables,
  '0002-saved-views': savedViews,
  '0003-workflows': workflows,
  '0004-import-templates': importTemplates,
  '0005-installed-packs': installedPacks,
  '0006-access-control': accessControl,
};
