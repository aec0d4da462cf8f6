/**
 * Packs in the browser: the installed demo pack is listed and downloads as one bundle file; uploading
 * that bundle again is reviewed as "nothing to change". In Persian and on a phone too.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'packs e2e password';

describe('packs in the admin pages', () => {
  const env = useApp(PASSWORD);

  it('lists the installed demo pack, downloads it as a bundle and reviews the same bundle as nothing to change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peyvand-packs-e2e-'));
    try {
      const context = await newContext(env.browser);
      const page = await context.newPage();
      await signIn(page, env.app, PASSWORD);
      await page.goto(`${env.app.url}/admin/packs`);
      const installed = (await page.locator('section[aria-labelledby="installed-title"]').textContent()) ?? '';
      expect(installed).toContain('b2b-sales');
      expect(installed).toMatch(/\d+\.\d+\.\d+/);
      await screenshot(page, 'packs-en');

      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[download]').first().click()]);
      const file = join(dir, 'b2b-sales.json');
      await download.saveAs(file);
      const bundle = JSON.parse(await readFile(file, 'utf8')) as { format: string; name: string; files: Record<string, string> };
      expect(bundle).toMatchObject({ format: 'peyvand-pack-bundle', name: 'b2b-sales' });
      expect(Object.keys(bundle.files)).toEqual(expect.arrayContaining(['pack.json', 'entities/deal.json']));

      await page.setInputFiles('#bundle', file);
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Review', exact: true }).click()]);
      await page.waitForLoadState('networkidle');
      expect((await page.locator('main').textContent()) ?? '').toContain('Nothing to change');
      await screenshot(page, 'packs-review-en');
      await context.close();

      const fa = await newContext(env.browser, { locale: 'fa', phone: true });
      const faPage = await fa.newPage();
      await signIn(faPage, env.app, PASSWORD);
      await faPage.goto(`${env.app.url}/admin/packs`);
      expect(await faPage.locator('html').getAttribute('dir')).toBe('rtl');
      expect((await faPage.locator('main').textContent()) ?? '').toContain('b2b-sales');
      await screenshot(faPage, 'packs-fa-phone');
      await fa.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
