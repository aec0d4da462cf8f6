import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  ssr: {
    // PGlite loads its WASM and data files relative to its own module: keep it unbundled.
    external: ['@electric-sql/pglite', '@node-rs/argon2', 'pg', 'pg-copy-streams'],
  },
});
