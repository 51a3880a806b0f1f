// Analytics end to end against the local mode: a signed-in viewer watches a live stream, sees its
// product, opens it, shares the channel and buys; within a minute the streamer's Studio → Analytics
// report of that stream counts the view, the impression, the clicks, the share and the purchase, with
// its charts drawn by uPlot (which the watch page never loads).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goLive, signUp, startLocal, stopStreams, type LocalPlatform } from './local-mode';
import { ensureBuild, launchChromium, screenshotRendered } from './support';

let platform: LocalPlatform | undefined;
let browser: Browser;
let outbox = '';

/** Every script URL a page requests from now on. */
function scriptsOf(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') urls.push(r.url());
  });
  return urls;
}

/** A figure of the report as a number ("1,234" → 1234). */
const figure = async (page: Page, testid: string) =>
  Number((await page.getByTestId(testid).first().innerText()).replace(/[^0-9.]/g, ''));

describe('analytics against the local mode', () => {
  beforeAll(async () => {
    ensureBuild();
    ({ platform, outbox } = await startLocal('analytics-e2e'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    stopStreams();
    await browser?.close();
    await platform?.stop();
  });

  it('a viewer watches, sees a product, opens it, shares and buys; the streamer’s report shows it within a minute', async () => {
    const e = platform?.endpoints ?? {};
    const web = e['webUrl'] ?? '';
    const id = Date.now().toString(36);

    const streamer = await (await browser.newContext()).newPage();
    await signUp(streamer, web, outbox, { email: `s${id}@example.com`, handle: `s${id}` }, '/studio/');
    await goLive(streamer, web, e['rtmpUrl'] ?? '');
    await streamer.getByRole('button', { name: '+ Add product' }).click();
    await streamer.fill('#ap-title', 'Analytics tote');
    await streamer.fill('#ap-desc', 'Canvas, 40 × 35 cm.');
    await streamer.selectOption('#ap-mode', 'BUY_NOW');
    await streamer.fill('#ap-bn', '25');
    await streamer.click('dialog button[type=submit]');
    await streamer.locator('[data-testid=product]', { hasText: 'Analytics tote' }).waitFor();

    const viewerContext = await browser.newContext();
    await viewerContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web });
    const viewer = await viewerContext.newPage();
    const watchScripts = scriptsOf(viewer);
    await signUp(viewer, web, outbox, { email: `v${id}@example.com`, handle: `v${id}` }, `/u/s${id}`);
    await viewer.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 60_000 });
    const card = viewer.locator('[data-testid=product]', { hasText: 'Analytics tote' });
    await card.waitFor({ timeout: 20_000 });
    // On screen for over a second: an impression.
    await viewer.waitForTimeout(1_500);
    await card.getByText('Details').click();
    await viewer.getByTestId('share').click();
    await viewer.getByText('Link copied').waitFor({ timeout: 10_000 });
    expect(await viewer.evaluate(() => navigator.clipboard.readText())).toBe(`${web}/u/s${id}`);
    await card.getByRole('button', { name: /Buy now/ }).click();
    await viewer.getByRole('button', { name: 'Confirm purchase' }).click();
    await viewer
      .getByText(/Purchased Analytics tote/)
      .first()
      .waitFor({ timeout: 20_000 });
    const boughtAt = Date.now();
    expect(watchScripts.filter((u) => /uplot/i.test(u))).toEqual([]);

    // The streamer's dashboard: Studio → Analytics → this stream's report.
    const dashboardScripts = scriptsOf(streamer);
    await streamer.getByRole('link', { name: 'Analytics' }).click();
    await streamer.waitForURL((u) => u.pathname.startsWith('/studio/analytics'));
    const row = streamer.getByTestId('stream-row').first();
    await row.waitFor({ timeout: 30_000 });
    await streamer.getByTestId('chart-views').locator('canvas').waitFor({ timeout: 20_000 });
    expect(dashboardScripts.some((u) => /uplot/i.test(u))).toBe(true);
    await row.getByRole('link').click();
    await streamer.getByTestId('stream-report').waitFor();
    const product = streamer.locator('[data-testid=report-product]', { hasText: 'Analytics tote' });
    await expect
      .poll(
        async () => ({
          views: await figure(streamer, 'report-views').catch(() => 0),
          shares: await figure(streamer, 'report-shares').catch(() => 0),
          impressions: await product
            .getByTestId('impressions')
            .innerText({ timeout: 1_000 })
            .catch(() => '0'),
          clicks: Number(
            await product
              .getByTestId('clicks')
              .innerText({ timeout: 1_000 })
              .catch(() => '0'),
          ),
          purchases: await product
            .getByTestId('purchases')
            .innerText({ timeout: 1_000 })
            .catch(() => '0'),
        }),
        { timeout: 60_000 - (Date.now() - boughtAt), interval: 2_000 },
      )
      .toMatchObject({
        views: 1,
        shares: 1,
        impressions: '1',
        clicks: expect.toSatisfy((n: number) => n >= 2),
        purchases: '1',
      });
    expect(await figure(streamer, 'report-revenue')).toBe(25);
    await streamer.getByTestId('chart-concurrency').locator('canvas').waitFor({ timeout: 20_000 });
    await screenshotRendered(streamer, 'analytics-report');

    // Phones: the report fits the width.
    await streamer.setViewportSize({ width: 390, height: 844 });
    expect(await streamer.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshotRendered(streamer, 'analytics-report-phone');
  });
});
