import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startupEntries,
  staticGraph,
  withStartupPreloads,
  // @ts-expect-error -- plain JavaScript build step (checked with // @ts-check), no declaration file
} from '../../../frontend/build/preload-modules.mjs';

const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="modulepreload" href="/_astro/player.js"></head><body>
<astro-island uid="a" component-url="/_astro/Menu.js" renderer-url="/_astro/client.svelte.js" client="idle"></astro-island>
<astro-island uid="b" component-url="/_astro/Status.js" renderer-url="/_astro/client.svelte.js" client="load"></astro-island>
<astro-island uid="c" component-url="/_astro/Channel.js" renderer-url="/_astro/client.svelte.js" client="only"></astro-island>
<astro-island uid="d" component-url="/_astro/Footer.js" renderer-url="/_astro/client.svelte.js" client="visible"></astro-island>
</body></html><script type="module" src="/_astro/page.js"></script>`;

// Minified as Vite writes them: named, side-effect and re-export imports; a dynamic import.
const CHUNKS: Record<string, string> = {
  'page.js': 'import{p as a}from"./player-loader.js";import"./side.js";a();',
  'player-loader.js': 'import{c}from"./config.js";export const p=()=>import("./player.js");',
  'config.js': 'export{q as c}from"./queries.js";import*as f from"./format.js";export*from"./money.js";',
  'queries.js': 'export const q=1;',
  'format.js': 'export const f=1;',
  'money.js': 'export const m=1;',
  'side.js': 'document.title+="";',
  'player.js': 'import"./config.js";export const isPlayerSupported=true;',
  'Status.js': 'import{c}from"./config.js";export default 1;',
  'Channel.js': 'import{a}from"./big-island-dep.js";const lazy=()=>import("./chat.js");export default a;',
  'big-island-dep.js': 'export const a=2;',
  'client.svelte.js': 'export default 3;',
  'Menu.js': 'import"./amplify.js";',
  'Footer.js': 'export default 4;',
  'chat.js': 'export default 5;',
  'amplify.js': 'export default 6;',
};

/** page.js and what it imports statically, transitively. */
const PAGE_SCRIPT_GRAPH = [
  '/_astro/page.js',
  '/_astro/player-loader.js',
  '/_astro/side.js',
  '/_astro/config.js',
  '/_astro/queries.js',
  '/_astro/format.js',
  '/_astro/money.js',
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'startup-preload-'));
  for (const [name, src] of Object.entries(CHUNKS)) writeFileSync(join(dir, name), src);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("a page's start-up modules, named in its head (build/preload-modules.mjs)", () => {
  it('start from the page module scripts and the islands that hydrate at once, not the idle or visible ones', () => {
    expect(startupEntries(PAGE)).toEqual([
      '/_astro/page.js',
      '/_astro/Status.js',
      '/_astro/client.svelte.js',
      '/_astro/Channel.js',
    ]);
  });

  it('follow static imports of every kind, transitively, and leave dynamic imports for later', () => {
    const graph = staticGraph(dir, ['/_astro/page.js']);
    expect(new Set(graph)).toEqual(new Set(PAGE_SCRIPT_GRAPH));
    expect(staticGraph(dir, ['/_astro/Channel.js'])).not.toContain('/_astro/chat.js');
  });

  it('go into the head once each, leaving out what the head already preloads', () => {
    const { html, added } = withStartupPreloads(PAGE, dir);
    const links = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    expect(new Set(links).size).toBe(links.length);
    expect(links[0]).toBe('/_astro/player.js');
    expect(new Set(added)).toEqual(
      new Set([
        ...PAGE_SCRIPT_GRAPH,
        '/_astro/Status.js',
        '/_astro/client.svelte.js',
        '/_astro/Channel.js',
        '/_astro/big-island-dep.js',
      ]),
    );
    // All before </head>: the preload scanner reads them with the first bytes of the page.
    expect(html.indexOf('/_astro/queries.js')).toBeLessThan(html.indexOf('</head>'));
    for (const later of ['Menu.js', 'amplify.js', 'Footer.js', 'chat.js'])
      expect(added).not.toContain(`/_astro/${later}`);
  });

  it('leave a page without start-up scripts as it is, and refuse a graph that names a missing chunk', () => {
    const plain = '<html><head></head><body><p>Hi</p></body></html>';
    expect(withStartupPreloads(plain, dir)).toEqual({ html: plain, added: [] });
    writeFileSync(join(dir, 'page.js'), 'import"./gone.js";');
    expect(() => withStartupPreloads(PAGE, dir)).toThrow('/_astro/gone.js is imported but not in the build');
  });
});
