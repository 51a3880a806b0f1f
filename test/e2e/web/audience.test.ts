// Audience controls end to end against the local mode: a followers-only, 18+ stream shows "Follow to
// watch" to a viewer who does not follow and plays for one who does, after an age gate that keeps the
// player and the chat out of the page until consent and is remembered; switched to private, it plays
// only for the allow-listed handle. The video service enforces it: the bare playback URL answers 403.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useLocalPlatform } from './local-mode';
import { shot } from './support';

const local = useLocalPlatform('audience-e2e');

const firstFrame = (page: Page) =>
  page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 90_000 });

/** Sets the Studio's audience form and saves it. */
async function saveAudience(
  studio: Page,
  label: string,
  opts: { allow?: string; adult?: boolean } = {},
): Promise<void> {
  const form = studio.getByTestId('audience');
  await form.getByLabel(label).check();
  if (opts.allow !== undefined) await form.locator('#aud-list').fill(opts.allow);
  if (opts.adult !== undefined) await form.getByLabel(/18\+: viewers confirm/).setChecked(opts.adult);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 20_000 });
}

describe('audience: followers only, private, 18+', () => {
  it('plays for followers and the allow-list only, behind an age gate that is remembered', async () => {
    const { web, browser } = local;
    const id = Date.now().toString(36);
    const handle = `s${id}`;

    // The streamer: a channel, followers only and 18+ (set while offline: the channel becomes authorized), then live.
    const studio = await (await browser.newContext()).newPage();
    await studio.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web });
    await local.signUp(studio, `${handle}@example.com`, handle, '/studio/');
    await studio.locator('#pv-h').waitFor({ timeout: 30_000 });
    await studio.click('form button[type=submit]');
    await studio.getByTestId('stream-key').waitFor({ timeout: 60_000 });
    await saveAudience(studio, 'Followers only', { adult: true });
    await studio.locator('#skey ~ button', { hasText: 'Copy' }).click();
    local.pushStream(await studio.evaluate(() => navigator.clipboard.readText()));
    await expect.poll(() => studio.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');

    // Without a token the video service refuses the stream, whatever a page shows.
    const gql = await fetch(local.platform.endpoints['graphqlUrl'] ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ streamer(handle: "${handle}") { playbackUrl } }` }),
    });
    const bare = ((await gql.json()) as { data: { streamer: { playbackUrl: string } } }).data.streamer.playbackUrl;
    expect((await fetch(bare)).status).toBe(403);

    // A viewer who does not follow: the card, no player, no chat.
    const viewer = await (await browser.newContext()).newPage();
    await local.signUp(viewer, `v${id}@example.com`, `v${id}`, `/u/${handle}`);
    await viewer.getByTestId('gate-follow_required').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('gate-follow_required').innerText()).toContain('Follow to watch');
    expect(await viewer.locator('video').count()).toBe(0);
    expect(await viewer.locator('section.chat').count()).toBe(0);

    // A follower: follows from the card, then the age gate: still no player and no chat until consent.
    const fan = await (await browser.newContext()).newPage();
    await local.signUp(fan, `f${id}@example.com`, `f${id}`, `/u/${handle}`);
    await fan
      .getByTestId('gate-follow_required')
      .getByRole('button', { name: /Follow/ })
      .click({ timeout: 30_000 });
    await fan.getByTestId('age-gate').waitFor({ timeout: 30_000 });
    expect(await fan.locator('video').count()).toBe(0);
    expect(await fan.locator('section.chat').count()).toBe(0);
    await fan.screenshot({ path: shot('audience-age-gate') });
    await fan.getByRole('button', { name: 'I am 18 or older' }).click();
    await firstFrame(fan);
    await fan.locator('section.chat').waitFor({ timeout: 30_000 });
    // Remembered: a reload plays without asking.
    await fan.reload();
    await firstFrame(fan);
    expect(await fan.getByTestId('age-gate').count()).toBe(0);

    // Private, allow-listing the follower (a change between restricted audiences applies while live).
    await saveAudience(studio, 'Private: only these handles', { allow: `@f${id}` });
    await viewer.reload();
    await viewer.getByTestId('gate-private').waitFor({ timeout: 30_000 });
    expect(await viewer.locator('video').count()).toBe(0);
    await viewer.screenshot({ path: shot('audience-private') });
    await fan.reload();
    await firstFrame(fan);
    expect(await fan.getByTestId('gate-private').count()).toBe(0);
  });
});
