/** Sign-in, the one-time password, the shell in English and Persian, on a desktop and a phone. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newContext, screenshot, signIn, startApp, type RunningApp } from './support/app.ts';

const NEW_PASSWORD = 'a new and long password';

describe('signing in', () => {
  let app: RunningApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('refuses a wrong password, then makes the admin replace the one-time password', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${app.url}/e/contact`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('#email', app.adminEmail);
    await page.fill('#password', 'wrong password');
    await page.click('main button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('wrong');
    await screenshot(page, 'signin-en');

    await signIn(page, app, app.adminPassword);
    expect(new URL(page.url()).pathname).toBe('/account/password');
    await page.fill('#current', app.adminPassword);
    await page.fill('#password', NEW_PASSWORD);
    await Promise.all([page.waitForURL(`${app.url}/`), page.click('main button[type=submit]')]);
    await expect(page.locator('nav.side').textContent()).resolves.toContain('Contacts');
    await screenshot(page, 'home-en');
    await context.close();
  });

  it('shows the shell right-to-left in Persian, on a phone too', async () => {
    for (const phone of [false, true]) {
      const context = await newContext(browser, { locale: 'fa', phone });
      const page = await context.newPage();
      await signIn(page, app, NEW_PASSWORD);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      expect(await page.getAttribute('html', 'lang')).toBe('fa');
      await expect(page.locator('nav.side').textContent()).resolves.toContain('مخاطبان');
      await screenshot(page, `home-fa${phone ? '-phone' : ''}`);
      await context.close();
    }
  });
});
