// DVR on the watch page against a local IVS stream that records: once the recording holds more than a
// minute, "−60 s" switches the player to the in-progress recording (the IVS DVR pattern: the
// recording's HLS in S3, which the local IVS appends to while live) a minute behind live, and
// "Go live ›" brings the viewer back near the live edge. The stream runs about 70 s: the test takes
// about 1.5 minutes. The rest of the API is answered from fixtures, as in watch-live.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateChannelCommand, IvsClient } from '@aws-sdk/client-ivs';
import { startLocalIvs, type LocalIvs } from '../../../local/ivs/index';
import { startLocalS3, type LocalS3 } from '../../../local/s3/index';
import { publish, waitFor, type Publisher } from '../../integration/local/ivs/helpers';
import { startFakeChat } from './fake-chat';
import { fixtureApi } from './fixtures';
import { ensureBuild, launchChromium, serveDist, signedInStorage } from './support';

let dir: string;
let s3: LocalS3;
let ivs: LocalIvs;
let pub: Publisher | undefined;
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;
const prefixes: string[] = [];

beforeAll(async () => {
  ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'web-dvr-'));
  s3 = await startLocalS3({ dataDir: join(dir, 's3'), port: 0, buckets: ['recordings'] });
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'), port: 0, rtmpPort: 0, recordings: { store: s3.store, bucket: 'recordings' },
    onEvent: async (e) => {
      const d = e.detail as Record<string, unknown>;
      if (d['recording_status'] === 'Recording Start' && typeof d['recording_s3_key_prefix'] === 'string') prefixes.push(d['recording_s3_key_prefix']);
    },
  });
  chat = await startFakeChat();
  site = await serveDist((origin) => ({
    stage: 'fixture', region: 'us-east-1', graphqlUrl: `${origin}/graphql`, userPoolId: 'us-east-1_fixture', userPoolClientId: 'fixture-client',
    userPoolEndpoint: `${origin}/cognito`, identityPoolId: '', guestAuthMode: 'none', chatMessagingEndpoint: chat.url,
    replayBaseUrl: `${s3.url}/recordings`, player: { lowLatency: true, dvrWindowMinutes: 10 },
  }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await chat?.close();
  await pub?.stop();
  await ivs?.stop();
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const behindLive = async (page: Page) => Number(await page.locator('.player').getAttribute('data-behind-live'));
const recordedSeconds = (playlist: string) => [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);

it('watch page: "−60 s" plays the recording a minute behind live, "Go live ›" returns to the live edge', async () => {
  const client = new IvsClient({ region: 'us-east-1', endpoint: ivs.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { channel, streamKey } = await client.send(new CreateChannelCommand({ name: 'web-dvr', latencyMode: 'LOW', recordingConfigurationArn: ivs.recordingConfigurationArn }));
  pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`, { extraArgs: ['-g', '15', '-keyint_min', '15'] });
  const prefix = await waitFor('the recording to start', async () => prefixes[0], 30_000, 200);
  const base = `${s3.url}/recordings/${prefix}`;
  // A minute and a bit of recording, so a full 60 s step fits inside it.
  await waitFor('66 s of recording', async () => {
    const r = await fetch(`${base}/media/hls/source/playlist.m3u8`);
    return r.ok && recordedSeconds(await r.text()) >= 66 ? true : undefined;
  }, 120_000, 1000);

  const api = fixtureApi(site.origin);
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await ctx.addInitScript((entries: Record<string, string>) => {
    for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
  }, signedInStorage('fixture-client', { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' }));
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    let data = api.answer(op, body.variables ?? {}) as Record<string, unknown> | null;
    if (op === 'Streamer' && data?.['streamer']) {
      data = { streamer: { ...(data['streamer'] as object), playbackUrl: channel!.playbackUrl, liveThumbnailUrl: `${base}/media/latest_thumbnail/thumb.jpg` } };
    }
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ data }) });
  });
  const page = await ctx.newPage();
  await page.goto(`${site.origin}/u/alice`);
  await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
  await page.waitForTimeout(2000);
  const before = await behindLive(page);
  expect(before).toBeLessThan(5);

  await page.getByRole('button', { name: 'Back 60 seconds' }).click();
  await page.waitForSelector('.player[data-dvr="recording"][data-status="playing"]', { timeout: 20_000 });
  await page.waitForTimeout(2000);
  // A minute behind live (plus where the viewer was), playing the recording, the scrub bar shown.
  const back = await behindLive(page);
  expect(back).toBeGreaterThanOrEqual(58);
  expect(back).toBeLessThanOrEqual(before + 60 + 6);
  expect(await page.getByRole('slider').count()).toBe(1);
  const t0 = await page.evaluate(() => document.querySelector('video')!.currentTime);
  await page.waitForTimeout(2000);
  expect(await page.evaluate(() => document.querySelector('video')!.currentTime)).toBeGreaterThan(t0 + 1);

  await page.getByRole('button', { name: 'Go live ›' }).click();
  await page.waitForFunction(() => !document.querySelector('.player')?.hasAttribute('data-dvr'), null, { timeout: 5000 });
  await waitFor('playback back near live', async () => ((await behindLive(page)) > 0 && (await behindLive(page)) <= 3.5 ? true : undefined), 20_000, 500);
  await ctx.close();
}, 240_000);
