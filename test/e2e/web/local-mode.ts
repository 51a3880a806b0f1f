/**
 * What the journeys against the whole local mode share (startLocalPlatform on free ports in a fresh
 * data directory): signing up with the code from the local outbox, a streamer going live from
 * ffmpeg, and `useLocalPlatform`, which starts the platform and Chromium around a file's tests.
 * One copy for every e2e file that drives real users through the local mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium, ROOT } from './support';

/** What startLocalPlatform answers, as these tests use it. */
export interface LocalPlatform {
  endpoints: Record<string, string>;
  dataDir: string;
  userPoolId: string;
  stop(): Promise<void>;
}

/**
 * Starts the local mode on free ports in a fresh data directory named after the test; `opts` adds to
 * startLocalPlatform's options (e.g. `scheduleEveryMs`). `outbox` is where the local Cognito writes codes.
 */
export async function startLocal(
  name: string,
  opts: object = {},
): Promise<{ platform: LocalPlatform; outbox: string }> {
  const mod = (await import(/* @vite-ignore */ join(ROOT, 'local/start.ts'))) as {
    startLocalPlatform: (o?: object) => Promise<LocalPlatform>;
  };
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const platform = await mod.startLocalPlatform({ dataDir, ports: 'free', log: () => undefined, ...opts });
  return { platform, outbox: join(dataDir, 'outbox') };
}

/** The files in the local outbox that mention the address, newest first. */
export function mailsTo(outbox: string, email: string): string[] {
  const files = existsSync(outbox)
    ? readdirSync(outbox, { recursive: true, encoding: 'utf8' })
        .map((f) => join(outbox, f))
        .filter((f) => statSync(f).isFile())
    : [];
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files.filter((f) => readFileSync(f, 'utf8').includes(email));
}

/** Newest 6-digit code in the local outbox mentioning the address; '' until one arrives. */
export function confirmationCode(outbox: string, email: string): string {
  for (const f of mailsTo(outbox, email)) {
    const m = /\b(\d{6})\b/.exec(readFileSync(f, 'utf8'));
    if (m?.[1]) return m[1];
  }
  return '';
}

/** Signs up through the web app (code from the outbox) and waits to land on `next`. */
export async function signUp(
  page: Page,
  web: string,
  outbox: string,
  user: { email: string; handle: string; password?: string },
  next: string,
): Promise<void> {
  await page.goto(`${web}/signin/?mode=register&next=${encodeURIComponent(next)}`);
  await page.fill('#email', user.email);
  await page.fill('#handle', user.handle);
  await page.fill('#password', user.password ?? 'L0cal!pass-2026');
  await page.click('form button[type=submit]');
  await page.locator('#code').waitFor();
  await expect.poll(() => confirmationCode(outbox, user.email), { timeout: 20_000 }).toMatch(/^\d{6}$/);
  await page.fill('#code', confirmationCode(outbox, user.email));
  await page.click('form button[type=submit]');
  await page.waitForURL((u) => u.pathname.startsWith(next.split('?')[0] ?? next), { timeout: 30_000 });
}

/**
 * How pushStream encodes its test pattern. The defaults put a keyframe every 0.5 s, one local HLS
 * segment, so the local IVS copies the stream instead of re-encoding it (docs/local-ivs.md): a test
 * that wants the re-encoding path (an OBS-like 2 s GOP) asks for it.
 */
export interface TestPattern {
  /** @default 600 */
  seconds?: number;
  /** @default '640x360' */
  size?: string;
  /** @default 30 */
  fps?: number;
  /** Keyframe interval in frames. @default half of `fps` (0.5 s) */
  gop?: number;
  /** @default '800k' */
  bitrate?: string;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
}

const streams: ChildProcess[] = [];

/** Pushes an ffmpeg test pattern (with a tone) to the local RTMP ingest in real time. */
export function pushStream(rtmpBase: string, streamKey: string, pattern: TestPattern = {}): ChildProcess {
  const { seconds = 600, size = '640x360', fps = 30, bitrate = '800k', preset = 'veryfast' } = pattern;
  const gop = String(pattern.gop ?? Math.max(1, Math.round(fps / 2)));
  const p = spawn(
    'ffmpeg',
    [
      ...['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds)],
      ...['-c:v', 'libx264', '-preset', preset, '-tune', 'zerolatency'],
      ...['-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-b:v', bitrate],
      ...[
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '64k',
        '-f',
        'flv',
        `${rtmpBase.replace(/\/$/, '')}/${streamKey}`,
      ],
    ],
    { stdio: 'ignore' },
  );
  streams.push(p);
  return p;
}

/** Stops every stream pushStream started. */
export function stopStreams(): void {
  for (const p of streams.splice(0)) p.kill('SIGINT');
}

/**
 * A streamer signed up at the Studio creates their channel, copies the stream key from its card
 * and goes live from ffmpeg; resolves once the Studio says LIVE.
 */
export async function goLive(streamer: Page, web: string, rtmpBase: string): Promise<ChildProcess> {
  await streamer.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web });
  await streamer.locator('#pv-h').waitFor({ timeout: 30_000 });
  await streamer.click('form button[type=submit]');
  await streamer.getByTestId('stream-key').waitFor({ timeout: 60_000 });
  await streamer.locator('#skey ~ button', { hasText: 'Copy' }).click();
  const key = await streamer.evaluate(() => navigator.clipboard.readText());
  const ff = pushStream(rtmpBase, key);
  await expect.poll(() => streamer.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');
  return ff;
}

/** The local mode and Chromium around one e2e file, as `useLocalPlatform` hands them out. */
export interface LocalPlatformSession {
  readonly platform: LocalPlatform;
  readonly browser: Browser;
  /** The web app's URL. */
  readonly web: string;
  /** Where the local Cognito writes its codes. */
  readonly outbox: string;
  /** Signs a user up in the web app and lands on `next`. */
  signUp(page: Page, email: string, handle: string, next: string): Promise<void>;
  /** Pushes a test pattern to `streamKey` in real time. */
  pushStream(streamKey: string, pattern?: TestPattern): ChildProcess;
}

/** Starts the local mode and Chromium before the file's tests and stops both (and its streams) after. */
export function useLocalPlatform(name: string, opts: object = {}): LocalPlatformSession {
  let platform: LocalPlatform | undefined;
  let browser: Browser | undefined;
  let outbox = '';

  beforeAll(async () => {
    ({ platform, outbox } = await startLocal(name, opts));
    browser = await launchChromium();
  });

  afterAll(async () => {
    stopStreams();
    await browser?.close();
    await platform?.stop();
  });

  const session: LocalPlatformSession = {
    get platform() {
      if (!platform) throw new Error('the local platform is not started');
      return platform;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not started');
      return browser;
    },
    get web() {
      return platform?.endpoints['webUrl'] ?? '';
    },
    get outbox() {
      return outbox;
    },
    signUp: (page, email, handle, next) => signUp(page, session.web, outbox, { email, handle }, next),
    pushStream: (streamKey, pattern) => pushStream(session.platform.endpoints['rtmpUrl'] ?? '', streamKey, pattern),
  };
  return session;
}
