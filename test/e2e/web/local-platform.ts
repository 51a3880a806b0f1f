/**
 * What the e2e files that run against the local mode share: starting it on free ports, signing up
 * through the web app (codes from the local outbox), going live from the Studio with an ffmpeg
 * stream, and buying coins through the local Stripe checkout page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './support';

const START = join(ROOT, 'local/start.ts');
const PASSWORD = 'G1fts!pass-2026';

/** The local mode as startLocalPlatform returns it. */
export interface LocalPlatform {
  endpoints: Record<string, string>;
  dataDir: string;
  userPoolId: string;
  stop(): Promise<void>;
}

/** One e2e file's local mode: its web and RTMP URLs, its outbox, and the ffmpeg streams it pushed. */
export interface LocalRun {
  platform: LocalPlatform;
  web: string;
  rtmp: string;
  outbox: string;
  ffmpegs: ChildProcess[];
  /** Stops the streams, then the platform. */
  stop(): Promise<void>;
}

/** Starts the local mode on free ports in a fresh data directory named after `name`. */
export async function startLocal(name: string, options: Record<string, unknown> = {}): Promise<LocalRun> {
  const mod = (await import(/* @vite-ignore */ START)) as { startLocalPlatform: (o?: object) => Promise<LocalPlatform> };
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const platform = await mod.startLocalPlatform({ dataDir, ports: 'free', log: () => undefined, ...options });
  const ffmpegs: ChildProcess[] = [];
  return {
    platform,
    web: platform.endpoints['webUrl'] ?? '',
    rtmp: platform.endpoints['rtmpUrl'] ?? '',
    outbox: join(dataDir, 'outbox'),
    ffmpegs,
    async stop() {
      for (const p of ffmpegs) p.kill('SIGINT');
      await platform.stop();
    },
  };
}

/** Newest 6-digit code in the local outbox mentioning the address (local Cognito writes codes there), or ''. */
export function confirmationCode(outbox: string, email: string): string {
  const files = existsSync(outbox) ? readdirSync(outbox, { recursive: true, encoding: 'utf8' }).map((f) => join(outbox, f)).filter((f) => statSync(f).isFile()) : [];
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (text.includes(email)) {
      const m = /\b(\d{6})\b/.exec(text);
      if (m?.[1]) return m[1];
    }
  }
  return '';
}

/** Signs up through the web app's form and its confirmation code, landing on `next`. */
export async function signUp(page: Page, run: LocalRun, email: string, handle: string, next: string): Promise<void> {
  await page.goto(`${run.web}/signin/?mode=register&next=${encodeURIComponent(next)}`);
  await page.fill('#email', email);
  await page.fill('#handle', handle);
  await page.fill('#password', PASSWORD);
  await page.click('form button[type=submit]');
  await page.locator('#code').waitFor();
  await expect.poll(() => confirmationCode(run.outbox, email), { timeout: 20_000 }).toMatch(/^\d{6}$/);
  await page.fill('#code', confirmationCode(run.outbox, email));
  await page.click('form button[type=submit]');
  await page.waitForURL((u) => u.pathname.startsWith(next.split('?')[0] ?? next), { timeout: 30_000 });
}

/** Pushes an ffmpeg test pattern (with a tone) to the local ingest for `seconds`. */
export function pushStream(run: LocalRun, streamKey: string, seconds = 600): ChildProcess {
  const p = spawn('ffmpeg', ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-b:v', '800k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', `${run.rtmp.replace(/\/$/, '')}/${streamKey}`], { stdio: 'ignore' });
  run.ffmpegs.push(p);
  return p;
}

/**
 * A new streamer in their own browser context: signs up, creates the channel in the Studio, copies
 * the stream key from its card and goes live with ffmpeg. Returns the Studio page once it says LIVE.
 */
export async function goLiveFromStudio(browser: Browser, run: LocalRun, email: string, handle: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.web });
  await signUp(page, run, email, handle, '/studio/');
  await page.locator('#pv-h').waitFor({ timeout: 30_000 });
  await page.click('form button[type=submit]');
  await page.getByTestId('stream-key').waitFor({ timeout: 60_000 });
  await page.locator('#skey ~ button', { hasText: 'Copy' }).click();
  const key = await page.evaluate(() => navigator.clipboard.readText());
  pushStream(run, key);
  await expect.poll(() => page.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');
  return page;
}

/**
 * A new viewer in their own browser context (optionally at `viewport`): signs up and buys the coin
 * pack `packId` on the local checkout page. Returns the wallet page once the coins are credited.
 */
export async function viewerWithCoins(browser: Browser, run: LocalRun, email: string, handle: string, packId = 'coins-6500', viewport?: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.newContext(viewport ? { viewport } : {})).newPage();
  await signUp(page, run, email, handle, '/wallet/');
  await page.locator(`[data-testid=coin-pack][data-pack=${packId}] button`).click();
  await page.locator('#cardNumber').waitFor({ timeout: 20_000 });
  await page.fill('#cardNumber', '4242 4242 4242 4242');
  await page.fill('#expiry', '12 / 34');
  await page.fill('#cvc', '123');
  await page.getByRole('button', { name: /^Pay/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/wallet') && u.searchParams.has('checkout'), { timeout: 30_000 });
  await expect.poll(() => page.getByTestId('checkout-status').innerText(), { timeout: 30_000 }).toMatch(/Coins added/);
  return page;
}
