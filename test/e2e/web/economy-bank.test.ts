// Coins bought by bank debit against the local mode (startLocalPlatform, free ports), on a laptop and
// a phone: the buyer pays on the local Stripe checkout page with a test US bank account, comes back
// to the wallet, which says the payment is processing and credits nothing; when the debit settles
// (10 s later, as the local Stripe does) the wallet credits the pack once (laptop, an account that
// pays) or says the payment failed and nothing was charged (phone, an account with insufficient funds).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP, PHONE } from './fixture-site';
import { signUp, startLocal, type LocalPlatform } from './local-mode';
import { launchChromium, shot } from './support';

let platform: LocalPlatform | undefined;
let browser: Browser;
let outbox = '';

const PROCESSING = 'Payment processing — coins arrive when your bank confirms';

describe('bank debits against the local mode', () => {
  beforeAll(async () => {
    ({ platform, outbox } = await startLocal('economy-bank-e2e'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  for (const [name, viewport, account, pays] of [
    ['laptop', LAPTOP, '000123456789', true],
    ['phone', PHONE, '000222222227', false],
  ] as const) {
    it(`${name}: the 550-coin pack paid by bank debit is "processing" with no coins, then ${pays ? 'credited once' : 'failed, nothing charged'}`, async () => {
      const web = platform?.endpoints['webUrl'] ?? '';
      const id = `${name[0]}${Date.now().toString(36)}`;
      const ctx = await browser.newContext({ viewport, isMobile: name === 'phone', hasTouch: name === 'phone' });
      const page = await ctx.newPage();
      await signUp(page, web, outbox, { email: `bank${id}@example.com`, handle: `bank${id}` }, '/wallet/');

      await page.locator('[data-testid=coin-pack][data-pack=coins-550] button').click();
      await page.locator('#accountNumber').waitFor({ timeout: 20_000 });
      await page.fill('#accountHolder', 'Bank Buyer');
      await page.fill('#routingNumber', '110000000');
      await page.fill('#accountNumber', account);
      await page.getByRole('button', { name: 'Pay $4.99 by bank debit' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/wallet') && u.searchParams.has('checkout'), {
        timeout: 30_000,
      });

      const status = page.getByTestId('checkout-status');
      await expect.poll(() => status.innerText(), { timeout: 15_000 }).toContain(PROCESSING);
      await page.getByTestId('wallet-coins').waitFor();
      expect(await page.getByTestId('wallet-coins').innerText()).toMatch(/\b0 coins/);
      await expect.poll(() => page.getByTestId('purchase-row').first().innerText()).toContain(PROCESSING);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: shot(`economy-bank-processing-${viewport.width}x${viewport.height}`) });

      if (pays) {
        await expect
          .poll(() => status.innerText(), { timeout: 45_000 })
          .toBe('✅ Coins added: 550 coins are in your wallet.');
        await expect.poll(() => page.getByTestId('wallet-coins').innerText()).toMatch(/\b550 coins/);
        await expect.poll(() => page.getByTestId('purchase-row').first().innerText()).toMatch(/Paid$/);
        // Reloading asks again: still one credit.
        await page.reload();
        await expect
          .poll(() => page.getByTestId('wallet-coins').innerText(), { timeout: 15_000 })
          .toMatch(/\b550 coins/);
      } else {
        await expect
          .poll(() => status.innerText(), { timeout: 45_000 })
          .toMatch(/^The payment for this checkout failed: nothing was charged and no coins were added/);
        expect(await page.getByTestId('wallet-coins').innerText()).toMatch(/\b0 coins/);
        await expect
          .poll(() => page.getByTestId('purchase-row').first().innerText())
          .toContain('Payment failed: not charged');
      }
      expect(await page.getByTestId('wallet-pending').count()).toBe(0);
      await page.screenshot({ path: shot(`economy-bank-settled-${viewport.width}x${viewport.height}`) });
      await ctx.close();
    }, 300_000);
  }
});
