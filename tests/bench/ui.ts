/**
 * The generated web UI in `npm run bench`: SvelteKit's build served the way `peyvand serve` serves
 * it (src/cli/serve.ts), what a list page rendered, which scripts a page loads and how big they are,
 * and which SQL statements a page request runs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD_HANDLER = join(ROOT, 'build', 'handler.js');
/** What `npm run build` reads (besides node_modules). */
const BUILD_INPUTS = ['src', 'svelte.config.js', 'vite.config.ts'];
/** Vite's manifest of the client build: hashed file → the module or chunk name it came from. */
const CLIENT_MANIFEST = join(ROOT, '.svelte-kit', 'output', 'client', '.vite', 'manifest.json');

// ---- the build ---------------------------------------------------------------------------------

export type BuildMode = 'auto' | 'always' | 'never';

export interface BuildState {
  readonly builtAt: Date;
  /** Why it was built in this run, or null when the existing build was used. */
  readonly rebuilt: string | null;
  /** Sources newer than the build that was used (only when it was not rebuilt). */
  readonly newerSources: readonly string[];
}

function newerThan(path: string, since: number, out: string[]): void {
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const name of readdirSync(path)) newerThan(join(path, name), since, out);
  } else if (stat.mtimeMs > since && !/\.(spec|test)\.ts$/.test(path)) {
    out.push(relative(ROOT, path));
  }
}

/**
 * Makes sure build/ holds the web app. `auto`: build when it is missing or older than a source
 * file; `always`: build; `never`: use what is there (and fail if nothing is).
 */
export function ensureBuild(mode: BuildMode, log: (message: string) => void): BuildState {
  let reason: string | null = null;
  const newer: string[] = [];
  if (!existsSync(BUILD_HANDLER)) {
    if (mode === 'never') throw new Error('build/handler.js is missing: run `npm run build` first (or unset BENCH_BUILD=0 to let the benchmark build it)');
    reason = 'build/ was missing';
  } else {
    for (const input of BUILD_INPUTS) newerThan(join(ROOT, input), statSync(BUILD_HANDLER).mtimeMs, newer);
    if (mode === 'always') reason = 'BENCH_BUILD=1';
    else if (mode === 'auto' && newer.length > 0) reason = `${newer.length} source files are newer than build/ (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''})`;
  }
  if (reason === null) {
    if (newer.length > 0) log(`WARNING: ${newer.length} source files are newer than build/ (BENCH_BUILD=0): the web app measured is not the current source`);
    return { builtAt: statSync(BUILD_HANDLER).mtime, rebuilt: null, newerSources: newer };
  }
  log(`npm run build (${reason})`);
  // The child's stdout goes to our stderr: stdout is the markdown table.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], env: process.env });
  if (built.error) throw new Error(`npm run build could not start (${built.error.message}): run \`npm run build\` yourself, then BENCH_BUILD=0 npm run bench`);
  if (built.status !== 0 || !existsSync(BUILD_HANDLER)) throw new Error(`npm run build failed (exit ${built.status ?? built.signal ?? '?'}): fix the build (see above), or run \`npm run build\` yourself`);
  return { builtAt: statSync(BUILD_HANDLER).mtime, rebuilt: reason, newerSources: [] };
}

/** A private copy of build/, so that a rebuild by someone else during the run cannot pull files from under the server. */
export interface BuildSnapshot {
  /** The copy's build/ folder. */
  readonly dir: string;
  remove(): void;
}

export function snapshotBuild(): BuildSnapshot {
  const root = mkdtempSync(join(os.tmpdir(), 'peyvand-bench-web-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    const dir = join(root, 'build');
    cpSync(join(ROOT, 'build'), dir, { recursive: true });
    // The bundle imports its dependencies by name, and is ES modules: as in the repository.
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    if (!existsSync(join(dir, 'handler.js'))) throw new Error('no handler.js in the copy');
    loadChunkNames();
    return { dir, remove };
  } catch (error) {
    remove();
    throw new Error(`could not copy build/ (is \`npm run build\` running right now?): ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- serving it ----------------------------------------------------------------------------------

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** As src/cli/serve.ts: the connection's protocol goes in a header of ours, unless ORIGIN or PROTOCOL_HEADER is set. */
const PROTOCOL_HEADER = 'x-peyvand-connection-protocol';

export interface WebApp {
  /** Serves one request that is not for /trpc. */
  serve(req: IncomingMessage, res: ServerResponse): void;
}

/** SvelteKit's node handler from a build folder (build/ or its snapshot); the runtime must already be under RUNTIME_KEY. */
export async function loadWebApp(buildDir: string): Promise<WebApp> {
  const setsOwnProtocol = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
  if (setsOwnProtocol) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  const module = (await import(pathToFileURL(join(buildDir, 'handler.js')).href)) as { handler: NodeHandler };
  const handler = module.handler;
  return {
    serve(req, res) {
      if (setsOwnProtocol) req.headers[PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
      handler(req, res, () => res.writeHead(404).end('not found'));
    },
  };
}

// ---- what a page rendered ------------------------------------------------------------------------

/** The `<tr>` rows in the first `<tbody>` of the page. */
export function bodyRows(html: string): string[] {
  const start = html.indexOf('<tbody');
  const end = html.indexOf('</tbody>', start);
  if (start < 0 || end < 0) return [];
  const body = html.slice(start, end);
  const rows: string[] = [];
  const re = /<tr[\s>]/g;
  let previous = -1;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (previous >= 0) rows.push(body.slice(previous, m.index));
    previous = m.index;
  }
  if (previous >= 0) rows.push(body.slice(previous));
  return rows;
}

/** Bytes of the inline `<script>` blocks (SvelteKit's start script and the page data it hydrates from). */
export function inlineScriptBytes(html: string): number {
  let n = 0;
  for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) if (!/<script\b[^>]*\bsrc=/.test(script)) n += Buffer.byteLength(script);
  return n;
}

/** The record ids the rows link to (`/e/<entity>/<uuid>`), in order. */
export function linkedIds(rows: readonly string[], entity: string): string[] {
  const re = new RegExp(`href="[^"]*/e/${entity}/([0-9a-f-]{36})"`);
  return rows.map((r) => re.exec(r)?.[1] ?? '');
}

// ---- the scripts a page loads --------------------------------------------------------------------

/** A script preload: `rel=modulepreload`, or `rel=preload` with `as=script` (kit.output.preloadStrategy). */
function preloadsScript(params: string): boolean {
  return /\brel=["']?modulepreload\b/i.test(params) || (/\brel=["']?preload\b/i.test(params) && /\bas=["']?script\b/i.test(params));
}

/**
 * The scripts a page names, as absolute URLs: its script preloads — `<link>` tags, and the `Link`
 * response header, where SvelteKit puts them for pages rendered on request (it writes the tags only
 * when prerendering) — and the `import("…")` URLs of the inline start script.
 */
export function pageScripts(html: string, linkHeader: string | null, pageUrl: URL): URL[] {
  const found = new Map<string, URL>();
  const add = (href: string) => {
    const url = new URL(href.replaceAll('&amp;', '&'), pageUrl);
    found.set(url.href, url);
  };
  for (const m of (linkHeader ?? '').matchAll(/<([^>]*)>([^,<]*)/g)) {
    if (m[1] && preloadsScript(m[2] ?? '')) add(m[1]);
  }
  for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
    if (!preloadsScript(tag)) continue;
    const href = /\bhref=(?:"([^"]*)"|'([^']*)'|([^\s>]+))/.exec(tag);
    const value = href?.[1] ?? href?.[2] ?? href?.[3];
    if (value) add(value);
  }
  for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
    if (/<script\b[^>]*\bsrc=/.test(script)) {
      const src = /\bsrc=(?:"([^"]*)"|'([^']*)')/.exec(script);
      const value = src?.[1] ?? src?.[2];
      if (value) add(value);
      continue;
    }
    for (const m of script.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) if (m[1]) add(m[1]);
  }
  return [...found.values()];
}

/** Static imports (`import … from "x"`, `import "x"`) of a minified ES module; dynamic import() is left out. */
function staticImports(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.js)["']/g)) if (m[1]) out.push(m[1]);
  return out;
}

export interface Script {
  readonly url: string;
  /** What the chunk came from, per Vite's manifest (when there is one). */
  readonly name: string;
  readonly raw: number;
  readonly gzip: number;
  /** Named by the page itself (a preload / the inline import()), not only found as a static import of another script. */
  readonly listed: boolean;
}

export interface PageScripts {
  readonly path: string;
  readonly htmlBytes: number;
  readonly htmlGzip: number;
  readonly scripts: readonly Script[];
  readonly raw: number;
  readonly gzip: number;
  /** Scripts reached only through static imports (SvelteKit should have preloaded them all). */
  readonly unlisted: number;
}

let manifestNames: Map<string, string> | null = null;
/** Reads Vite's client manifest (once: snapshotBuild calls it right after copying build/). */
function loadChunkNames(): Map<string, string> {
  if (!manifestNames) {
    manifestNames = new Map();
    if (existsSync(CLIENT_MANIFEST)) {
      const manifest = JSON.parse(readFileSync(CLIENT_MANIFEST, 'utf8')) as Record<string, { file?: string; name?: string; src?: string }>;
      for (const [key, chunk] of Object.entries(manifest)) {
        if (!chunk.file) continue;
        const source = chunk.src ?? key;
        const name = source.startsWith('.svelte-kit/generated/client-optimized/') ? source.slice('.svelte-kit/generated/client-optimized/'.length) : source;
        manifestNames.set(`/${chunk.file}`, chunk.src ? name : `chunk ${chunk.name ?? key}`);
      }
    }
  }
  return manifestNames;
}

function chunkName(pathname: string): string {
  return loadChunkNames().get(pathname) ?? pathname.replace(/^\/_app\/immutable\//, '');
}

/** Fetches the page, then every script it loads (and their static imports), and sums their sizes. */
export async function measurePageScripts(base: string, path: string, headers: Record<string, string>): Promise<PageScripts> {
  const pageUrl = new URL(path, base);
  const page = await fetch(pageUrl, { headers, redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET ${path}: HTTP ${page.status} ${html.slice(0, 200)}`);
  const listed = pageScripts(html, page.headers.get('link'), pageUrl);
  if (listed.length === 0) throw new Error(`GET ${path}: no script preload and no import() in the page — has the page markup changed?`);
  const queue: { url: URL; listed: boolean }[] = listed.map((url) => ({ url, listed: true }));
  const seen = new Set(listed.map((u) => u.href));
  const scripts: Script[] = [];
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { url } = item;
    if (url.origin !== pageUrl.origin) throw new Error(`${path} loads a script from another origin: ${url.href}`);
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`GET ${url.pathname} (a script of ${path}): HTTP ${response.status}`);
    scripts.push({ url: url.pathname, name: chunkName(url.pathname), raw: body.length, gzip: gzipSync(body, { level: 9 }).length, listed: item.listed });
    for (const spec of staticImports(body.toString('utf8'))) {
      const next = new URL(spec, url);
      if (seen.has(next.href)) continue;
      seen.add(next.href);
      queue.push({ url: next, listed: false });
    }
  }
  scripts.sort((a, b) => b.gzip - a.gzip);
  return {
    path,
    htmlBytes: Buffer.byteLength(html),
    htmlGzip: gzipSync(html, { level: 9 }).length,
    scripts,
    raw: scripts.reduce((n, s) => n + s.raw, 0),
    gzip: scripts.reduce((n, s) => n + s.gzip, 0),
    unlisted: scripts.filter((s) => !s.listed).length,
  };
}

// ---- the SQL a request runs ----------------------------------------------------------------------

export interface StatementStats {
  /** The statement's text, whitespace collapsed. */
  readonly sql: string;
  readonly count: number;
  readonly totalMs: number;
  /** The parameters of its first run. */
  readonly params: readonly unknown[] | null;
}

type QueryFn = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Times every statement any pg.Client of this process runs (the runtime's Kysely pool, and the
 * SvelteKit build's, share the `pg` package) until `stop()`. Only for a window in which nothing
 * else queries.
 */
export function traceStatements(): { stop(): StatementStats[] } {
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  const stats = new Map<string, { count: number; totalMs: number; params: readonly unknown[] | null }>();
  const record = (text: string, params: readonly unknown[] | null, t0: number) => {
    const ms = performance.now() - t0;
    const entry = stats.get(text) ?? { count: 0, totalMs: 0, params };
    entry.count++;
    entry.totalMs += ms;
    stats.set(text, entry);
  };
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const raw = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first && typeof first.text === 'string' ? first.text : null;
    if (raw === null) return original.apply(this, args);
    const text = raw.replace(/\s+/g, ' ').trim();
    const values = Array.isArray(args[1]) ? (args[1] as unknown[]) : typeof first === 'object' && first !== null && 'values' in first && Array.isArray(first.values) ? (first.values as unknown[]) : null;
    const params = values ? [...values] : null;
    const t0 = performance.now();
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as QueryFn;
      args[args.length - 1] = function (this: unknown, ...cbArgs: unknown[]) {
        record(text, params, t0);
        return callback.apply(this, cbArgs);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      void result.then(
        () => record(text, params, t0),
        () => record(text, params, t0),
      );
    }
    return result;
  };
  return {
    stop() {
      proto.query = original;
      return [...stats.entries()].map(([sql, s]) => ({ sql, count: s.count, totalMs: s.totalMs, params: s.params })).sort((a, b) => b.totalMs - a.totalMs);
    },
  };
}
