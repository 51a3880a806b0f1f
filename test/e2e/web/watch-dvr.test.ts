// DVR on the watch page against a local IVS stream that records. Once the recording holds more than a
// minute, "−60 s" plays the recording's DVR view (a closed copy of the last window, written beside the
// recording while live: lambdas/shared/domain/dvr.ts) a minute behind live, and "Go live ›" brings the
// viewer back to live: within the latency target on a quiet machine (3.5 s), or where the page played live
// before the rewind when a loaded machine plays live later than that (the bench measures latency). How far behind the picture really is comes from the video:
// the recording keeps the publisher's timestamps, so the frame under the playhead has media time = the
// first recorded segment's PTS + the playhead, and media time t was published at the session's
// media-zero time + t (the method of the ingest-latency bench). Then the same on a phone. The stream
// runs about 90 s: the test takes about 2 minutes. The rest of the API is answered from fixtures.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { segmentMediaStart, waitFor } from '../../integration/local/ivs/helpers';
import { BOB, fixtureAnswerWithStreamer, fixtureContext, LAPTOP, PHONE } from './fixture-site';
import { fixtureApi } from './fixtures';
import { behindLive, createLiveChannel, publishTo, startLiveSite, type LiveSite } from './live-site';

let live: LiveSite;
const prefixes: string[] = [];

beforeAll(async () => {
  live = await startLiveSite('web-dvr', {
    replays: 'recordings',
    player: { lowLatency: true, dvrWindowMinutes: 10 },
    ivs: {
      dvrWindowSeconds: 600,
      onEvent: async (e) => {
        const d = e.detail as Record<string, unknown>;
        if (d['recording_status'] === 'Recording Start' && typeof d['recording_s3_key_prefix'] === 'string')
          prefixes.push(d['recording_s3_key_prefix']);
      },
    },
  });
});

afterAll(async () => {
  await live?.close();
});

const recordedSeconds = (playlist: string) =>
  [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);

it('watch page: "−60 s" plays the recording a minute behind live, "Go live ›" returns within the latency target; on a phone too', async () => {
  const stream = await createLiveChannel(live, 'web-dvr', true);
  const channel = stream.channel;
  // Half-second keyframes: the local IVS copies the stream (no re-encode), which keeps this long test light.
  await publishTo(live, stream, ['-g', '15', '-keyint_min', '15'], false);
  const prefix = await waitFor('the recording to start', async () => prefixes[0], 30_000, 200);
  const base = `${live.s3.url}/recordings/${prefix}`;
  // A minute and a bit in the DVR view, so a full 60 s step fits inside it.
  await waitFor(
    '66 s in the DVR view',
    async () => {
      const r = await fetch(`${base}/media/hls/source/dvr.m3u8`);
      return r.ok && recordedSeconds(await r.text()) >= 66 ? true : undefined;
    },
    150_000,
    1000,
  );
  const mediaZeroAt = live.ivs.live()[0]!.mediaZeroAt;
  const firstRecorded = await segmentMediaStart(`${base}/media/hls/source/0.ts`);
  expect(firstRecorded).toBeDefined();
  /** Seconds behind live of the frame under the playhead, from the video's own timestamps (the DVR view starts at 0.ts: under 10 minutes). */
  const pictureBehind = async (page: Page) => {
    const position = await page.evaluate(() => document.querySelector('video')!.currentTime);
    return (Date.now() - mediaZeroAt) / 1000 - (firstRecorded! + position);
  };

  const answer = fixtureAnswerWithStreamer(fixtureApi(live.origin), {
    playbackUrl: channel.playbackUrl,
    liveThumbnailUrl: `${base}/media/latest_thumbnail/thumb.jpg`,
  });
  const open = async (viewport: { width: number; height: number }, phone = false): Promise<[BrowserContext, Page]> => {
    const ctx = await fixtureContext(live.browser, live.origin, { user: BOB, viewport, mobile: phone }, answer);
    const page = await ctx.newPage();
    await page.goto(`${live.origin}/u/alice`);
    await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 60_000 });
    return [ctx, page];
  };

  const [ctx, page] = await open(LAPTOP);
  await page.waitForTimeout(2000);
  // Live latency on a loaded machine is measured by the bench, not here: "back to live" below means back to this.
  const before = await behindLive(page);
  const nearLive = Math.max(3.5, before + 1.5);

  await page.getByRole('button', { name: 'Back 60 seconds' }).click();
  await page.waitForSelector('.player[data-dvr="recording"][data-status="playing"]', { timeout: 20_000 });
  // A minute behind live (plus where the viewer was), by the page and by the picture itself, once the seek has settled.
  await waitFor(
    'the picture a minute behind',
    async () => {
      const b = await behindLive(page);
      return b >= 59 && b <= before + 63 && (await page.locator('.player').getAttribute('data-status')) === 'playing'
        ? true
        : undefined;
    },
    30_000,
    500,
  );
  await page.waitForTimeout(1000);
  const said = await behindLive(page);
  const seen = await pictureBehind(page);
  console.log(`DVR −60 s: ${before} s behind before, page says ${said} s, the picture is ${seen.toFixed(1)} s behind`);
  expect(said).toBeGreaterThanOrEqual(59);
  expect(said).toBeLessThanOrEqual(before + 63);
  expect(seen).toBeGreaterThanOrEqual(58);
  expect(Math.abs(seen - said), `picture ${seen.toFixed(1)} s behind, page says ${said} s`).toBeLessThan(2.5);
  expect(await page.getByRole('slider', { name: 'Position behind live' }).count()).toBe(1);
  // It plays on, still a minute behind.
  const t0 = await page.evaluate(() => document.querySelector('video')!.currentTime);
  await page.waitForTimeout(3000);
  expect(await page.evaluate(() => document.querySelector('video')!.currentTime)).toBeGreaterThan(t0 + 2);
  expect(Math.abs((await behindLive(page)) - said)).toBeLessThan(2);

  // "−10 s" seeks inside the loaded view: 10 s further back.
  await page.getByRole('button', { name: 'Back 10 seconds' }).click();
  await waitFor(
    '10 s further back',
    async () => {
      const b = await behindLive(page);
      return b >= said + 8 &&
        b <= said + 13 &&
        (await page.locator('.player').getAttribute('data-status')) === 'playing'
        ? true
        : undefined;
    },
    30_000,
    500,
  );
  await page.waitForTimeout(1000);
  const [said10, seen10] = [await behindLive(page), await pictureBehind(page)];
  console.log(`DVR −10 s more: page says ${said10} s, the picture is ${seen10.toFixed(1)} s behind`);
  expect(Math.abs(seen10 - said10)).toBeLessThan(2.5);

  await page.getByRole('button', { name: 'Go live ›' }).click();
  await page.waitForFunction(() => !document.querySelector('.player')?.hasAttribute('data-dvr'), null, {
    timeout: 5000,
  });
  const samples: number[] = [];
  await waitFor(
    'playback back near live',
    async () => {
      const b = await behindLive(page);
      samples.push(b);
      return b > 0 && b <= nearLive ? true : undefined;
    },
    20_000,
    500,
  ).catch(async (e: Error) => {
    throw new Error(
      `${e.message}: behind live after Go live ${samples.join(', ')}; ${JSON.stringify(await playerState(page))}`,
    );
  });
  console.log(`Go live: ${samples.at(-1)} s behind, ${samples.length / 2} s after the click`);
  await ctx.close();

  // A phone: the controls and the scrub bar fit on the picture, and work by touch.
  const [phoneCtx, phone] = await open(PHONE, true);
  // What the phone's player asks for and how it is answered, in the order asked, for the failure message.
  const phoneRequests: { path: string; outcome: string }[] = [];
  const asked = new Map<object, { path: string; outcome: string }>();
  phone.on('request', (r) => {
    const u = new URL(r.url());
    if (!/\.(m3u8|ts)$/.test(u.pathname)) return;
    const entry = { path: u.pathname.split('/').slice(-2).join('/'), outcome: 'pending' };
    phoneRequests.push(entry);
    asked.set(r, entry);
  });
  phone.on('requestfinished', (r) => {
    const entry = asked.get(r);
    if (entry) void r.response().then((res) => (entry.outcome = String(res?.status())));
  });
  phone.on('requestfailed', (r) => {
    const entry = asked.get(r);
    if (entry) entry.outcome = 'failed';
  });
  await phone.waitForTimeout(2000);
  // The phone's own live position: it started later than the laptop and may sit a little further back.
  const phoneNearLive = Math.max(3.5, (await behindLive(phone)) + 1.5);
  await phone.getByRole('button', { name: 'Back 60 seconds' }).tap();
  await phone.waitForSelector('.player[data-dvr="recording"][data-status="playing"]', { timeout: 20_000 });
  const box = (await phone.locator('.player').boundingBox())!;
  for (const control of [
    phone.getByRole('button', { name: 'Back 10 seconds' }),
    phone.getByRole('button', { name: 'Go live ›' }),
    phone.getByRole('slider', { name: 'Position behind live' }),
  ]) {
    const b = (await control.boundingBox())!;
    expect(
      b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width && b.y + b.height <= box.y + box.height,
    ).toBe(true);
  }
  // Once the seek has settled, as on the laptop.
  await waitFor(
    'the phone a minute behind',
    async () => ((await behindLive(phone)) >= 59 ? true : undefined),
    30_000,
    500,
  );
  const tapAt = phoneRequests.length;
  await phone.getByRole('button', { name: 'Go live ›' }).tap();
  const phoneSamples: number[] = [];
  await waitFor(
    'phone back near live',
    async () => {
      if (await phone.locator('.player[data-dvr]').count()) return undefined;
      const b = await behindLive(phone);
      phoneSamples.push(b);
      return b > 0 && b <= phoneNearLive ? true : undefined;
    },
    20_000,
    500,
  ).catch(async (e: Error) => {
    throw new Error(
      `${e.message}: behind live after Go live ${phoneSamples.join(', ')} (near live: ${phoneNearLive}); ${JSON.stringify(await playerState(phone))}; playback requests after the tap: ${phoneRequests
        .slice(tapAt)
        .map((q) => `${q.path}:${q.outcome}`)
        .join(' ')}`,
    );
  });
  await phoneCtx.close();
}, 300_000);

/** The video's state and the page's player status, for a failure message. */
function playerState(page: Page) {
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    return {
      t: v.currentTime,
      paused: v.paused,
      readyState: v.readyState,
      buffered: Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]),
      status: document.querySelector('.player')?.getAttribute('data-status'),
      error: document.querySelector('.player .note, .player [role=alert]')?.textContent ?? null,
    };
  });
}
