import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Repository root and the production build the tests serve. */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const DIST = join(ROOT, 'frontend/dist');
export const SCREENSHOTS = join(ROOT, 'test-output/screenshots');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

/** Builds the frontend once if dist/ is missing (CI runs the build before the e2e project). */
export function ensureBuild(): void {
  if (!existsSync(join(DIST, 'index.html')))
    execFileSync('npm', ['run', 'build', '-w', 'frontend'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Serves frontend/dist like the hosts do (Amplify rewrite and the local web server):
 * `/u/<handle>` → `/u/index.html`, `/replay/<id>` → `/replay/index.html`; plus `/runtime-config.json`
 * and optional extra static roots (e.g. a fixture HLS directory under `/hls/`).
 */
export async function serveDist(
  runtimeConfig: (origin: string) => object,
  extra: Record<string, string> = {},
): Promise<{ origin: string; server: Server; close(): Promise<void> }> {
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path = decodeURIComponent(url.pathname);
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (path === '/runtime-config.json') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(runtimeConfig(origin)));
      return;
    }
    let root = DIST;
    for (const [prefix, dir] of Object.entries(extra)) {
      if (path.startsWith(prefix)) {
        root = dir;
        path = path.slice(prefix.length - 1);
      }
    }
    if (root === DIST) {
      if (/^\/u\/[^/]+\/?$/.test(path)) path = '/u/index.html';
      if (/^\/replay\/[^/]+\/?$/.test(path)) path = '/replay/index.html';
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('not found');
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return { origin, server, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Headless Debian Chromium with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required',
      `--disable-features=${[...playwrightDisabledFeatures(), ...CHROMIUM_UI_FEATURES_OFF].join(',')}`,
    ],
  });
}

/**
 * Chromium's own top-chrome UI (the omnibox popup's WebUI) loads in a renderer of its own on some new
 * tabs: about 0.7 s of CPU, on 2 cores, while the page under test starts (traced 2026-12-03).
 */
const CHROMIUM_UI_FEATURES_OFF = [
  'PreloadTopChromeWebUI',
  'WebUIOmniboxPopup',
  'WebUIOmniboxFullPopup',
  'WebUIOmniboxAimPopup',
];

/**
 * The Chromium features playwright-core turns off itself (its `chromiumSwitches`). Chromium keeps only
 * the last `--disable-features` switch, and ours comes after Playwright's, so ours must name them too;
 * they are read from playwright-core's bundle, and launching fails if they cannot be found there.
 */
export function playwrightDisabledFeatures(): string[] {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('playwright-core/lib/coreBundle'), 'utf8');
  const list = /\bdisabledFeatures = \[([\s\S]*?)\]/.exec(bundle)?.[1] ?? '';
  const names = [...list.replace(/\/\/.*$/gm, '').matchAll(/"([\w-]+)"/g)].map((m) => m[1] as string);
  if (!names.includes('PaintHolding'))
    throw new Error("playwright-core's own list of disabled Chromium features was not found: update launchChromium");
  return names;
}

/** Writes a short H.264 HLS test pattern (1 s segments) with ffmpeg; returns the directory. */
export function makeFixtureHls(seconds = 20): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-hls-'));
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=640x360:rate=30`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-g',
    '30',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-f',
    'hls',
    '-hls_time',
    '1',
    '-hls_list_size',
    '0',
    '-hls_playlist_type',
    'vod',
    join(dir, 'index.m3u8'),
  ]);
  return dir;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** An unsigned JWT Amplify accepts from storage (it decodes but does not verify client-side). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, iat: Math.floor(Date.now() / 1000), ...claims })}.sig`;
}

/** localStorage entries that make Amplify v6 see a signed-in user, in `groups` if given (fixture-mode tests only). */
export function signedInStorage(
  clientId: string,
  user: { sub: string; handle: string; email: string; groups?: string[] },
): Record<string, string> {
  const username = user.sub;
  const k = `CognitoIdentityServiceProvider.${clientId}`;
  return {
    [`${k}.LastAuthUser`]: username,
    [`${k}.${username}.idToken`]: fakeJwt({
      sub: user.sub,
      handle: user.handle,
      preferred_username: user.handle,
      email: user.email,
      token_use: 'id',
      'cognito:username': username,
      ...(user.groups ? { 'cognito:groups': user.groups } : {}),
    }),
    [`${k}.${username}.accessToken`]: fakeJwt({ sub: user.sub, token_use: 'access', username, client_id: clientId }),
    [`${k}.${username}.refreshToken`]: 'refresh',
    [`${k}.${username}.clockDrift`]: '0',
  };
}

/** Ensures the screenshot folder exists and returns a path in it. */
export function shot(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/**
 * Saves a screenshot of a page that rendered real content: no loading skeleton left in `<main>`,
 * text in it, and an image far larger than a blank page compresses to.
 */
export async function screenshotRendered(page: Page, name: string): Promise<string> {
  await expect
    .poll(() => page.evaluate(() => document.querySelectorAll('main .skeleton').length), { timeout: 15_000 })
    .toBe(0);
  expect(await page.evaluate(() => document.querySelector('main')?.innerText.trim().length ?? 0)).toBeGreaterThan(40);
  const path = shot(name);
  await page.screenshot({ path });
  expect(statSync(path).size).toBeGreaterThan(30_000);
  return path;
}
