// What the journeys against the local mode share: starting the platform on free ports, signing up
// with the code from the local outbox, and a streamer going live from ffmpeg.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './support';

/** What startLocalPlatform answers, as these tests use it. */
export interface LocalPlatform {
  endpoints: Record<string, string>;
  dataDir: string;
  userPoolId: string;
  stop(): Promise<void>;
}

/** Starts the local mode on free ports in a fresh data directory named after the test. */
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

/** Newest 6-digit code in the local outbox mentioning the address (local Cognito writes codes there); '' until one arrives. */
export function confirmationCode(outbox: string, email: string): string {
  const files = existsSync(outbox)
    ? readdirSync(outbox, { recursive: true, encoding: 'utf8' })
        .map((f) => join(outbox, f))
        .filter((f) => statSync(f).isFile())
    : [];
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

const streams: ChildProcess[] = [];

/** Pushes an ffmpeg test pattern to the local RTMP ingest for `seconds`. */
export function pushStream(rtmpBase: string, streamKey: string, seconds = 600): ChildProcess {
  const p = spawn(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=30',
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
      '-b:v',
      '800k',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-f',
      'flv',
      `${rtmpBase.replace(/\/$/, '')}/${streamKey}`,
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
