/**
 * The whole local mode (startLocalPlatform, free ports) for e2e files that drive real users through
 * it: start and stop it with a browser, sign users up through the web app (codes from the local
 * outbox), and push a test stream from ffmpeg. One copy, shared by the files that need it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium, ROOT } from './support';

const START = join(ROOT, 'local/start.ts');

export interface Platform {
  endpoints: Record<string, string>;
  dataDir: string;
  userPoolId: string;
  stop(): Promise<void>;
}

export interface LocalPlatformSession {
  readonly platform: Platform;
  readonly browser: Browser;
  /** The web app's URL. */
  readonly web: string;
  /** Signs a user up in the web app and lands on `next`. */
  signUp(page: Page, email: string, handle: string, next: string): Promise<void>;
  /** Pushes a test pattern to `streamKey` in real time for `seconds`. */
  pushStream(streamKey: string, seconds?: number): ChildProcess;
}

/** Starts the local mode and Chromium before the file's tests and stops them after. */
export function useLocalPlatform(name: string): LocalPlatformSession {
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  let outbox = '';
  const ffmpegs: ChildProcess[] = [];

  /** Newest 6-digit code in the local outbox mentioning the address (local Cognito writes codes there). */
  const confirmationCode = (email: string): string => {
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
  };

  beforeAll(async () => {
    const mod = (await import(/* @vite-ignore */ START)) as { startLocalPlatform: (o?: object) => Promise<Platform> };
    const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
    outbox = join(dataDir, 'outbox');
    platform = await mod.startLocalPlatform({ dataDir, ports: 'free', log: () => undefined });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const p of ffmpegs) p.kill('SIGINT');
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
    async signUp(page, email, handle, next) {
      await page.goto(`${session.web}/signin/?mode=register&next=${encodeURIComponent(next)}`);
      await page.fill('#email', email);
      await page.fill('#handle', handle);
      await page.fill('#password', 'G1fts!pass-2026');
      await page.click('form button[type=submit]');
      await page.locator('#code').waitFor();
      await expect.poll(() => confirmationCode(email), { timeout: 20_000 }).toMatch(/^\d{6}$/);
      await page.fill('#code', confirmationCode(email));
      await page.click('form button[type=submit]');
      await page.waitForURL((u) => u.pathname.startsWith(next.split('?')[0] ?? next), { timeout: 30_000 });
    },
    pushStream(streamKey, seconds = 600) {
      const rtmpBase = platform?.endpoints['rtmpUrl'] ?? '';
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
      ffmpegs.push(p);
      return p;
    },
  };
  return session;
}
