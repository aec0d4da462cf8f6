/**
 * The app as a user meets it: `peyvand serve --demo` on a fresh embedded database (built first with
 * `npm run build`), driven by Debian's Chromium through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export interface RunningApp {
  readonly url: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  /** One-time passwords of the demo people (manager and reps), by email. */
  readonly demoPasswords: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

export const SCREENSHOTS = resolve('test-results/screenshots');
const CHROMIUM = process.env.PEYVAND_CHROMIUM ?? '/usr/bin/chromium';

export async function startApp(): Promise<RunningApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'peyvand-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [resolve('bin/peyvand.js'), 'serve', '--demo', '--port', '0'], {
    env: { ...process.env, PEYVAND_DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = await new Promise<{ url: string; password: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/[^\s]+)/.exec(output);
      const password = /password: (\S+)/.exec(output);
      if (listening?.[1] && password?.[1]) {
        clearTimeout(timer);
        resolvePromise({ url: listening[1], password: password[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  // The demo people's one-time passwords, printed once after each "demo user:" line.
  const demoPasswords = new Map([...output.matchAll(/demo user: (\S+) .*\n\s+password: (\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
  return {
    url: started.url,
    adminEmail: 'admin@peyvand.local',
    adminPassword: started.password,
    demoPasswords,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export async function newContext(browser: Browser, options: { locale?: 'en' | 'fa' | 'ar'; phone?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    locale: options.locale ?? 'en',
    viewport: options.phone ? { width: 375, height: 740 } : { width: 1280, height: 860 },
    ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Submits the sign-in form; a submit that did not navigate (a click lost while the page loads) is retried once. */
export async function signIn(page: Page, app: RunningApp, password: string, email = app.adminEmail): Promise<void> {
  await page.goto(`${app.url}/signin`);
  for (let attempt = 1; ; attempt++) {
    await page.fill('#email', email);
    await page.fill('#password', password);
    try {
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 15_000 }), page.click('main button[type=submit]')]);
      return;
    } catch (error) {
      if (attempt >= 2 || (await page.locator('[role=alert]').count()) > 0) throw error;
      process.stderr.write('sign-in did not navigate; trying once more\n');
    }
  }
}

/** The admin's first sign-in: replaces the one-time password with `password`. */
export async function setAdminPassword(browser: Browser, app: RunningApp, password: string): Promise<void> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app, app.adminPassword);
  await page.fill('#current', app.adminPassword);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${app.url}/`), page.click('main button[type=submit]')]);
  await context.close();
}

/**
 * Starts the app and a browser for a test file, with the admin's password already set, and stops both
 * after it. The returned object's fields are filled once the file's tests start.
 */
export function useApp(adminPassword: string): { app: RunningApp; browser: Browser } {
  const shared = {} as { app: RunningApp; browser: Browser };
  beforeAll(async () => {
    shared.app = await startApp();
    shared.browser = await launchBrowser();
    await setAdminPassword(shared.browser, shared.app, adminPassword);
  });
  afterAll(async () => {
    await shared.browser?.close();
    await shared.app?.stop();
  });
  return shared;
}
