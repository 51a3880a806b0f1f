// Live playback on the watch page against a local IVS stream published with OBS's default 2 s
// keyframes: the picture stays within the latency target, "Go live ›" appears once the viewer is more
// than 5 s behind (after a pause of 8 s) and takes them back. The rest of the API is answered from
// fixtures, as in watch-cues.test.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../../integration/local/ivs/helpers';
import { BOB, fixtureAnswerWithStreamer, fixtureContext, LAPTOP } from './fixture-site';
import { fixtureApi } from './fixtures';
import { behindLive, createLiveChannel, publishTo, startLiveSite, type LiveSite } from './live-site';

let live: LiveSite;

beforeAll(async () => {
  live = await startLiveSite('web-live');
});

afterAll(async () => {
  await live?.close();
});

it('watch page: "Go live ›" shows after an 8 s pause and brings the viewer back within the latency target', async () => {
  const stream = await createLiveChannel(live, 'web-live');
  // OBS's default keyframe interval: the local IVS re-encodes to 0.5 s segments.
  await publishTo(live, stream, ['-g', '60', '-keyint_min', '60']);

  const answer = fixtureAnswerWithStreamer(fixtureApi(live.origin), { playbackUrl: stream.channel.playbackUrl });
  const ctx = await fixtureContext(live.browser, live.origin, { user: BOB, viewport: LAPTOP }, answer);
  const page = await ctx.newPage();
  await page.goto(`${live.origin}/u/alice`);
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
  await page.waitForFunction(
    () => Number(document.querySelector('.player')?.getAttribute('data-behind-live')) > 0,
    null,
    { timeout: 15_000 },
  );
  // Back near the edge: the button goes and the page measures itself within the 3.5 s target.
  await waitFor(
    'playback back near live',
    async () => ((await behindLive(page)) > 0 && (await behindLive(page)) <= 3.5 ? true : undefined),
    15_000,
    500,
  );
  expect(await goLive.count()).toBe(0);
  await ctx.close();
});
