import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openChannel,
  takeOpenedChannel,
  type OpenedChannel,
} from '../../../frontend/src/features/profile/open-channel';
// @ts-expect-error -- plain JavaScript build step (checked with // @ts-check), no declaration file
import { playerAssets, preloadTags, PRELOAD_MARKER } from '../../../frontend/build/preload-player.mjs';

const answer = (handle: string) => ({ streamer: { handle }, playbackAccess: null }) as unknown as OpenedChannel;

/** An `ask` that answers at once and records the handles it was asked for. */
function recordingAsk() {
  const asked: string[] = [];
  const ask = (h: string) => {
    asked.push(h);
    return Promise.resolve(answer(h));
  };
  return { asked, ask };
}

describe("the watch page's early question about the channel", () => {
  it('is asked once per handle and handed to the island once; later loads ask afresh', async () => {
    const { asked, ask } = recordingAsk();
    const early = openChannel('alice', ask);
    expect(openChannel('alice', ask)).toBe(early);
    expect(asked).toEqual(['alice']);
    expect(takeOpenedChannel('alice')).toBe(early);
    expect(await early).toEqual(answer('alice'));
    expect(takeOpenedChannel('alice')).toBeNull();
  });

  it('is not handed to a page about another handle: that island asks for its own', async () => {
    const { asked, ask } = recordingAsk();
    void openChannel('bob', ask);
    expect(await takeOpenedChannel('carol', ask)).toEqual(answer('carol'));
    expect(asked).toEqual(['bob', 'carol']);
  });

  it("is asked once when the island runs before the page's script: the script shares the island's request", async () => {
    const { asked, ask } = recordingAsk();
    const island = takeOpenedChannel('erin', ask);
    expect(openChannel('erin', ask)).toBe(island);
    expect(asked).toEqual(['erin']);
    expect(await island).toEqual(answer('erin'));
    // The island's later loads ask afresh.
    expect(takeOpenedChannel('erin', ask)).toBeNull();
  });

  it('a failure nobody takes is not an unhandled rejection; the island that takes it sees it', async () => {
    void openChannel('dave', () => Promise.reject(new Error('offline')));
    await new Promise((r) => setTimeout(r, 10));
    await expect(takeOpenedChannel('dave')).rejects.toThrow('offline');
  });
});

describe('the build step that names the player’s files in the watch page head', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A built _astro directory shaped as Vite writes it (names from a real build). */
  function built(loader = 'player-loader.BMuZJ1jH.js') {
    dir = mkdtempSync(join(tmpdir(), 'preload-'));
    const astro = join(dir, '_astro');
    mkdirSync(astro);
    const put = (f: string, s: string) => writeFileSync(join(astro, f), s);
    put(
      loader,
      'import{p as g}from"./config.BVvwmWAr.js";function S(){return Promise.all([c(()=>import("./index.DHpJL87H.js"),[]),c(()=>import("./amazon-ivs-wasmworker.min.BNF23d64.js"),[]),c(()=>import("./amazon-ivs-wasmworker.min.JBXRY0cQ.js"),[])])}',
    );
    put('config.BVvwmWAr.js', 'export const p=1;');
    put(
      'index.DHpJL87H.js',
      'import{e as t}from"./events.Ab12Cd34.js";const isPlayerSupported=!0;export{isPlayerSupported};',
    );
    put('events.Ab12Cd34.js', 'export{u as e}from"./util.Qw34Er56.js";');
    put('util.Qw34Er56.js', 'export const u=1;');
    put(
      'amazon-ivs-wasmworker.min.BNF23d64.js',
      'const a="/_astro/amazon-ivs-wasmworker.min.Bnzks5UK.js";export{a as default};',
    );
    put(
      'amazon-ivs-wasmworker.min.JBXRY0cQ.js',
      'const a="/_astro/amazon-ivs-wasmworker.min.B0rxkYyz.wasm";export{a as default};',
    );
    put('amazon-ivs-wasmworker.min.Bnzks5UK.js', 'self.onmessage=()=>WebAssembly;');
    return astro;
  }

  it('finds the player chunk with its static imports at every depth, the worker script and the WASM', () => {
    expect(playerAssets(built())).toEqual({
      modules: ['/_astro/index.DHpJL87H.js', '/_astro/events.Ab12Cd34.js', '/_astro/util.Qw34Er56.js'],
      worker: '/_astro/amazon-ivs-wasmworker.min.Bnzks5UK.js',
      wasm: '/_astro/amazon-ivs-wasmworker.min.B0rxkYyz.wasm',
    });
  });

  it('finds them whatever chunk player-loader.ts was bundled into', () => {
    expect(playerAssets(built('Channel.C6ZlnBbd.js'))?.worker).toBe('/_astro/amazon-ivs-wasmworker.min.Bnzks5UK.js');
  });

  it('answers null when the build has no player', () => {
    dir = mkdtempSync(join(tmpdir(), 'preload-'));
    mkdirSync(join(dir, '_astro'));
    writeFileSync(join(dir, '_astro', 'a.js'), 'export const a=1;');
    expect(playerAssets(join(dir, '_astro'))).toBeNull();
  });

  it('writes a module preload per chunk, the worker as a script and the WASM as a CORS fetch, marked for the early worker', () => {
    const tags = preloadTags({ modules: ['/_astro/p.js'], worker: '/_astro/w.js', wasm: '/_astro/w.wasm' });
    expect(tags).toBe(
      '<link rel="modulepreload" href="/_astro/p.js"><link rel="preload" href="/_astro/w.js" as="script" data-player-worker><link rel="preload" href="/_astro/w.wasm" as="fetch" type="application/wasm" crossorigin="anonymous" data-player-wasm>',
    );
    expect(PRELOAD_MARKER.test('<meta name="bidstream-preload" content="player">')).toBe(true);
  });
});
