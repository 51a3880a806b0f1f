// @ts-check
/**
 * Build step: pages that start the IVS player as they load (the watch page) name its files in their
 * <head>, so the browser fetches them with the HTML instead of once the page's scripts have run.
 * A page asks with `<meta name="bidstream-preload" content="player">` (Base.astro's `preloadPlayer`);
 * the meta is replaced by
 *  - `<link rel="modulepreload">` for the player's chunk and its static imports (fetched and compiled,
 *    evaluated when player-loader.ts imports it),
 *  - `<link rel="preload" as="script">` for the player's worker script and `as="fetch"` for its WASM;
 *    the worker loads both itself and finds them in the HTTP cache (hashed, served immutable).
 * The names are read from the built chunks: player-loader.ts's dynamic imports of the player and of
 * the `?url` modules that hold the worker's and the WASM's URLs; the player's modules are its chunk and
 * everything that chunk imports statically, transitively (preload-modules.mjs's `staticGraph`). A page
 * that asks when they cannot be found fails the build rather than ship without them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtPages, staticGraph } from './preload-modules.mjs';

export const PRELOAD_MARKER = /<meta name="bidstream-preload" content="player"\s*\/?>/;

const DYNAMIC_IMPORT = /import\(\s*"\.\/([^"]+\.js)"\s*\)/g;
const URL_MODULE = /^const \w+="(\/_astro\/[^"]+)";export\{\w+ as default\};?\s*$/;

/**
 * The player's files in a built `_astro` directory: `{ modules, worker, wasm }` as site paths.
 * @param {string} astroDir
 */
export function playerAssets(astroDir) {
  const read = (/** @type {string} */ f) => readFileSync(join(astroDir, f), 'utf8');
  for (const file of readdirSync(astroDir).filter((f) => f.endsWith('.js'))) {
    const src = read(file);
    if (!src.includes('amazon-ivs-wasmworker.min.')) continue;
    const targets = [...src.matchAll(DYNAMIC_IMPORT)].map((m) => /** @type {string} */ (m[1]));
    const urls = targets.map((t) => URL_MODULE.exec(read(t))?.[1]).filter((u) => u !== undefined);
    const worker = urls.find((u) => /amazon-ivs-wasmworker\.min\.[\w-]+\.js$/.test(u));
    const wasm = urls.find((u) => u.endsWith('.wasm'));
    const player = targets.find((t) => read(t).includes('isPlayerSupported'));
    if (!worker || !wasm || !player) continue;
    return { modules: staticGraph(astroDir, [`/_astro/${player}`]), worker, wasm };
  }
  return null;
}

/** @param {{ modules: string[]; worker: string; wasm: string }} a */
export function preloadTags(a) {
  return [
    ...a.modules.map((m) => `<link rel="modulepreload" href="${m}">`),
    `<link rel="preload" href="${a.worker}" as="script" data-player-worker>`,
    `<link rel="preload" href="${a.wasm}" as="fetch" type="application/wasm" crossorigin="anonymous" data-player-wasm>`,
  ].join('');
}

/** @returns {import('astro').AstroIntegration} */
export function preloadPlayer() {
  return {
    name: 'bidstream:preload-player',
    hooks: {
      'astro:build:done': ({ dir, logger }) => {
        const { dist, pages: built } = builtPages(dir);
        const pages = built.filter((f) => PRELOAD_MARKER.test(readFileSync(join(dist, f), 'utf8')));
        if (pages.length === 0) return;
        const assets = playerAssets(join(dist, '_astro'));
        if (!assets)
          throw new Error(`${pages.join(', ')} preload the player, but its chunk, worker or WASM is not in the build`);
        const tags = preloadTags(assets);
        for (const p of pages) {
          const file = join(dist, p);
          writeFileSync(file, readFileSync(file, 'utf8').replace(PRELOAD_MARKER, tags));
        }
        logger.info(
          `player preloaded by ${pages.join(', ')}: ${[...assets.modules, assets.worker, assets.wasm].join(' ')}`,
        );
      },
    },
  };
}
