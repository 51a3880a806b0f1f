// @ts-check
import { defineConfig } from 'astro/config';
import svelte from '@astrojs/svelte';
import { preloadPlayer } from './build/preload-player.mjs';
import { preloadModules } from './build/preload-modules.mjs';

// Static output: the same dist/ is deployed by Amplify Hosting (lib/constructs/web.ts) and served by the local
// web server (local/web/server.ts). Both rewrite /u/<handle> to /u/index.html (see docs/web.md).
export default defineConfig({
  output: 'static',
  trailingSlash: 'ignore',
  build: { format: 'directory', inlineStylesheets: 'auto' },
  // preloadModules runs after preloadPlayer: it leaves out the modules the player's links already name.
  integrations: [svelte(), preloadPlayer(), preloadModules()],
  vite: {
    // amazon-ivs-chat-messaging and amazon-ivs-player expect Node's `events` module in the browser.
    resolve: { alias: { events: 'events' } },
    build: { assetsInlineLimit: 0 },
    worker: { format: 'es' },
  },
});
