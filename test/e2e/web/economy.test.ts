// The creator economy end to end against the local mode (startLocalPlatform, free ports): a viewer buys
// a coin pack through the local Stripe checkout page, sends gifts on a live stream that a second
// viewer sees animate (with the combo) and tick by, the broadcaster's earnings grow by their share
// (50% standard), and a big gift reaches the broadcaster's bell. Not yet here: the admin making them
// premium (90%) and the payout (the admin's refreshed token did not carry the admins group locally);
// economy-ui.test.ts covers those screens against fixtures.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goLiveFromStudio, startLocal, viewerWithCoins, type LocalRun } from './local-platform';
import { launchChromium, screenshotRendered, shot } from './support';

let run: LocalRun | undefined;
let browser: Browser;

/** "$10.04" → 1004. */
const cents = (text: string) => Math.round(Number(text.replace(/[^0-9.]/g, '')) * 100);

describe('creator economy against the local mode', () => {
  beforeAll(async () => {
    run = await startLocal('economy-e2e');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
  });

  it('buy coins → gift → every viewer sees it → earnings grow by 50% → big gift on the bell', async () => {
    if (!run) throw new Error('the local mode did not start');
    const web = run.web;
    const id = Date.now().toString(36);
    const streamerEmail = `s${id}@example.com`;

    // The broadcaster: sign up, create the channel, go live from ffmpeg.
    const streamer = await goLiveFromStudio(browser, run, streamerEmail, `s${id}`);
    const earnings = streamer.getByTestId('earnings');
    await earnings.getByTestId('earnings-available').waitFor();
    expect(await earnings.getByTestId('earnings-available').innerText()).toBe('$0.00');
    expect(await earnings.getByTestId('tier').innerText()).toMatch(/Standard: you keep 50%/);
    expect(await earnings.getByRole('button', { name: 'Request payout' }).isDisabled()).toBe(true);
    expect(await earnings.getByTestId('payout-reason').innerText()).toBe('Payouts start at $10.00: you have $0.00 available.');

    // The gifter buys the 6,500-coin pack on the local checkout page and comes back to the wallet.
    const gifter = await viewerWithCoins(browser, run, `g${id}@example.com`, `g${id}`);
    await expect.poll(() => gifter.getByTestId('checkout-status').innerText(), { timeout: 30_000 }).toMatch(/Coins added: 6,500 coins/);
    await expect.poll(() => gifter.getByTestId('header-balance').innerText(), { timeout: 10_000 }).toContain('6.5K');
    await screenshotRendered(gifter, 'economy-wallet');

    // A second viewer, a guest, watches the same stream.
    const watcher = await (await browser.newContext()).newPage();
    await watcher.goto(`${web}/u/s${id}`);
    // The overlay sits on the player, drawn once the page knows the stream is live (before its first frame).
    await watcher.getByTestId('gift-layer').waitFor({ timeout: 60_000 });
    await expect.poll(() => watcher.getByTestId('top-gifters').innerText(), { timeout: 20_000 }).toContain('No gifts yet');

    await gifter.goto(`${web}/u/s${id}`);
    await gifter.getByTestId('gift-toggle').click({ timeout: 60_000 });
    const picker = gifter.getByTestId('gift-picker');
    await expect.poll(() => picker.getByTestId('gift-balance').innerText(), { timeout: 15_000 }).toBe('6,500 coins');

    // Two roses in a row: the second viewer sees the animation and the ticker.
    await picker.locator('[data-gift=rose]').click();
    await picker.getByRole('button', { name: /^Send Rose/ }).click();
    await gifter.getByTestId('gift-sent').waitFor({ timeout: 15_000 });
    await picker.getByRole('button', { name: /^Send Rose/ }).click();
    await expect.poll(() => picker.getByTestId('gift-balance').innerText(), { timeout: 15_000 }).toBe('6,490 coins');
    const animation = watcher.getByTestId('gift-animation').filter({ hasText: `@g${id}` });
    await animation.waitFor({ timeout: 20_000 });
    // (The combo needs both roses within 5 s at the watcher; the table-stream fan-out on a loaded runner
    // can space them further, so economy-ui.test.ts proves "×3" with pushed events instead.)
    await expect.poll(() => watcher.getByTestId('tip-ticker').innerText(), { timeout: 10_000 }).toContain(`@g${id} sent`);
    await watcher.screenshot({ path: shot('economy-watch-gift') });
    await expect.poll(() => watcher.getByTestId('top-gifters').innerText(), { timeout: 20_000 }).toContain(`@g${id}`);

    // Roses earn the broadcaster floor(5 × 50%) = 2 cents each; a castle (2,000 coins = $20.00) earns $10.00.
    await expect.poll(async () => cents(await earnings.getByTestId('earnings-available').innerText()), { timeout: 30_000 }).toBe(4);
    await picker.locator('[data-gift=castle]').click();
    await picker.getByRole('button', { name: /^Send Castle/ }).click();
    await watcher.getByTestId('gift-spotlight').waitFor({ timeout: 20_000 });
    await expect.poll(async () => cents(await earnings.getByTestId('earnings-available').innerText()), { timeout: 30_000 }).toBe(4 + 1000);
    // A big gift reaches the broadcaster's bell.
    await expect.poll(() => streamer.getByTestId('bell-count').innerText().catch(() => ''), { timeout: 30_000 }).not.toBe('');

    await screenshotRendered(streamer, 'economy-studio-earnings');
  });
});
