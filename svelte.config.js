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
    // 'auto': a nonce for the inline scripts SvelteKit writes into server-rendered pages, a hash on
    // prerendered ones. Styles keep 'unsafe-inline': app.html and `style:` directives write style
    // attributes, which a nonce cannot cover; a style cannot run code.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'frame-ancestors': ['none'],
        'form-action': ['self'],
      },
    },
  },
};

export default config;
