// The replay page behind CloudFront signed URLs (docs/safety.md, "Replays"), in the fixture mode: the
// production build in headless Chromium, the API answered from fixtures, the fixture HLS served through
// the local CloudFront, whose signed behavior covers it. A signed replay plays on a laptop and a phone,
// every request the player makes carrying the signature (the local CloudFront refuses none); sale
// moments still seek. A replay the channel's audience refuses shows the live page's card and no player,
// and a guest's Follow asks them to sign in first.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSigningKeyPair,
  signedQuery,
  signPolicy,
  withSignedQuery,
} from '../../../lambdas/shared/domain/signed-urls';
import { startLocalCloudFront, type LocalCloudFront } from '../../../local/cloudfront/index';
import { BOB, fixtureContext, LAPTOP, PHONE, startFixtureSite, type FixtureSite } from './fixture-site';
import { shot } from './support';

let site: FixtureSite;
let cloudfront: LocalCloudFront;
const keys = newSigningKeyPair();

beforeAll(async () => {
  site = await startFixtureSite(20);
  // The fixture HLS (`/hls/…` on the site) behind the distribution, every file of it signed-only.
  cloudfront = await startLocalCloudFront({ originUrl: site.origin, signedPathPattern: 'hls/*', port: 0 });
  cloudfront.trustKey('K2FIXTURE', keys.publicKeyPem);
});

afterAll(async () => {
  await cloudfront?.stop();
  await site?.close();
});

/** The replay's URL as the replay function answers it: signed for the whole recording for ten minutes. */
const signedPlaylist = () =>
  withSignedQuery(
    `${cloudfront.url}/hls/index.m3u8`,
    signedQuery(
      signPolicy(`${cloudfront.url}/hls/*`, Math.floor(Date.now() / 1000) + 600, {
        keyPairId: 'K2FIXTURE',
        privateKeyPem: keys.privateKeyPem,
      }),
    ),
  );

/** The shared fixtures, with the Replay answer changed by `replay`. */
const answerWith =
  (replay: (data: Record<string, unknown>) => Record<string, unknown>) =>
  (op: string, variables: Record<string, unknown>) => {
    const data = site.api.answer(op, variables) as Record<string, unknown> | null;
    if (op === 'Replay' && data?.['replay'])
      return { data: { replay: replay(data['replay'] as Record<string, unknown>) } };
    return { data };
  };

const playing = (page: Page) => page.locator('.player[data-status="playing"]').waitFor({ timeout: 60_000 });

describe('signed replays', () => {
  for (const [name, viewport, mobile] of [
    ['laptop', LAPTOP, false],
    ['phone', PHONE, true],
  ] as const) {
    it(`${name}: plays with every playlist and segment request signed, and sale moments seek`, async () => {
      const refusedBefore = cloudfront.refusals.length;
      const ctx = await fixtureContext(
        site.browser,
        site.origin,
        { user: BOB, viewport, mobile },
        answerWith((r) => ({ ...r, playbackUrl: signedPlaylist() })),
      );
      const page = await ctx.newPage();
      const servedBefore = cloudfront.signedServed.length;
      await page.goto(`${site.origin}/replay/r1`);
      await playing(page);
      await page.locator('button.moment', { hasText: 'Pikachu promo' }).click();
      await page.waitForFunction(() => Math.abs((document.querySelector('video')?.currentTime ?? 0) - 12) < 1.5, null, {
        timeout: 20_000,
      });
      // The player's every request reached the distribution signed: playlists and segments, none refused.
      expect(cloudfront.refusals.slice(refusedBefore)).toEqual([]);
      const served = cloudfront.signedServed.slice(servedBefore);
      expect(served).toContain('hls/index.m3u8');
      expect(served.filter((p) => p.endsWith('.ts')).length).toBeGreaterThan(1);
      await page.screenshot({ path: shot(`replay-signed-${viewport.width}x${viewport.height}`) });
      await ctx.close();
    });
  }

  it('phone: a refused replay shows "Follow to watch" and no player; a guest is asked to sign in to follow', async () => {
    const ctx = await fixtureContext(
      site.browser,
      site.origin,
      { user: null, viewport: PHONE, mobile: true },
      answerWith((r) => ({
        ...r,
        status: 'FOLLOW_REQUIRED',
        playbackUrl: null,
        sales: [],
        message: 'This stream is for followers: follow the channel to watch and chat.',
      })),
    );
    // Guests reach the API unsigned, as in the local mode (the fixture site's own config lets no guest call it).
    await ctx.route(`${site.origin}/runtime-config.json`, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...((await res.json()) as object), guestAuthMode: 'unsigned' } });
    });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/replay/r1`);
    const gate = page.getByTestId('gate-follow_required');
    await gate.waitFor({ timeout: 30_000 });
    expect(await gate.innerText()).toContain('Follow to watch');
    expect(await page.locator('video').count()).toBe(0);
    expect(await page.getByTestId('sale-moments').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: shot('replay-follow-required-390x844') });
    await gate.getByRole('button', { name: 'Log in to follow' }).click();
    await page.waitForURL(/\/signin\/\?next=%2Freplay%2Fr1$/);
    await ctx.close();
  });
});
