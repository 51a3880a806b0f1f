// Live playback on the watch page against a local IVS stream published with OBS's default 2 s
// keyframes: the picture stays within the latency target, "Go live ›" appears once the viewer is more
// than 5 s behind (after a pause of 8 s) and takes them back. The rest of the API is answered from
// fixtures, as in watch-cues.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateChannelCommand, IvsClient } from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../local/s3/store';
import { startLocalIvs, type LocalIvs } from '../../../local/ivs/index';
import { publish, waitFor, type Publisher } from '../../integration/local/ivs/helpers';
import { startFakeChat } from './fake-chat';
import { fixtureApi } from './fixtures';
import { ensureBuild, launchChromium, serveDist, signedInStorage } from './support';

let dir: string;
let ivs: LocalIvs;
let pub: Publisher | undefined;
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;

beforeAll(async () => {
  ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'web-live-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({ dataDir: join(dir, 'ivs'), port: 0, rtmpPort: 0, recordings: { store, bucket: 'recordings' }, onEvent: async () => undefined });
  chat = await startFakeChat();
  site = await serveDist((origin) => ({
    stage: 'fixture', region: 'us-east-1', graphqlUrl: `${origin}/graphql`, userPoolId: 'us-east-1_fixture', userPoolClientId: 'fixture-client',
    userPoolEndpoint: `${origin}/cognito`, identityPoolId: '', guestAuthMode: 'none', chatMessagingEndpoint: chat.url, replayBaseUrl: origin, player: { lowLatency: true },
  }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await chat?.close();
  await pub?.stop();
  await ivs?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The page's own estimate of how far behind live it plays (the player's data-behind-live). */
const behindLive = async (page: Page) => Number(await page.locator('.player').getAttribute('data-behind-live'));

it('watch page: "Go live ›" shows after an 8 s pause and brings the viewer back within the latency target', async () => {
  const client = new IvsClient({ region: 'us-east-1', endpoint: ivs.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { channel, streamKey } = await client.send(new CreateChannelCommand({ name: 'web-live', latencyMode: 'LOW' }));
  // OBS's default keyframe interval: the local IVS re-encodes to 0.5 s segments.
  pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`, { extraArgs: ['-g', '60', '-keyint_min', '60'] });
  await waitFor('the live playlist', async () => ((await (await fetch(channel!.playbackUrl!)).text()).includes('#EXTINF') ? true : undefined), 30_000, 200);

  const api = fixtureApi(site.origin);
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await ctx.addInitScript((entries: Record<string, string>) => {
    for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
  }, signedInStorage('fixture-client', { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' }));
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    let data = api.answer(op, body.variables ?? {}) as Record<string, unknown> | null;
    if (op === 'Streamer' && data?.['streamer']) data = { streamer: { ...(data['streamer'] as object), playbackUrl: channel!.playbackUrl } };
    // The watch page plays the URL playbackAccess answers (with a token when the channel is authorized).
    if (op === 'PlaybackAccess' && data?.['playbackAccess']) data = { playbackAccess: { ...(data['playbackAccess'] as object), playbackUrl: channel!.playbackUrl } };
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ data }) });
  });
  const page = await ctx.newPage();
  await page.goto(`${site.origin}/u/alice`);
  await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
  const goLive = page.getByRole('button', { name: 'Go live ›' });
  await page.waitForTimeout(3000);
  expect(await goLive.count()).toBe(0);

  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForTimeout(8000);
  await page.getByRole('button', { name: 'Play' }).click();
  await goLive.waitFor({ timeout: 5000 });
  expect(await behindLive(page)).toBeGreaterThan(5);

  await goLive.click();
  await page.waitForFunction(() => Number(document.querySelector('.player')?.getAttribute('data-behind-live')) > 0, null, { timeout: 15_000 });
  // Back near the edge: the button goes and the page measures itself within the 3.5 s target.
  await waitFor('playback back near live', async () => ((await behindLive(page)) > 0 && (await behindLive(page)) <= 3.5 ? true : undefined), 15_000, 500);
  expect(await goLive.count()).toBe(0);
  await ctx.close();
});
