// A PK battle end to end against the local mode: two streamers live from ffmpeg, one invites the
// other from the Studio, the other accepts; a viewer of each (one at 1366×768, one on a 390×844
// phone) sees both streams play side by side (stacked on the phone, the score bar between), gifts
// from each audience move the same score on both pages within 1 s; @bob's stream drops and comes
// back within the reconnect grace (both audiences and his Studio are told to wait, nobody forfeits);
// at the end both see the result, then their own stream alone again; the profile lists the battle.
//
// Two live streams on a small machine: each publisher's keyframes fall every 0.5 s, so the local
// IVS copies them into its 0.5 s HLS segments (local/ivs/packaging.ts). The shared pushStream's
// keyframe every second made the local IVS re-encode both streams with x264 on top of the two
// publishers' own encodes: four realtime encodes, plus four players once the split screens open,
// which on two loaded cores fell behind realtime and left a player stalled for minutes.
import type { ChildProcess } from 'node:child_process';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useLocalPlatform } from './local-mode';
import { shot } from './support';

const local = useLocalPlatform('battles-e2e');
/** Each streamer's stream key and the ffmpeg publishing to it, by handle. */
const streams = new Map<string, { key: string; ffmpeg: ChildProcess }>();
afterAll(() => {
  for (const s of streams.values()) s.ffmpeg.kill('SIGINT');
});

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
/** The bound: both audiences show a score change within this of each other. */
const SAME_SCORE_WITHIN_MS = 1_000;

/**
 * Pushes a test pattern with a tone to `streamKey`: 426×240 at 20 fps with a keyframe every 0.5 s
 * (copied by the local IVS, not re-encoded: two streams and four players share 2 cores), x264 `ultrafast`.
 */
function pushStream(handle: string, streamKey: string, seconds = 600): ChildProcess {
  const p = local.pushStream(streamKey, { seconds, size: '426x240', fps: 20, bitrate: '400k', preset: 'ultrafast' });
  streams.set(handle, { key: streamKey, ffmpeg: p });
  return p;
}

/**
 * A new streamer in their own browser context: signs up, creates the channel in the Studio, copies
 * the stream key from its card and goes live with ffmpeg. Returns the Studio page once it says LIVE.
 */
async function goLiveFromStudio(browser: Browser, email: string, handle: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: local.web });
  await local.signUp(page, email, handle, '/studio/');
  await page.locator('#pv-h').waitFor({ timeout: 30_000 });
  await page.click('form button[type=submit]');
  await page.getByTestId('stream-key').waitFor({ timeout: 60_000 });
  await page.locator('#skey ~ button', { hasText: 'Copy' }).click();
  pushStream(handle, await page.evaluate(() => navigator.clipboard.readText()));
  await expect.poll(() => page.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');
  return page;
}

/**
 * A new viewer in their own browser context at `viewport`: signs up and buys the coin pack
 * `packId` on the local checkout page. Returns the wallet page once the coins are credited.
 */
async function viewerWithCoins(
  browser: Browser,
  email: string,
  handle: string,
  packId: string,
  viewport: { width: number; height: number },
): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  await local.signUp(page, email, handle, '/wallet/');
  await page.locator(`[data-testid=coin-pack][data-pack=${packId}] button`).click();
  await page.locator('#cardNumber').waitFor({ timeout: 20_000 });
  await page.fill('#cardNumber', '4242 4242 4242 4242');
  await page.fill('#expiry', '12 / 34');
  await page.fill('#cvc', '123');
  await page.getByRole('button', { name: /^Pay \S+$/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/wallet') && u.searchParams.has('checkout'), {
    timeout: 30_000,
  });
  await expect.poll(() => page.getByTestId('checkout-status').innerText(), { timeout: 30_000 }).toMatch(/Coins added/);
  return page;
}

/**
 * Resolves with the page's clock (the machine's, shared by both pages) at the moment the arena's
 * score of `handle` reads `value`: watched from inside the page, so the test's own polling adds no delay.
 */
function scoreShownAt(page: Page, handle: string, value: string): Promise<number> {
  return page.evaluate(
    ([h, v]) =>
      new Promise<number>((resolve, reject) => {
        const selector = `[data-testid=battle-arena] [data-testid=battle-score][data-handle="${h}"]`;
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(
            new Error(`@${h} never showed ${v} (last: ${document.querySelector(selector)?.textContent ?? 'none'})`),
          );
        }, 30_000);
        const check = () => {
          if (document.querySelector(selector)?.textContent !== v) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(Date.now());
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        check();
      }),
    [handle, value] as const,
  );
}

/** The status of each player in the page's arena, host first. */
const playerStates = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid=battle-arena] .player'), (p) => p.getAttribute('data-status')),
  );
/** Where each video of the page's arena is, host first (seconds). */
const videoTimes = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLVideoElement>('[data-testid=battle-arena] video'), (v) => v.currentTime),
  );

/**
 * Waits until every video of the arena (`count` of them) has moved on by a second since it was
 * first seen: the streams play, whatever their players say between two rebuffers on a loaded machine.
 */
async function allPlaying(page: Page, count: number): Promise<void> {
  const start = await videoTimes(page);
  await expect
    .poll(
      async () => {
        const now = await videoTimes(page);
        return now.length === count && now.every((t, i) => t > (start[i] ?? Infinity) + 1)
          ? 'moving'
          : `${now.join(', ')} (${(await playerStates(page)).join(', ')})`;
      },
      { timeout: 90_000, interval: 1_000 },
    )
    .toBe('moving');
}

/** Sends one Rose from the gift picker inside `scope`. */
async function sendRose(scope: Locator, page: Page): Promise<void> {
  const picker = scope.getByTestId('gift-picker');
  await picker.locator('[data-gift=rose]').click();
  await picker.getByRole('button', { name: /^Send Rose/ }).click();
  await expect.poll(() => page.getByTestId('gift-sent').count(), { timeout: 15_000 }).toBeGreaterThan(0);
}

async function box(l: Locator) {
  const b = await l.boundingBox();
  if (!b) throw new Error('not on screen');
  return b;
}

describe('PK battles against the local mode', () => {
  it(
    'invite → accept → split screen for both audiences → gifts → the same scores within 1 s → a drop and return within the grace → the result → back to one stream',
    { timeout: 480_000 },
    async () => {
      const { browser, web } = local;
      const id = Date.now().toString(36);
      const [alice, bob] = [`a${id}`, `b${id}`];

      // The streamers one after the other (the stream key goes through the clipboard); the viewers meanwhile.
      // No address is part of another: the outbox is searched by address.
      const [[studioA, studioB], viewerA, viewerB] = await Promise.all([
        (async () =>
          [
            await goLiveFromStudio(browser, `streamer-${alice}@example.com`, alice),
            await goLiveFromStudio(browser, `streamer-${bob}@example.com`, bob),
          ] as const)(),
        viewerWithCoins(browser, `viewer-${alice}@example.com`, `va${id}`, 'coins-100', DESKTOP),
        viewerWithCoins(browser, `viewer-${bob}@example.com`, `vb${id}`, 'coins-100', PHONE),
      ]);
      await viewerA.goto(`${web}/u/${alice}`);
      await viewerB.goto(`${web}/u/${bob}`);
      for (const v of [viewerA, viewerB]) {
        await v.getByTestId('battle-arena').waitFor({ timeout: 60_000 });
        await allPlaying(v, 1);
      }

      // @alice finds @bob by handle and invites him to a two-minute battle; he sees it and accepts.
      const panelA = studioA.getByTestId('battle-panel');
      const panelB = studioB.getByTestId('battle-panel');
      await panelA.locator('#battle-duration').selectOption('2');
      await panelA.getByTestId('battle-search').fill(bob);
      await panelA.locator(`[data-testid=battle-candidate][data-handle=${bob}] button`).click({ timeout: 20_000 });
      await panelA.getByTestId('battle-outgoing').waitFor({ timeout: 15_000 });
      expect(await panelA.getByTestId('battle-countdown').innerText()).toMatch(/^0:[0-3]\d$/);
      await panelB.getByTestId('battle-incoming').waitFor({ timeout: 15_000 });
      expect(await panelB.getByTestId('battle-incoming').innerText()).toContain(
        `@${alice} invites you to a 2-minute PK battle`,
      );
      await panelB.getByTestId('battle-accept').click();

      // Both audiences: the split screen, both streams playing, the host's own on the left (on top on the phone).
      for (const v of [viewerA, viewerB]) {
        await expect
          .poll(() => v.getByTestId('battle-arena').getAttribute('data-view'), { timeout: 15_000 })
          .toBe('battle');
        await allPlaying(v, 2);
      }
      expect(await viewerA.getByTestId('battle-host-tag').innerText()).toBe(`@${alice}`);
      expect(await viewerB.getByTestId('battle-host-tag').innerText()).toBe(`@${bob}`);
      expect(await viewerA.getByTestId('battle-time-left').innerText()).toMatch(/^[0-2]:\d\d$/);
      const [hostA, oppA] = [
        await box(viewerA.locator('[data-testid=battle-arena] .host')),
        await box(viewerA.getByTestId('battle-opponent')),
      ];
      expect(Math.abs(hostA.y - oppA.y)).toBeLessThan(2);
      expect(oppA.x).toBeGreaterThanOrEqual(hostA.x + hostA.width - 1);
      const [hostB, barB, oppB] = [
        await box(viewerB.locator('[data-testid=battle-arena] .host')),
        await box(viewerB.getByTestId('battle-scorebar')),
        await box(viewerB.getByTestId('battle-opponent')),
      ];
      expect(barB.y).toBeGreaterThanOrEqual(hostB.y + hostB.height - 1);
      expect(oppB.y).toBeGreaterThanOrEqual(barB.y + barB.height - 1);
      expect(oppB.width).toBeGreaterThan(PHONE.width * 0.85);
      expect(await viewerB.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      // The opponent's sound is off until clicked; clicking it there takes the sound from the host's stream.
      await viewerA.getByTestId('battle-listen').click();
      await expect.poll(() => viewerA.getByTestId('battle-listen').count()).toBe(0);

      // A gift from each audience to its own streamer, then one from @alice's audience to @bob: each
      // time both pages show the new score, within 1 s of each other.
      const gaps: number[] = [];
      const timings: string[] = [];
      const gift = async (send: () => Promise<void>, handle: string, value: string) => {
        const seen = Promise.all([scoreShownAt(viewerA, handle, value), scoreShownAt(viewerB, handle, value)]);
        const sentAt = Date.now();
        await send();
        const [ta, tb] = await seen;
        gaps.push(Math.abs(ta - tb));
        timings.push(`@${handle} ${value}: A +${ta - sentAt} ms, B +${tb - sentAt} ms`);
      };
      await gift(
        async () => {
          await viewerA.getByTestId('battle-gift-host').click();
          await sendRose(viewerA.locator('#gift-panel'), viewerA);
        },
        alice,
        '5',
      );
      await gift(
        async () => {
          await viewerB.getByTestId('battle-gift-host').click();
          await sendRose(viewerB.locator('#panel-gifts'), viewerB);
        },
        bob,
        '5',
      );
      await gift(
        async () => {
          await viewerA.getByTestId('battle-gift-opponent').click();
          await sendRose(viewerA.locator('#battle-opponent-gifts'), viewerA);
        },
        bob,
        '10',
      );
      console.info(
        `battle e2e: gap between the two audiences' score updates (ms): ${gaps.join(', ')} (${timings.join('; ')})`,
      );
      for (const g of gaps) expect(g).toBeLessThanOrEqual(SAME_SCORE_WITHIN_MS);
      // The streamers' control rooms follow too.
      await expect
        .poll(() => panelA.locator(`[data-testid=battle-score][data-handle=${bob}]`).innerText(), { timeout: 10_000 })
        .toBe('10');
      await expect
        .poll(() => panelB.locator(`[data-testid=battle-score][data-handle=${alice}]`).innerText(), { timeout: 10_000 })
        .toBe('5');
      await viewerA.screenshot({ path: shot('battle-desktop') });
      await viewerB.screenshot({ path: shot('battle-phone') });

      // @bob's encoder drops (OBS losing its connection): both audiences are told to wait for him
      // (his own audience keeps the split screen), his Studio tells him how long he has; his stream
      // back within the grace, the notices go and the battle goes on.
      const bobStream = streams.get(bob);
      if (!bobStream) throw new Error("@bob's stream was not pushed");
      bobStream.ffmpeg.kill('SIGKILL');
      const waiting = new RegExp(`^Waiting for @${bob} to reconnect: 0:[0-3]\\d$`);
      const notice = (scope: Page | Locator) =>
        scope.locator(`[data-testid=battle-reconnecting][data-handle="${bob}"]`);
      for (const v of [viewerA, viewerB]) {
        await expect
          .poll(
            () =>
              notice(v)
                .innerText()
                .catch(() => ''),
            { timeout: 20_000 },
          )
          .toMatch(waiting);
      }
      expect(await viewerB.getByTestId('battle-arena').getAttribute('data-view')).toBe('battle');
      await expect
        .poll(
          () =>
            notice(panelB)
              .innerText()
              .catch(() => ''),
          { timeout: 10_000 },
        )
        .toMatch(/^Your stream dropped: go live again within 0:[0-3]\d or you lose the battle\.$/);
      await viewerB.screenshot({ path: shot('battle-phone-reconnecting') });
      pushStream(bob, bobStream.key);
      for (const v of [viewerA, viewerB, studioB]) {
        await expect.poll(() => notice(v).count(), { timeout: 30_000 }).toBe(0);
      }
      expect(await viewerA.getByTestId('battle-arena').getAttribute('data-view')).toBe('battle');

      // The buzzer (the battle ends on its own; @bob came back in time, so the scores decide): the same
      // result on both pages, then one stream again.
      const result = `@${bob} wins 10 – 5`;
      for (const v of [viewerA, viewerB]) {
        await expect
          .poll(
            () =>
              v
                .getByTestId('battle-result')
                .innerText()
                .catch(() => ''),
            { timeout: 150_000 },
          )
          .toContain(result);
      }
      await expect
        .poll(
          () =>
            panelA
              .getByTestId('battle-result')
              .innerText()
              .catch(() => ''),
          { timeout: 15_000 },
        )
        .toBe(result);
      await viewerB.screenshot({ path: shot('battle-phone-result') });
      for (const v of [viewerA, viewerB]) {
        await expect
          .poll(() => v.getByTestId('battle-arena').getAttribute('data-view'), { timeout: 20_000 })
          .toBe('single');
        expect(await playerStates(v)).toHaveLength(1);
      }

      // @alice's profile lists the battle.
      await viewerA.reload();
      const row = viewerA.getByTestId('battle-history-row').first();
      await row.waitFor({ timeout: 30_000 });
      const text = await row.innerText();
      expect(text).toContain(`@${bob}`);
      expect(text).toContain('5 – 10');
      expect(text).toContain('Lost');
    },
  );
});
