// @ts-check
/**
 * Build step: every page names, in its <head>, the modules its start-up scripts import, so the browser
 * fetches and compiles them all with the HTML instead of one import level at a time.
 *
 * A page's module script (`<script type="module" src>`, Astro's bundled `<script>`) and the islands
 * that hydrate at once (`client:load`, `client:only`: their component and renderer chunks) import
 * other chunks, which import others. The browser learns each level only once it has the one above:
 * on the watch page that was five levels, and the page's first script ran about 400 ms after the HTML
 * arrived on a warm visit, with every chunk already in the HTTP cache (measured 2026-12-03). The
 * `<link rel="modulepreload">` tags added here list the whole static import graph of those entries, so
 * the fetches start together. Islands that hydrate later (`client:idle`, `client:visible`) and dynamic
 * imports are left out: they are not needed to start, and preloading them would compete with what is.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"` in a built chunk. */
const STATIC_IMPORT = /(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?"\.\/([^"]+\.js)"/g;
const MODULE_SCRIPT = /<script type="module" src="(\/_astro\/[^"]+\.js)"/g;
const ISLAND = /<astro-island\b[^>]*>/g;
const ATTRIBUTE = (/** @type {string} */ name) => new RegExp(`\\s${name}="([^"]*)"`);
const MODULEPRELOAD = /<link rel="modulepreload" href="([^"]+)"/g;

/**
 * The chunks a page runs as it starts: its module scripts and the chunks of the islands that hydrate
 * at once (site paths, in page order).
 * @param {string} html
 */
export function startupEntries(html) {
  const entries = [...html.matchAll(MODULE_SCRIPT)].map((m) => /** @type {string} */ (m[1]));
  for (const [tag] of html.matchAll(ISLAND)) {
    const when = ATTRIBUTE('client').exec(tag)?.[1];
    if (when !== 'load' && when !== 'only') continue;
    for (const attr of ['component-url', 'renderer-url']) {
      const url = ATTRIBUTE(attr).exec(tag)?.[1];
      if (url?.startsWith('/_astro/')) entries.push(url);
    }
  }
  return [...new Set(entries)];
}

/**
 * The entries and every chunk they import statically, transitively (site paths under `/_astro/`).
 * A chunk that is not in `astroDir` is an error: the page would fail to start.
 * @param {string} astroDir
 * @param {string[]} entries
 */
export function staticGraph(astroDir, entries) {
  const seen = new Set(entries);
  const queue = [...entries];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const file = join(astroDir, next.replace(/^\/_astro\//, ''));
    if (!existsSync(file)) throw new Error(`${next} is imported but not in the build`);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const dep = `/_astro/${m[1]}`;
      if (seen.has(dep)) continue;
      seen.add(dep);
      queue.push(dep);
    }
  }
  return [...seen];
}

/**
 * `html` with `<link rel="modulepreload">` for its start-up graph before `</head>`, leaving out what
 * the head already preloads. Unchanged when there is nothing to add.
 * @param {string} html
 * @param {string} astroDir
 */
export function withStartupPreloads(html, astroDir) {
  const already = new Set([...html.matchAll(MODULEPRELOAD)].map((m) => m[1]));
  const missing = staticGraph(astroDir, startupEntries(html)).filter((m) => !already.has(m));
  if (missing.length === 0 || !html.includes('</head>')) return { html, added: [] };
  const tags = missing.map((m) => `<link rel="modulepreload" href="${m}">`).join('');
  return { html: html.replace('</head>', `${tags}</head>`), added: missing };
}

/**
 * The built HTML pages under an Astro build's output `dir` (the `astro:build:done` hook's URL): the
 * output folder and each page's path inside it.
 * @param {URL} dir
 */
export function builtPages(dir) {
  const dist = fileURLToPath(dir);
  const pages = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html'));
  return { dist, pages };
}

/** @returns {import('astro').AstroIntegration} */
export function preloadModules() {
  return {
    name: 'bidstream:preload-modules',
    hooks: {
      'astro:build:done': ({ dir, logger }) => {
        const { dist, pages } = builtPages(dir);
        const astroDir = join(dist, '_astro');
        let total = 0;
        for (const p of pages) {
          const file = join(dist, p);
          const { html, added } = withStartupPreloads(readFileSync(file, 'utf8'), astroDir);
          if (added.length === 0) continue;
          writeFileSync(file, html);
          total += added.length;
        }
        logger.info(`start-up modules preloaded: ${total} links over ${pages.length} pages`);
      },
    },
  };
}
