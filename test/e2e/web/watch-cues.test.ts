// The watch page shows a sale cue from IVS timed metadata: a live ffmpeg stream through the local
// IVS, PutMetadata with the backend's cue payload, and the production build's amazon-ivs-player
// raising TEXT_METADATA_CUE (the rest of the API answered from fixtures, as in pages.test.ts; the full
// path from a purchase through the sale-markers function is journeys.test.ts's to cover).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateChannelCommand, IvsClient, PutMetadataCommand } from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../local/s3/store';
import { startLocalIvs, type LocalIvs } from '../../../local/ivs/index';
import { publish, waitFor, type Publisher } from '../../integration/local/ivs/helpers';
import { startFakeChat } from './fake-chat';
import { fixtureApi } from './fixtures';
import { ensureBuild, launchChromium, screenshotRendered, serveDist, signedInStorage } from './support';

const CLIENT_ID = 'fixture-client';
let dir: string;
let ivs: LocalIvs;
let pub: Publisher | undefined;
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;

beforeAll(async () => {
  ensureBuild();
  dir = mkdtempSync(join(tmpdir(), 'web-cues-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
  });
  chat = await startFakeChat();
  site = await serveDist((origin) => ({
    stage: 'fixture',
    region: 'us-east-1',
    graphqlUrl: `${origin}/graphql`,
    userPoolId: 'us-east-1_fixture',
    userPoolClientId: CLIENT_ID,
    userPoolEndpoint: `${origin}/cognito`,
    identityPoolId: '',
    guestAuthMode: 'none',
    chatMessagingEndpoint: chat.url,
    replayBaseUrl: origin,
    player: { lowLatency: true },
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

it('watch page: a PutMetadata sale cue shows as "Sold: <title>" once the player reaches it, also from a coalesced array payload', async () => {
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { channel, streamKey } = await client.send(new CreateChannelCommand({ name: 'web-cues', latencyMode: 'LOW' }));
  pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`);
  await waitFor(
    'the live playlist',
    async () => ((await (await fetch(channel!.playbackUrl!)).text()).includes('#EXTINF') ? true : undefined),
    30_000,
    200,
  );

  const api = fixtureApi(site.origin);
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(
    (entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
    },
    signedInStorage(CLIENT_ID, { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' }),
  );
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    let data = api.answer(op, body.variables ?? {}) as Record<string, unknown> | null;
    // alice streams through the local IVS.
    if (op === 'Streamer' && data?.['streamer'])
      data = { streamer: { ...(data['streamer'] as object), playbackUrl: channel!.playbackUrl } };
    // The watch page plays the URL playbackAccess answers (with a token when the channel is authorized).
    if (op === 'PlaybackAccess' && data?.['playbackAccess'])
      data = { playbackAccess: { ...(data['playbackAccess'] as object), playbackUrl: channel!.playbackUrl } };
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ data }) });
  });
  const page = await ctx.newPage();
  await page.goto(`${site.origin}/u/alice`);
  await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });

  // The sale-markers function's payload for one sale (lambdas/shared/domain/markers.ts).
  const sentAt = Date.now();
  await client.send(
    new PutMetadataCommand({
      channelArn: channel!.arn,
      metadata: JSON.stringify({
        kind: 'sale',
        productId: 'p1',
        price: 42_000,
        currency: 'USD',
        saleId: 'sa9',
        title: 'Charizard Base Set PSA 9',
      }),
    }),
  );
  const note = page.locator('.cue[role=status]', { hasText: 'Sold: Charizard Base Set PSA 9' });
  await note.waitFor({ timeout: 15_000 });
  const shownAfter = (Date.now() - sentAt) / 1000;
  await screenshotRendered(page, 'local-watch-sale-cue');
  // It shows about one live latency after the call (the picture's delay), not at once.
  expect(shownAfter).toBeGreaterThan(1);
  expect(shownAfter).toBeLessThan(10);
  // A coalesced burst (one payload, a JSON array): each cue reaches the page; the last one shows.
  await client.send(
    new PutMetadataCommand({
      channelArn: channel!.arn,
      metadata: JSON.stringify([
        { kind: 'featured', productId: 'p3', title: 'Pikachu promo' },
        { kind: 'sale', productId: 'p2', title: 'Booster box (sealed)' },
      ]),
    }),
  );
  await page.locator('.cue[role=status]', { hasText: 'Sold: Booster box (sealed)' }).waitFor({ timeout: 15_000 });
  console.log(`sale cue shown ${shownAfter.toFixed(2)} s after PutMetadata`);
  await ctx.close();
});
