import type { Handle } from '@sveltejs/kit';
import { RUNTIME_KEY } from '$lib/server/runtime-global.ts';
import { startRuntime, type Runtime } from '$lib/server/runtime.ts';

let starting: Promise<Runtime> | null = null;

/** The runtime `peyvand serve` handed over; under `vite dev`, one started here. */
function runtime(): Promise<Runtime> {
  const given = (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] as Runtime | undefined;
  if (given) return Promise.resolve(given);
  starting ??= startRuntime({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose: 'the Peyvand dev server' });
  return starting;
}

export const handle: Handle = async ({ event, resolve }) => {
  event.locals.runtime = await runtime();
  const lang = event.cookies.get('lang') ?? 'en';
  const dir = lang === 'fa' || lang === 'ar' ? 'rtl' : 'ltr';
  return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', lang).replace('%dir%', dir) });
};
