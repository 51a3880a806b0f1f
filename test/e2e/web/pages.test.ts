// Fixture-mode UI journeys: the production build in headless Chromium, served like the hosts serve
// it, with the GraphQL API answered from fixtures (page.route) and a real ffmpeg HLS test pattern.
// The same journeys against the full local mode live in journeys.test.ts.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript build step (checked with // @ts-check), no declaration file
import { startupEntries, staticGraph } from '../../../frontend/build/preload-modules.mjs';
import { startFakeChat } from './fake-chat';
import { fixtureApi } from './fixtures';
import {
  DIST,
  ensureBuild,
  launchChromium,
  makeFixtureHls,
  screenshotRendered,
  serveDist,
  signedInStorage,
} from './support';

const CLIENT_ID = 'fixture-client';
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let hls: string;
let api: ReturnType<typeof fixtureApi>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;

async function contextFor(user: { sub: string; handle: string; email: string }): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(
    (entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
    },
    signedInStorage(CLIENT_ID, user),
  );
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    api.calls.push({ op, variables: body.variables ?? {} });
    await route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ data: api.answer(op, body.variables ?? {}) }),
    });
  });
  return ctx;
}

beforeAll(async () => {
  ensureBuild();
  hls = makeFixtureHls(20);
  chat = await startFakeChat();
  site = await serveDist(
    (origin) => ({
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
    }),
    { '/hls/': hls },
  );
  api = fixtureApi(site.origin);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await chat?.close();
  if (hls) rmSync(hls, { recursive: true, force: true });
});

describe('viewer journey (fixture API)', () => {
  it('browse → watch → bid → buy now → replay jumps to the sale', async () => {
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${site.origin}/`);
    await page.getByTestId('live-grid').waitFor();
    expect(await page.getByText('Vintage Pokémon breaks').count()).toBeGreaterThan(0);
    expect(await page.getByText('Sneaker Sunday').isVisible()).toBe(true);
    await expect.poll(() => page.getByText('@bob').isVisible()).toBe(true);
    await screenshotRendered(page, 'browse');

    // Filter by tag (client-side refetch with the filter variables).
    await page.getByRole('button', { name: '#jordan' }).first().click();
    await expect.poll(() => page.locator('[data-testid=live-grid] article').count()).toBe(1);
    expect(api.calls.some((c) => c.op === 'Live' && c.variables['tag'] === 'jordan')).toBe(true);
    await page.getByRole('button', { name: '#jordan' }).first().click();

    await page.goto(`${site.origin}/u/alice`);
    await page.locator('[data-product-id=p1]').first().waitFor();
    await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
    expect(await page.getByText('Shipping is free over $50').isVisible()).toBe(true);

    // Chat: send and receive, slow-mode cooldown, a denial with its reason, a deletion.
    await expect.poll(() => page.locator('#chat-input').isEnabled()).toBe(true);
    await page.fill('#chat-input', 'first!');
    await page.press('#chat-input', 'Enter');
    await page.getByTestId('chat-lines').getByText('first!').waitFor();
    expect(await page.locator('.send button[type=submit]').innerText()).toMatch(/^[1-3]s$/);
    const other = chat.say('carl', 'is this PSA 9 or 10?');
    await page.getByTestId('chat-lines').getByText('is this PSA 9 or 10?').waitFor();
    await expect.poll(() => page.locator('.send button[type=submit]').innerText(), { timeout: 6_000 }).toBe('Chat');
    await page.fill('#chat-input', 'buy my spam');
    await page.press('#chat-input', 'Enter');
    await page.getByText('Message not sent: contains a blocked word').waitFor();
    chat.deleteMessage(other);
    await page.getByText('message deleted (Removed by a moderator)').waitFor();
    expect(chat.received).toEqual(['first!', 'buy my spam']);
    await page.locator('.chat').scrollIntoViewIfNeeded();
    await screenshotRendered(page, 'watch-chat');
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await page.locator('[data-product-id=p1] [data-testid=current-price]').innerText()).toBe('$420.00');

    // A too-low bid is refused client-side; a valid one is sent and reconciled with the answer.
    await page.fill('#bid-p1', '100');
    await page.click('[data-product-id=p1] button[type=submit]');
    expect(await page.locator('#bid-err-p1').innerText()).toContain('Bid at least');
    await page.fill('#bid-p1', '430');
    await page.click('[data-product-id=p1] button[type=submit]');
    await expect
      .poll(() => page.locator('[data-product-id=p1] [data-testid=current-price]').innerText())
      .toBe('$430.00');
    // The optimistic price shows before the request is sent; wait for the request itself.
    await expect
      .poll(() => (api.calls.find((c) => c.op === 'Bid')?.variables['input'] as { amount: number } | undefined)?.amount)
      .toBe(43_000);
    await expect.poll(() => page.getByText('8 bids').isVisible()).toBe(true);
    await screenshotRendered(page, 'watch');

    // Buy now with confirmation.
    await page.locator('[data-product-id=p2] button', { hasText: 'Buy now' }).click();
    await page.getByRole('button', { name: 'Confirm purchase' }).click();
    await expect
      .poll(() => page.getByText('Purchased Booster box (sealed) for $150.00').first().isVisible())
      .toBe(true);
    expect(api.calls.filter((c) => c.op === 'Buy').map((c) => c.variables['id'])).toEqual(['p2']);

    await page.goto(`${site.origin}/replay/r1`);
    await page.getByTestId('sale-moments').waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2, null, {
      timeout: 30_000,
    });
    await page.locator('button.moment', { hasText: 'Pikachu promo' }).click();
    await page.waitForFunction(() => Math.abs((document.querySelector('video')?.currentTime ?? 0) - 12) < 1.5, null, {
      timeout: 15_000,
    });
    await screenshotRendered(page, 'replay');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it("the watch page's player files are fetched from its head, and its first API call asks for the channel and access at once", async () => {
    const head = readFileSync(join(DIST, 'u/index.html'), 'utf8');
    const preloaded = [...head.matchAll(/<link rel="(?:modulepreload|preload)" href="(\/_astro\/[^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    // The player's chunk, its worker script and its WASM (build/preload-player.mjs).
    expect(preloaded.filter((p) => /\.wasm$/.test(p))).toHaveLength(1);
    expect(preloaded.filter((p) => /amazon-ivs-wasmworker\.min\.[\w-]+\.js$/.test(p))).toHaveLength(1);
    expect(preloaded.length).toBeGreaterThanOrEqual(3);
    // Every module the page's first script and its at-once islands import (build/preload-modules.mjs).
    const startup = new Set<string>(staticGraph(join(DIST, '_astro'), startupEntries(head)));
    for (const m of startup) expect(preloaded, m).toContain(m);
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    let workers = 0;
    page.on('worker', () => workers++);
    const callsBefore = api.calls.length;
    await page.goto(`${site.origin}/u/alice`);
    await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
    // Without the head's links they were asked for only once the page's script had loaded player-loader.
    const loader = requested.findIndex((p) => /\/player-loader\.[\w-]+\.js$/.test(p));
    for (const p of preloaded) expect(requested.indexOf(p), p).toBeGreaterThanOrEqual(0);
    expect(loader).toBeGreaterThanOrEqual(0);
    for (const p of preloaded.filter((f) => !startup.has(f))) expect(requested.indexOf(p), p).toBeLessThan(loader);
    const ops = api.calls.slice(callsBefore).map((c) => c.op);
    expect(ops[0]).toBe('Channel');
    expect(ops.filter((op) => op === 'Channel')).toHaveLength(1);
    expect(ops).not.toContain('PlaybackAccess');
    // The player plays on the worker the head started (features/watch/early-worker.ts), not one of its own.
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
    expect(marks).toContain('bidstream:player-worker-started');
    expect(marks).toContain('bidstream:player-worker-taken');
    expect(workers).toBe(1);
    await ctx.close();
  });

  it('account: inbox, alert preferences', async () => {
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/account/`);
    await page.getByText('You were outbid on Charizard Base Set PSA 9').waitFor();
    await screenshotRendered(page, 'account');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => api.calls.filter((c) => c.op === 'Read').length).toBe(1);
    await page.getByRole('tab', { name: 'Alert preferences' }).click();
    await page.getByRole('link', { name: '@ben_kicks' }).waitFor();
    const ben = page.getByLabel('Email alerts for @ben_kicks');
    await ben.check();
    await expect.poll(() => api.calls.find((c) => c.op === 'Pref')?.variables).toEqual({ id: 'u-ben', email: true });
    // The saved answer keeps the switch on (the fixture used to answer null, and the page put it back).
    await expect.poll(() => ben.isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('row', { name: /@ben_kicks/ }).innerText()).toContain('On');
    await ctx.close();
  });

  it('archived replay shows the restore estimate, then plays when ready', async () => {
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/replay/?id=r-archived`);
    await page.getByText('Ready in about a minute').waitFor();
    await screenshotRendered(page, 'replay-restoring');
    await page.locator('video').waitFor({ timeout: 15_000 });
    expect(api.calls.filter((c) => c.op === 'Replay' && c.variables['id'] === 'r-archived').length).toBe(2);
    await ctx.close();
  });

  it('offline channel shows schedule card and replays', async () => {
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/u/?handle=ben_kicks`);
    await page.getByText('@ben_kicks is offline').waitFor();
    expect(await page.getByText('Sunday night slabs').isVisible()).toBe(true);
    await ctx.close();
  });
});

describe('streamer journey (fixture API)', () => {
  it('studio: key show/copy, add product with validation, moderation', async () => {
    const ctx = await contextFor({ sub: 'u-alice', handle: 'alice', email: 'alice@example.com' });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/studio/`);
    await page.getByTestId('stream-key').waitFor();
    expect(await page.getByTestId('stream-key').inputValue()).toMatch(/^•+4242$/);
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.getByTestId('stream-key').inputValue()).toBe('sk_us-east-1_Zx81abcdefghijklmnop4242');
    await page.locator('#skey ~ button', { hasText: 'Copy' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('sk_us-east-1_Zx81abcdefghijklmnop4242');
    await page.getByRole('button', { name: 'Hide' }).click();
    expect(await page.getByTestId('live-status').innerText()).toContain('LIVE');
    await page.getByTestId('mod-log').getByText('troll42').waitFor();
    await screenshotRendered(page, 'studio');

    await page.getByRole('button', { name: '+ Add product' }).click();
    await page.selectOption('#ap-type', 'APPAREL');
    await page.fill('#ap-title', '');
    await page.fill('#ap-col', '');
    await page.click('dialog button[type=submit]');
    expect(await page.locator('dialog').getByText('Title is required').isVisible()).toBe(true);
    expect(await page.locator('dialog').getByText('Colour is required').isVisible()).toBe(true);
    await screenshotRendered(page, 'studio-add-product');
    await page.fill('#ap-title', 'Vintage band tee');
    await page.fill('#ap-col', 'black');
    await page.fill('#ap-start', '12.50');
    await page.click('dialog button[type=submit]');
    await page.locator('[data-product-id=p-new]').waitFor();
    const create = api.calls.find((c) => c.op === 'Create')?.variables['input'] as Record<string, unknown>;
    expect(create).toMatchObject({
      channelId: 'u-alice',
      title: 'Vintage band tee',
      type: 'APPAREL',
      saleMode: 'AUCTION',
      startingBid: 1250,
      durationSeconds: 60,
      params: '{"size":"M","colour":"black"}',
    });

    await page.fill('#newmod', '@sam');
    await page.locator('#newmod ~ button').click();
    await expect
      .poll(() => api.calls.find((c) => c.op === 'AddMod')?.variables)
      .toEqual({ channelId: 'u-alice', handle: 'sam' });
    await page.locator('li', { hasText: 'troll42' }).getByRole('button', { name: 'Unban' }).click();
    await expect
      .poll(() => api.calls.find((c) => c.op === 'Unban')?.variables)
      .toEqual({ channelId: 'u-alice', userId: 'u-troll' });
    await ctx.close();
  });

  it('watch page at phone width stacks player, products and chat', async () => {
    const ctx = await contextFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' });
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${site.origin}/u/alice`);
    await page.locator('[data-product-id=p1]').first().waitFor();
    await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await screenshotRendered(page, 'watch-phone');
    await ctx.close();
  });

  it('sign-in page validates the registration form live', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/signin/?mode=register`);
    await page.locator('header').getByRole('link', { name: 'Sign up' }).waitFor();
    await page.fill('#password', 'abc');
    expect(await page.locator('.rules li.ok').count()).toBe(1);
    await page.fill('#password', 'Abcdef1!');
    expect(await page.locator('.rules li.ok').count()).toBe(4); // 8 characters: the pool asks for 12
    await page.fill('#password', 'Abcdef1!ghij');
    expect(await page.locator('.rules li.ok').count()).toBe(5);
    await screenshotRendered(page, 'signin-phone');
    await ctx.close();
  });
});
