/**
 * `npm start -- --demo` as a newcomer meets it (startLocalPlatform on free ports + startDemo, what
 * the flag runs): within 60 s of the demo being ready a guest browser sees the live stream, chat
 * lines arriving, more than one viewer, an auction with bids arriving, and on browse a replay whose
 * timeline has three sale markers. Then the same show process, given only a web address and the
 * outbox, runs against a platform started without `--demo`: it reaches the platform through the
 * public endpoints alone (its import graph is checked in test/unit/local/demo-show/public-only.test.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, provisionChannel, signUpAndIn } from '../../../local/client';
import { startDemo, type RunningDemo } from '../../../local/demo';
import { AUDIENCE, PAST_SHOW_STREAMER } from '../../../local/demo-show/accounts';
import { testPatternArgs } from '../../../local/demo-show/clock';
import { launchDemoShow, type DemoShow } from '../../../local/demo-show/launch';
import { spawnGuarded } from '../../../local/process/children';
import { startLocalPlatform, type Endpoints, type LocalPlatform } from '../../../local/start';
import { launchChromium, ROOT, screenshotRendered } from './support';

const botHandles = new Set(AUDIENCE.map((a) => a.handle));
/** The number in "3 bids", "1 viewer". */
const count = (text: string) => Number(/(\d+)/.exec(text.replaceAll(',', ''))?.[1] ?? 0);

describe('npm start -- --demo', () => {
  let platform: LocalPlatform;
  let demo: RunningDemo;
  let browser: Browser;
  let dataDir: string;
  let readyAt = 0;
  const said: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
    // The newcomer's browser is open already: its start-up is not the demo's time.
    const launching = launchChromium();
    const t0 = Date.now();
    platform = await startLocalPlatform({ dataDir, ports: 'free', log: () => undefined });
    const up = Date.now();
    demo = await startDemo(platform, { say: (line) => said.push(line) });
    readyAt = Date.now();
    console.info(
      `demo e2e: platform up in ${((up - t0) / 1000).toFixed(1)} s, demo ready ${((readyAt - t0) / 1000).toFixed(1)} s after start`,
    );
    browser = await launching;
  });

  afterAll(async () => {
    // What the demo printed (the audience's CPU share, the past show) is in the test's log.
    console.info(said.join('\n'));
    await demo?.stop();
    await browser?.close();
    await platform?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints what to try: the watch page, the logins, where codes appear, the OBS server and key', () => {
    const text = said.join('\n');
    expect(text).toContain(`${platform.endpoints.webUrl}/u/demo`);
    expect(text).toContain(join(dataDir, 'outbox'));
    expect(text).toMatch(/Server rtmp:\/\/127\.0\.0\.1:\d+\/app\/, Stream key sk_/);
  });

  it('shows a guest, within 60 s, the live stream, chat, viewers, an auction with bids and a replay with 3 sale markers', async () => {
    // The budget. On a quiet run of this 2-core machine the last step (3 sale markers) came
    // 23.9 s after ready; each step's time is printed for the report.
    const deadline = readyAt + 60_000;
    const left = () => Math.max(1_000, deadline - Date.now());
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} ${((Date.now() - readyAt) / 1000).toFixed(1)} s after ready`);
    const page: Page = await browser.newPage();
    await page.goto(`${platform.endpoints.webUrl}/u/demo`);
    await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: left() });
    mark('first frame');

    const chatLines = page.locator('[data-testid=chat-lines] li[data-message-id]');
    await expect.poll(() => chatLines.count(), { timeout: left() }).toBeGreaterThan(0);
    const seenLines = await chatLines.count();
    await expect
      .poll(() => chatLines.count(), { timeout: left(), message: 'a new chat line' })
      .toBeGreaterThan(seenLines);
    expect(await page.locator('[data-testid=chat-lines]').innerText()).toMatch(new RegExp([...botHandles].join('|')));
    mark('a new chat line');

    // The guest alone would make 1: more means the simulated viewers are counted.
    await expect
      .poll(async () => count(await page.getByTestId('viewer-count').innerText()), {
        timeout: left(),
        message: 'viewers beyond the guest',
      })
      .toBeGreaterThan(1);
    mark('viewers beyond the guest');

    const auction = page.locator('[data-testid=product]', { hasText: 'Time left' }).first();
    await auction.waitFor({ timeout: left() });
    const bids = async () => count(await auction.getByTestId('product-status').innerText());
    const firstBids = await bids();
    await expect
      .poll(bids, { timeout: left(), message: 'a bid arriving on the running auction' })
      .toBeGreaterThan(firstBids);
    mark('a bid arriving');
    await screenshotRendered(page, 'demo-watch');

    // The past show, made through the real paths in the first minute, on browse with its three sales.
    const tile = page.locator('a.tile[href^="/replay/"]', { hasText: '3 sales' });
    await expect
      .poll(
        async () => {
          await page.goto(`${platform.endpoints.webUrl}/`);
          return tile
            .first()
            .isVisible({ timeout: 3_000 })
            .catch(() => false);
        },
        { timeout: left(), interval: 2_000, message: 'the past show on browse' },
      )
      .toBe(true);
    expect(await tile.first().innerText()).toContain(`@${PAST_SHOW_STREAMER.handle}`);
    await tile.first().click();
    await expect.poll(() => page.locator('.timeline .marker').count(), { timeout: left() }).toBe(3);
    mark('3 sale markers on the replay');
    console.info(`demo e2e: ${marks.join('; ')}`);
    expect(Date.now()).toBeLessThanOrEqual(deadline);
    await screenshotRendered(page, 'demo-replay');
  });
});

describe('the demo show against a platform started without --demo', () => {
  let platform: ChildProcess;
  let e: Endpoints;
  let show: DemoShow;
  let push: ChildProcess;
  let dataDir: string;
  const streamerAccount = { email: 'nora@example.com', password: 'Plain-Platform-2026!', handle: 'nora' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'demo-public-'));
    platform = spawnGuarded(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'plain-platform.ts'), dataDir],
      { cwd: ROOT, stderr: 'ignore' },
    );
    const started = await new Promise<{ endpoints: Endpoints; userPoolClientId: string }>((resolve, reject) => {
      createInterface({ input: platform.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.startsWith('PLATFORM '))
          resolve(JSON.parse(line.slice('PLATFORM '.length)) as { endpoints: Endpoints; userPoolClientId: string });
      });
      platform.once('exit', (code) => reject(new Error(`the platform process ended (${code}) before it answered`)));
    });
    e = started.endpoints;
    const nora = await signUpAndIn({
      cognitoUrl: e.cognitoUrl,
      clientId: started.userPoolClientId,
      outboxDir: join(dataDir, 'outbox'),
      ...streamerAccount,
    });
    await provisionChannel(e.graphqlUrl, nora.idToken, streamerAccount.handle);
    const { myStreamKey } = await gql<{ myStreamKey: { streamKey: string } }>(
      e.graphqlUrl,
      '{ myStreamKey { streamKey } }',
      {},
      nora.idToken,
    );
    push = spawnGuarded(
      'ffmpeg',
      [
        ...testPatternArgs({ size: '640x360', fps: 16, keyframeSeconds: 0.5, videoKbps: 500, seconds: 300 }),
        '-f',
        'flv',
        `${e.rtmpUrl}${myStreamKey.streamKey}`,
      ],
      { stdout: 'ignore', stderr: 'ignore' },
    );
    // Only the web address and the outbox: what a visitor of this platform has.
    show = launchDemoShow({
      webUrl: e.webUrl,
      outboxDir: join(dataDir, 'outbox'),
      streamer: streamerAccount,
      say: () => undefined,
    });
  });

  afterAll(async () => {
    await show?.stop();
    push?.kill('SIGKILL');
    if (platform?.exitCode === null) {
      platform.kill('SIGTERM');
      await new Promise((r) => platform.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('chats, likes, watches, bids, gifts and makes the past show through the public endpoints', async () => {
    type Streamer = { userId: string; likes: number | null; viewerCount: number };
    const nora = async () =>
      (await gql<{ streamer: Streamer }>(e.graphqlUrl, '{ streamer(handle: "nora") { userId likes viewerCount } }'))
        .streamer;
    const channelId = (await nora()).userId;
    const past = await show.next('past-show', 120_000);
    expect(past.created).toBe(true);
    const { replay } = await gql<{ replay: { sales: { buyerHandle: string; offsetMs: number | null }[] } }>(
      e.graphqlUrl,
      `{ replay(recordingId: "${past.recordingId}") { sales { buyerHandle offsetMs } } }`,
    );
    expect(replay.sales).toHaveLength(3);
    for (const s of replay.sales) expect(botHandles.has(s.buyerHandle) && s.offsetMs !== null).toBe(true);

    // A restart makes nothing twice: a second show process (--quiet) finds the show and the schedule there.
    const again = launchDemoShow({
      webUrl: e.webUrl,
      outboxDir: join(dataDir, 'outbox'),
      streamer: streamerAccount,
      quiet: true,
      say: () => undefined,
    });
    expect(await again.next('past-show', 60_000)).toEqual({
      type: 'past-show',
      recordingId: past.recordingId,
      created: false,
    });
    expect(await again.exited).toBe(0);
    const vera = await gql<{ streamer: { userId: string; status: string; schedule: { cancelled: boolean }[] } }>(
      e.graphqlUrl,
      `{ streamer(handle: "${PAST_SHOW_STREAMER.handle}") { userId status schedule { cancelled } } }`,
    );
    expect(vera.streamer.status).toBe('OFFLINE');
    expect(vera.streamer.schedule.filter((s) => !s.cancelled)).toHaveLength(1);
    const { recordings } = await gql<{ recordings: { items: unknown[] } }>(
      e.graphqlUrl,
      `{ recordings(userId: "${vera.streamer.userId}") { items { recordingId } } }`,
    );
    expect(recordings.items).toHaveLength(1);

    const opts = { timeout: 90_000, interval: 2_000 };
    await expect
      .poll(async () => {
        const { chatHistory } = await gql<{ chatHistory: { handle: string }[] }>(
          e.graphqlUrl,
          `{ chatHistory(channelId: "${channelId}") { handle } }`,
        );
        return new Set(chatHistory.map((m) => m.handle).filter((h) => botHandles.has(h))).size;
      }, opts)
      .toBeGreaterThanOrEqual(3);
    await expect.poll(async () => (await nora()).likes ?? 0, opts).toBeGreaterThan(0);
    await expect.poll(async () => (await nora()).viewerCount, opts).toBeGreaterThanOrEqual(3);
    await expect
      .poll(async () => {
        const { products } = await gql<{ products: { bidCount: number; highBidderHandle: string | null }[] }>(
          e.graphqlUrl,
          `{ products(channelId: "${channelId}") { bidCount highBidderHandle } }`,
        );
        return products.some((p) => p.bidCount > 0 && botHandles.has(p.highBidderHandle ?? ''));
      }, opts)
      .toBe(true);
    // Gifts are paid with coins the bots bought on the local checkout page.
    await expect
      .poll(async () => {
        const { topGifters } = await gql<{ topGifters: { handle: string }[] }>(
          e.graphqlUrl,
          `{ topGifters(channelId: "${channelId}") { handle } }`,
        );
        return topGifters.filter((g) => botHandles.has(g.handle)).length;
      }, opts)
      .toBeGreaterThan(0);
  });
});
