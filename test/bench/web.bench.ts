/**
 * Web bench: page weight per page from the production build (JavaScript and total bytes a first
 * visit downloads: HTML, CSS, island scripts and their static imports; lazily imported chunks such
 * as Amplify, the IVS player and its WASM listed separately), and time to first frame on the watch
 * page in headless Chromium — against the local mode when `local/start.ts` exists, otherwise against
 * a fixture API and an ffmpeg HLS test pattern served from 127.0.0.1 (labelled as such).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import type { BenchTable } from './run';
import { fixtureApi } from '../e2e/web/fixtures';
import { DIST, ensureBuild, launchChromium, makeFixtureHls, serveDist, signedInStorage } from '../e2e/web/support';

const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /import\(\s*["']([^"']+)["']\s*\)/g;
const ASSET_URL = /["'](\/_astro\/[^"']+\.(?:wasm|js))["']/g;

function resolveFrom(file: string, spec: string): string | null {
  if (spec.startsWith('/')) return join(DIST, spec);
  if (spec.startsWith('.')) return join(dirname(file), spec);
  return null;
}

/** Static-import closure of a set of JS files, plus lazily reachable files (dynamic imports, ?url assets). */
function jsGraph(entries: string[]): { eager: Set<string>; lazy: Set<string> } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const walk = (f: string, isLazy: boolean) => {
    const set = isLazy ? lazy : eager;
    if (set.has(f) || (isLazy && eager.has(f)) || !existsSync(f)) return;
    set.add(f);
    if (!f.endsWith('.js')) return;
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(STATIC_IMPORT)) {
      const r = m[1] && resolveFrom(f, m[1]);
      if (r) walk(r, isLazy);
    }
    for (const m of src.matchAll(DYNAMIC_IMPORT)) {
      const r = m[1] && resolveFrom(f, m[1]);
      if (r) walk(r, true);
    }
    for (const m of src.matchAll(ASSET_URL)) {
      const r = m[1] && resolveFrom(f, m[1]);
      if (r) walk(r, true);
    }
  };
  for (const e of entries) walk(e, false);
  for (const f of eager) lazy.delete(f);
  return { eager, lazy };
}

function pageWeights(): BenchTable {
  const pages = readdirSync(DIST, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('index.html'))
    .sort();
  const rows = pages.map((p) => {
    const file = join(DIST, p);
    const html = readFileSync(file, 'utf8');
    // Files the head preloads download with the page. The page's own start-up modules
    // (build/preload-modules.mjs) are counted as initial scripts, as before they were named there; the
    // rest (the watch page's player: build/preload-player.mjs) run later and are counted on their own.
    const PRELOAD_LINK = /<link rel="(?:modulepreload|preload)" href="(\/_astro\/[^"]+)"[^>]*>/g;
    const headLinks = [...html.matchAll(PRELOAD_LINK)].map((m) => join(DIST, m[1] ?? ''));
    const refs = [
      ...html.replace(PRELOAD_LINK, '').matchAll(/(?:src|href|component-url|renderer-url)="(\/_astro\/[^"]+)"/g),
    ].map((m) => join(DIST, m[1] ?? ''));
    const css = refs.filter((r) => r.endsWith('.css'));
    const { eager, lazy } = jsGraph(refs.filter((r) => r.endsWith('.js')));
    const preloaded = new Set(headLinks.filter((f) => !eager.has(f)));
    const inlineJs = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].reduce(
      (n, m) => n + (m[1]?.length ?? 0),
      0,
    );
    const size = (fs: Iterable<string>) => [...fs].reduce((n, f) => n + statSync(f).size, 0);
    const js = size(eager) + inlineJs;
    const cssBytes = size(new Set(css));
    return {
      page: `/${relative(DIST, dirname(file)).replace(/\\/g, '/')}`.replace(/\/$/, '') || '/',
      'html bytes': statSync(file).size,
      'initial JS bytes': js,
      'CSS bytes': cssBytes,
      'initial total bytes': statSync(file).size + js + cssBytes,
      'preloaded bytes': size(preloaded),
      'lazy JS+WASM bytes': size([...lazy].filter((f) => !preloaded.has(f))),
    };
  });
  return {
    title:
      'Page weight (production build, uncompressed; preloaded = named in the head, used later: the watch page’s IVS player, worker and WASM; lazy = loaded on demand: Amplify, IVS player + WASM elsewhere, chat SDK)',
    rows,
  };
}

/** Navigation start → first PLAYING frame (ms) of one visit to `url` in `ctx`. */
async function firstFrame(ctx: BrowserContext, url: string): Promise<number> {
  const page = await ctx.newPage();
  await page.goto(url);
  const ms = await page.waitForFunction(() => document.body.getAttribute('data-first-frame'), null, {
    timeout: 30_000,
  });
  const value = Math.round(Number(await ms.jsonValue()));
  await page.close();
  return value;
}

/**
 * Cold: five fresh browser contexts (empty HTTP cache) each open `url` once. Warm: one context
 * opens it once (not counted), then five more times, as a returning viewer with the assets cached.
 */
async function firstFrameSamples(
  browser: Browser,
  url: string,
  prepare?: (ctx: BrowserContext) => Promise<void>,
): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ctx = await browser.newContext();
    await prepare?.(ctx);
    cold.push(await firstFrame(ctx, url));
    await ctx.close();
  }
  const warm: number[] = [];
  const ctx = await browser.newContext();
  await prepare?.(ctx);
  await firstFrame(ctx, url);
  for (let i = 0; i < 5; i++) warm.push(await firstFrame(ctx, url));
  await ctx.close();
  return { cold, warm };
}

function summarize(samples: number[]): { median: number; row: Record<string, number> } {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    median,
    row: { runs: sorted.length, 'min ms': sorted[0] ?? 0, 'median ms': median, 'max ms': sorted.at(-1) ?? 0 },
  };
}

/** Rows and verdict for cold and warm samples against the TTFF targets (p50 ≤ 1.5 s warm, ≤ 3 s cold). */
function ttffTable(title: string, samples: { cold: number[]; warm: number[] }): BenchTable {
  const cold = summarize(samples.cold);
  const warm = summarize(samples.warm);
  return {
    title,
    rows: [
      { visit: 'cold (fresh context)', ...cold.row },
      { visit: 'warm (returning viewer)', ...warm.row },
    ],
    verdict: `Targets: p50 ≤ 1500 ms warm (${warm.median} ms: ${warm.median <= 1500 ? 'met' : 'NOT met'}), ≤ 3000 ms cold (${cold.median} ms: ${cold.median <= 3000 ? 'met' : 'NOT met'}).`,
  };
}

async function timeToFirstFrame(): Promise<BenchTable> {
  const hls = makeFixtureHls(30);
  const clientId = 'bench-client';
  const site = await serveDist(
    (origin) => ({
      stage: 'bench',
      region: 'us-east-1',
      graphqlUrl: `${origin}/graphql`,
      userPoolId: 'us-east-1_bench',
      userPoolClientId: clientId,
      identityPoolId: '',
      guestAuthMode: 'none',
      chatMessagingEndpoint: 'ws://127.0.0.1:9',
      replayBaseUrl: origin,
      player: { lowLatency: true },
    }),
    { '/hls/': hls },
  );
  const api = fixtureApi(site.origin);
  const browser = await launchChromium();
  let samples = { cold: [] as number[], warm: [] as number[] };
  try {
    samples = await firstFrameSamples(browser, `${site.origin}/u/alice`, async (ctx) => {
      await ctx.addInitScript(
        (e: Record<string, string>) => {
          for (const [k, v] of Object.entries(e)) localStorage.setItem(k, v);
        },
        signedInStorage(clientId, { sub: 'u-bob', handle: 'bob', email: 'b@example.com' }),
      );
      await ctx.route(`${site.origin}/graphql`, (route) => {
        const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
        return route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({ data: api.answer(api.opName(body.query), body.variables ?? {}) }),
        });
      });
    });
  } finally {
    await browser.close();
    await site.close();
    rmSync(hls, { recursive: true, force: true });
  }
  return ttffTable(
    'Watch page: navigation start → first PLAYING frame (headless Chromium, fixture API + local ffmpeg HLS, 1 s segments, loopback)',
    samples,
  );
}

/** The same measurement against the running local mode: the demo streamer live from ffmpeg over RTMP, watched as a guest. */
async function timeToFirstFrameLocal(): Promise<BenchTable> {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { startLocalPlatform } = await import('../../local/start');
  const { runDemo } = await import('../../local/demo');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-local-'));
  const platform = await startLocalPlatform({ dataDir, ports: 'free', log: () => undefined });
  const { ffmpeg } = await runDemo(platform, () => undefined);
  const browser = await launchChromium();
  let samples = { cold: [] as number[], warm: [] as number[] };
  try {
    // Wait until the channel has segments, as a viewer arriving at a running show would.
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${platform.endpoints.graphqlUrl}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ streamer(handle: "demo") { status playbackUrl } }' }),
      });
      const s = ((await r.json()) as { data?: { streamer?: { status: string; playbackUrl: string } } }).data?.streamer;
      if (
        s?.status === 'LIVE' &&
        (
          await fetch(s.playbackUrl)
            .then((x) => x.text())
            .catch(() => '')
        ).includes('.ts')
      )
        break;
      await new Promise((res) => setTimeout(res, 200));
    }
    samples = await firstFrameSamples(browser, `${platform.endpoints.webUrl}/u/demo`);
  } finally {
    await browser.close();
    ffmpeg.kill('SIGKILL');
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return ttffTable(
    'Watch page against the local mode: navigation start → first PLAYING frame (guest, demo stream: ffmpeg → RTMP → local HLS, 0.5 s segments)',
    samples,
  );
}

export default async function bench(): Promise<BenchTable[]> {
  ensureBuild();
  return [pageWeights(), await timeToFirstFrame(), await timeToFirstFrameLocal()];
}
