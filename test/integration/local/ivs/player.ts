/**
 * amazon-ivs-player in headless Chromium against the local IVS playback URL: used by the timed
 * metadata test and the ingest latency bench. The page records TEXT_METADATA_CUE events (with the
 * wall-clock time they fired and the playhead then) and answers getLiveLatency() and the player state.
 * It plays live streams as the watch page does: the same module (frontend/src/features/watch/
 * player-policy.ts) sets the player up and decides the catch-up seek, on the same 500 ms tick.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const playerDir = dirname(require.resolve('amazon-ivs-player/package.json'));
const policyModule = fileURLToPath(
  new URL('../../../../frontend/src/features/watch/player-policy.ts', import.meta.url),
);

const PAGE = `<!doctype html><html><body>
<video id="v" muted playsinline style="width:640px;height:360px"></video>
<script src="/player/bundle.js"></script>
<script>
  const IVS = window.IVS;
  window.cues = [];
  window.states = [];
  window.errors = [];
  window.firstPlayingAt = null;
  window.skips = [];
  window.rebuffers = 0;
  window.start = (url) => {
    const p = IVS.create({ wasmWorker: location.origin + '/player/assets/amazon-ivs-wasmworker.min.js', wasmBinary: location.origin + '/player/assets/amazon-ivs-wasmworker.min.wasm' });
    window.player = p;
    p.attachHTMLVideoElement(document.getElementById('v'));
    p.setMuted(true);
    p.setAutoplay(true);
    window.policy.applyLivePolicy(p);
    const catchUp = window.policy.liveCatchUp();
    p.addEventListener(IVS.PlayerState.BUFFERING, () => {
      // The buffering a catch-up seek causes is not a rebuffer.
      const lastSkip = window.skips[window.skips.length - 1];
      if (window.firstPlayingAt && !(lastSkip && Date.now() - lastSkip.at < 2000)) window.rebuffers++;
      catchUp.buffering(Date.now());
    });
    setInterval(() => {
      const skip = catchUp.decide({ playing: p.getState() === IVS.PlayerState.PLAYING, ahead: p.getBufferDuration(), at: Date.now() });
      if (skip !== null) {
        window.skips.push({ at: Date.now(), from: p.getPosition(), by: skip });
        p.seekTo(p.getPosition() + skip);
      }
    }, 500);
    p.addEventListener(IVS.PlayerEventType.TEXT_METADATA_CUE, (cue) => window.cues.push({ text: cue.text, startTime: cue.startTime, at: Date.now(), position: p.getPosition() }));
    p.addEventListener(IVS.PlayerEventType.ERROR, (e) => window.errors.push(JSON.stringify(e)));
    p.addEventListener(IVS.PlayerState.PLAYING, () => { window.states.push('PLAYING'); if (!window.firstPlayingAt) window.firstPlayingAt = Date.now(); });
    catchUp.arm();
    p.load(url);
    p.play();
    return IVS.isPlayerSupported;
  };
</script></body></html>`;

export interface PlayerCue {
  text: string;
  startTime: number;
  at: number;
  position: number;
}

export interface PlayerHarness {
  readonly page: Page;
  /** Loads `url` in amazon-ivs-player; resolves once the call returned (not once playing). */
  load(url: string): Promise<void>;
  /** TEXT_METADATA_CUE events: text, cue start (player position, s), wall-clock time fired (ms), position then. */
  cues(): Promise<PlayerCue[]>;
  /** Seconds behind live according to the player, or undefined before it plays. */
  liveLatency(): Promise<number | undefined>;
  firstPlayingAt(): Promise<number | undefined>;
  /** Playhead position (s), wall-clock time of the sample (ms) and the video element's currentTime. */
  position(): Promise<{ position: number; at: number; currentTime: number } | undefined>;
  errors(): Promise<string[]>;
  /** Catch-up seeks the watch page's policy made: when (ms), from which position and by how many seconds. */
  skips(): Promise<{ at: number; from: number; by: number }[]>;
  /** Times the player went back to buffering after its first frame. */
  rebuffers(): Promise<number>;
  close(): Promise<void>;
}

export async function startPlayer(): Promise<PlayerHarness> {
  // The package is CommonJS with bare requires: bundle it for the page (as the web app's build does).
  const bundled = await build({
    stdin: {
      contents: `import * as IVS from 'amazon-ivs-player'; import * as policy from ${JSON.stringify(policyModule)}; window.IVS = IVS; window.policy = policy;`,
      resolveDir: playerDir,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const bundle = bundled.outputFiles[0]!.contents;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (path === '/player/bundle.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    if (path.startsWith('/player/')) {
      const rel = path.slice('/player/'.length);
      if (!/^assets\/[\w.-]+$/.test(rel)) return void res.writeHead(404).end();
      const type = rel.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      try {
        return void res.writeHead(200, { 'content-type': type }).end(readFileSync(join(playerDir, 'dist', rel)));
      } catch {
        return void res.writeHead(404).end();
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = await browser.newPage();
  await page.goto(origin);
  return {
    page,
    async load(url) {
      const supported = await page.evaluate((u) => (window as unknown as { start(u: string): boolean }).start(u), url);
      if (!supported) throw new Error('amazon-ivs-player says this browser is not supported');
    },
    cues: () => page.evaluate(() => (window as unknown as { cues: PlayerCue[] }).cues),
    liveLatency: () =>
      page.evaluate(() => {
        const w = window as unknown as { player?: { getLiveLatency(): number; getState(): string } };
        if (!w.player || w.player.getState() !== 'Playing') return undefined;
        return w.player.getLiveLatency();
      }),
    position: () =>
      page.evaluate(() => {
        const w = window as unknown as { player?: { getPosition(): number } };
        const v = document.getElementById('v') as HTMLVideoElement;
        return w.player ? { position: w.player.getPosition(), at: Date.now(), currentTime: v.currentTime } : undefined;
      }),
    firstPlayingAt: () =>
      page.evaluate(() => (window as unknown as { firstPlayingAt: number | null }).firstPlayingAt ?? undefined),
    errors: () => page.evaluate(() => (window as unknown as { errors: string[] }).errors),
    skips: () =>
      page.evaluate(() => (window as unknown as { skips: { at: number; from: number; by: number }[] }).skips),
    rebuffers: () => page.evaluate(() => (window as unknown as { rebuffers: number }).rebuffers),
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}
