import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build' }),
    // tRPC mutations are protected by their own origin check (see src/lib/server/api/http.ts);
    // SvelteKit's check covers form posts.
    csrf: { trustedOrigins: [] },
  },
};

export default config;
