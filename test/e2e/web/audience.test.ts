// Audience controls end to end against the local mode: a followers-only, 18+ stream shows "Follow to
// watch" to a viewer who does not follow and plays for one who does, after an age gate that keeps the
// player and the chat out of the page until consent and is remembered; switched to private, it plays
// only for the allow-listed handle. The video service enforces it: the bare playback URL answers 403.
// Its replay follows the same rule: it plays for the allow-listed follower (through CloudFront signed
// URLs, the local CloudFront checking each request), another viewer gets the private card, and the
// recording's bare URL answers 403.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useLocalPlatform } from './local-mode';
import { shot } from './support';

const local = useLocalPlatform('audience-e2e');

/** A GraphQL query as a guest (the local mode's unsigned guests). */
async function guestQuery<T>(query: string): Promise<T> {
  const res = await fetch(local.platform.endpoints['graphqlUrl'] ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

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

/** The GraphQL subscription fields `page` starts over its WebSockets, in order (AppSync's real-time protocol). */
function subscriptionsOf(page: Page): string[] {
  const fields: string[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (frame) => {
      if (typeof frame.payload !== 'string') return;
      try {
        const message = JSON.parse(frame.payload) as { type?: string; payload?: { data?: string } };
        if (message.type !== 'start' || !message.payload?.data) return;
        const { query } = JSON.parse(message.payload.data) as { query: string };
        const field = /^\s*subscription[^{]*\{\s*(\w+)/.exec(query)?.[1];
        if (field) fields.push(field);
      } catch {
        // Not a message of the protocol.
      }
    }),
  );
  return fields;
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
    const push = local.pushStream(await studio.evaluate(() => navigator.clipboard.readText()));
    await expect.poll(() => studio.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');

    // Without a token the video service refuses the stream, whatever a page shows.
    const bare = (
      await guestQuery<{ streamer: { playbackUrl: string } }>(`{ streamer(handle: "${handle}") { playbackUrl } }`)
    ).streamer.playbackUrl;
    expect((await fetch(bare)).status).toBe(403);

    // A viewer who does not follow: the card, no player, no chat.
    const viewer = await (await browser.newContext()).newPage();
    const viewerSubscriptions = subscriptionsOf(viewer);
    await local.signUp(viewer, `v${id}@example.com`, `v${id}`, `/u/${handle}`);
    await viewer.getByTestId('gate-follow_required').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('gate-follow_required').innerText()).toContain('Follow to watch');
    expect(await viewer.locator('video').count()).toBe(0);
    expect(await viewer.locator('section.chat').count()).toBe(0);
    // The page does not ask for the stream's likes and gifts, which the server would refuse; it still
    // listens for the stream's status.
    await expect.poll(() => viewerSubscriptions.includes('onStreamStatus'), { timeout: 15_000 }).toBe(true);
    await viewer.waitForTimeout(1000);
    expect(viewerSubscriptions.filter((f) => f === 'onLike' || f === 'onGift')).toEqual([]);

    // A follower: follows from the card, then the age gate: still no player and no chat until consent.
    const fan = await (await browser.newContext()).newPage();
    const fanSubscriptions = subscriptionsOf(fan);
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
    // Let in by following: the likes and gifts are asked for then.
    await expect
      .poll(() => ['onLike', 'onGift'].every((f) => fanSubscriptions.includes(f)), { timeout: 15_000 })
      .toBe(true);
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

    // The show ends; its replay keeps the channel's audience.
    push.kill('SIGINT');
    const { userId } = (
      await guestQuery<{ streamer: { userId: string } }>(`{ streamer(handle: "${handle}") { userId } }`)
    ).streamer;
    let recordingId: string | undefined;
    const available = async () => {
      const page = await guestQuery<{ recordings: { items: { recordingId: string; state: string }[] } }>(
        `{ recordings(userId: "${userId}") { items { recordingId state } } }`,
      );
      recordingId = page.recordings.items.find((r) => r.state === 'AVAILABLE')?.recordingId;
      return recordingId;
    };
    await expect.poll(available, { timeout: 90_000, interval: 1000 }).toBeTruthy();
    // A guest asking the API gets no URL.
    const asked = await guestQuery<{ replay: { status: string; playbackUrl: string | null } }>(
      `{ replay(recordingId: "${recordingId}") { status playbackUrl } }`,
    );
    expect(asked.replay).toEqual({ status: 'PRIVATE', playbackUrl: null });
    // The viewer off the list: the same card as live, no player.
    await viewer.goto(`${local.web}/replay/?id=${recordingId}`);
    await viewer.getByTestId('gate-private').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('gate-private').innerText()).toContain('This stream is private');
    expect(await viewer.locator('video').count()).toBe(0);
    // The allow-listed follower (18+ already confirmed on this device): the replay plays, every request signed.
    const master = fan.waitForResponse((r) => r.url().includes('/media/hls/master.m3u8'), { timeout: 60_000 });
    await fan.goto(`${local.web}/replay/?id=${recordingId}`);
    const signed = (await master).url();
    expect((await master).status()).toBe(200);
    await fan.locator('.player[data-status="playing"]').waitFor({ timeout: 60_000 });
    await fan.screenshot({ path: shot('audience-replay-allowed') });
    // Whoever has the address without the signature: CloudFront refuses it.
    const url = new URL(signed);
    expect(url.searchParams.get('Signature')).toBeTruthy();
    expect((await fetch(`${url.origin}${url.pathname}`)).status).toBe(403);
  });
});
