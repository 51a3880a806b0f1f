// The watch page shows a sale cue from IVS timed metadata: a live ffmpeg stream through the local
// IVS, PutMetadata with the backend's cue payload, and the production build's amazon-ivs-player
// raising TEXT_METADATA_CUE (the rest of the API answered from fixtures, as in pages.test.ts; the full
// path from a purchase through the sale-markers function is journeys.test.ts's to cover).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IvsClient, PutMetadataCommand } from '@aws-sdk/client-ivs';
import { BOB, fixtureAnswerWithStreamer, fixtureContext } from './fixture-site';
import { fixtureApi } from './fixtures';
import { createLiveChannel, publishTo, startLiveSite, type LiveSite } from './live-site';
import { screenshotRendered } from './support';

let live: LiveSite;

beforeAll(async () => {
  live = await startLiveSite('web-cues');
});

afterAll(async () => {
  await live?.close();
});

it('watch page: a PutMetadata sale cue shows as "Sold: <title>" once the player reaches it, also from a coalesced array payload', async () => {
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: live.ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stream = await createLiveChannel(live, 'web-cues');
  const channel = stream.channel;
  await publishTo(live, stream);

  const api = fixtureApi(live.origin);
  // alice streams through the local IVS: her streamer and playback-access answers carry its playback URL.
  const ctx = await fixtureContext(
    live.browser,
    live.origin,
    { user: BOB, viewport: { width: 1400, height: 900 } },
    fixtureAnswerWithStreamer(api, { playbackUrl: channel.playbackUrl }),
  );
  const page = await ctx.newPage();
  await page.goto(`${live.origin}/u/alice`);
  await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });

  // The sale-markers function's payload for one sale (lambdas/shared/domain/markers.ts).
  const sentAt = Date.now();
  await client.send(
    new PutMetadataCommand({
      channelArn: channel.arn,
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
      channelArn: channel.arn,
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
