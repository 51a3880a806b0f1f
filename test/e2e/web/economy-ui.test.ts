// Fixture-mode UI checks for the creator economy on a laptop (1366×768) and a phone (390×844): the
// gift picker (keyboard, cost and balance, the reason when short), a gift sent with its client id
// reused on a retry, gifts and tips pushed over the real-time endpoint (lanes, combo, ticker,
// top gifters, reduced motion), the header balance, the wallet's checkout return, Studio earnings
// and the admin page. The production build in headless Chromium, the API answered from fixtures.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  DINA,
  fixtureContext,
  LAPTOP,
  PHONE,
  startFixtureSite,
  type FixtureSite,
  type FixtureUser,
} from './fixture-site';
import { shot } from './support';

let f: FixtureSite;
let overrides: Record<string, (v: Record<string, unknown>) => unknown> = {};
let calls: { op: string; variables: Record<string, unknown> }[] = [];
/** What the server's topGifters adds up: the fixture's two gifters plus every gift a test pushed. */
let tally: Record<string, { userId: string; handle: string; coins: number }> = {};

const iso = (ms: number) => new Date(Date.now() + ms).toISOString();
const CATALOG = [
  { id: 'heart', name: 'Heart', coins: 1, animation: 'heart' },
  { id: 'rose', name: 'Rose', coins: 5, animation: 'rose' },
  { id: 'clap', name: 'Applause', coins: 10, animation: 'clap' },
  { id: 'star', name: 'Shooting star', coins: 50, animation: 'star' },
  { id: 'crown', name: 'Crown', coins: 100, animation: 'crown' },
  { id: 'rocket', name: 'Rocket', coins: 500, animation: 'rocket' },
  { id: 'castle', name: 'Castle', coins: 2000, animation: 'castle' },
];
const giftEvent = (id: string, o: Record<string, unknown> = {}) => ({
  id,
  channelId: 'u-alice',
  streamId: 'st-1',
  kind: 'GIFT',
  giftId: 'rose',
  giftName: 'Rose',
  animation: 'rose',
  count: 1,
  coins: 5,
  message: null,
  senderId: 'u-carl',
  senderHandle: 'carl',
  sentAt: iso(0),
  big: false,
  ...o,
});
const earnings = (o: Record<string, unknown> = {}) => ({
  userId: 'u-alice',
  tier: 'STANDARD',
  sharePercent: 50,
  availableAmount: 450,
  reservedAmount: 0,
  paidAmount: 2_000,
  currency: 'USD',
  minimumPayoutAmount: 1000,
  lifetimeCoins: 4_900,
  ...o,
});

/** The economy's answers, beside the shared fixture's. */
function economyAnswer(op: string, v: Record<string, unknown>): unknown {
  switch (op) {
    case 'Wallet':
      return { myWallet: { coins: 120, debt: 0 } };
    case 'Gifts':
      return { giftCatalog: CATALOG };
    case 'GiftPanel':
      return { giftCatalog: CATALOG, myWallet: { coins: 120, debt: 0 } };
    case 'Top':
      return {
        topGifters: Object.values(tally)
          .sort((a, b) => b.coins - a.coins)
          .slice(0, 10),
      };
    case 'Gift': {
      const input = v['input'] as { giftId: string; count: number; clientGiftId: string };
      const g = CATALOG.find((x) => x.id === input.giftId) ?? CATALOG[0];
      return {
        sendGift: {
          gift: giftEvent(`gift-${input.clientGiftId}`, {
            giftId: g?.id,
            giftName: g?.name,
            animation: g?.animation,
            count: input.count,
            coins: (g?.coins ?? 1) * input.count,
            senderId: 'u-bob',
            senderHandle: 'bob',
          }),
          wallet: { coins: 120 - (g?.coins ?? 1) * input.count, debt: 0 },
        },
      };
    }
    case 'StudioEarnings':
      return {
        myEarnings: earnings(),
        myPayouts: {
          items: [
            {
              payoutId: 'po1',
              userId: 'u-alice',
              handle: 'alice',
              amount: 2_000,
              currency: 'USD',
              status: 'PAID',
              requestedAt: iso(-7 * 86_400_000),
              decidedAt: iso(-6 * 86_400_000),
              reason: null,
              history: [],
            },
            {
              payoutId: 'po0',
              userId: 'u-alice',
              handle: 'alice',
              amount: 1_500,
              currency: 'USD',
              status: 'REJECTED',
              requestedAt: iso(-9 * 86_400_000),
              decidedAt: iso(-8 * 86_400_000),
              reason: 'Bank details missing',
              history: [],
            },
          ],
          nextToken: null,
        },
        myLedger: {
          items: [
            {
              entryId: 'l1',
              kind: 'GIFT_RECEIVED',
              coins: 0,
              amount: 250,
              currency: 'USD',
              channelId: 'u-alice',
              giftId: 'star',
              payoutId: null,
              counterpartyHandle: 'carl',
              createdAt: iso(-60_000),
            },
            {
              entryId: 'l2',
              kind: 'TIP_RECEIVED',
              coins: 0,
              amount: 200,
              currency: 'USD',
              channelId: 'u-alice',
              giftId: null,
              payoutId: null,
              counterpartyHandle: 'dina',
              createdAt: iso(-120_000),
            },
          ],
          nextToken: null,
        },
      };
    case 'WalletPage':
      return {
        myWallet: { coins: 120, debt: 0 },
        coinShop: {
          available: true,
          reason: null,
          packs: [
            { id: 'coins-100', coins: 100, amount: 99, currency: 'USD', label: '100 coins' },
            { id: 'coins-550', coins: 550, amount: 499, currency: 'USD', label: '550 coins (10% bonus)' },
          ],
        },
        myCoinPurchases: { items: [], nextToken: null },
      };
    case 'Ledger':
      return {
        myLedger: {
          items: [
            {
              entryId: 'w1',
              kind: 'GIFT_SENT',
              coins: -5,
              amount: null,
              currency: null,
              channelId: 'u-alice',
              giftId: 'rose',
              payoutId: null,
              counterpartyHandle: 'alice',
              createdAt: iso(-30_000),
            },
          ],
          nextToken: null,
        },
      };
    case 'PayoutQueue':
      return {
        payoutQueue: {
          items: [
            {
              payoutId: 'po9',
              userId: 'u-alice',
              handle: 'alice',
              amount: 2_804,
              currency: 'USD',
              status: 'REQUESTED',
              requestedAt: iso(-3_600_000),
              decidedAt: null,
              reason: null,
              history: [],
            },
          ],
          nextToken: null,
        },
      };
    case 'DecidePayout':
      return {
        decidePayout: {
          payoutId: v['id'],
          userId: 'u-alice',
          handle: 'alice',
          amount: 2_804,
          currency: 'USD',
          status: v['decision'],
          requestedAt: iso(-3_600_000),
          decidedAt: iso(0),
          reason: v['reason'] ?? null,
          history: [],
        },
      };
    default:
      return undefined;
  }
}

function contextFor(
  user: FixtureUser | null,
  viewport: { width: number; height: number },
  opts: { mobile?: boolean; admin?: boolean } = {},
): Promise<BrowserContext> {
  const who = user && opts.admin ? { ...user, groups: ['admins'] } : user;
  return fixtureContext(f.browser, f.origin, { user: who, viewport, mobile: opts.mobile }, (op, v) => {
    calls.push({ op, variables: v });
    const own = overrides[op];
    if (own) return own(v);
    return { data: economyAnswer(op, v) ?? f.api.answer(op, v) };
  });
}

async function openWatch(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${f.origin}/u/alice`);
  await page.locator('[data-product-id=p1]').waitFor();
  await page.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  f = await startFixtureSite();
});

afterAll(async () => {
  await f?.close();
});

beforeEach(() => {
  overrides = {};
  calls = [];
  tally = {
    'u-dina': { userId: 'u-dina', handle: 'dina', coins: 300 },
    'u-carl': { userId: 'u-carl', handle: 'carl', coins: 40 },
  };
});

/** Delivers a gift event to every watcher, as the server would after accepting it. */
function push(e: ReturnType<typeof giftEvent>, redelivery = false): void {
  if (!redelivery) {
    const t = tally[e.senderId] ?? { userId: e.senderId, handle: e.senderHandle, coins: 0 };
    tally[e.senderId] = { ...t, coins: t.coins + e.coins };
  }
  f.rt.push('onGift', e);
}

describe('gift picker and sending', () => {
  for (const [name, viewport, mobile] of [
    ['laptop', LAPTOP, false],
    ['phone', PHONE, true],
  ] as const) {
    it(`${name}: header balance, keyboard picker with cost and balance, a reason when short, a gift sent`, async () => {
      const ctx = await contextFor(BOB, viewport, { mobile });
      const page = await openWatch(ctx);
      await expect.poll(() => page.getByTestId('header-balance').innerText(), { timeout: 15_000 }).toContain('120');
      await page.getByTestId('gift-toggle').click();
      const picker = page.getByTestId('gift-picker');
      await expect.poll(() => picker.getByTestId('gift-balance').innerText(), { timeout: 15_000 }).toBe('120 coins');
      // Keyboard: one tab stop, arrows move the choice.
      await picker.locator('[role=radio][aria-checked=true]').focus();
      await page.keyboard.press('ArrowRight');
      expect(await picker.locator('[role=radio][aria-checked=true]').getAttribute('data-gift')).toBe('rose');
      await page.keyboard.press('End');
      expect(await picker.locator('[role=radio][aria-checked=true]').getAttribute('data-gift')).toBe('castle');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-gift'))).toBe('castle');
      const send = picker.getByRole('button', { name: /^Send Castle/ });
      expect(await send.isDisabled()).toBe(true);
      // The reason is the Send button's description (ids are unique per picker: a battle shows two).
      const reasonId = await send.getAttribute('aria-describedby');
      expect(reasonId).toBeTruthy();
      expect(await picker.locator(`[id="${reasonId}"]`).innerText()).toBe(
        'Castle costs 2,000 coins; you have 120 coins. Buy coins on your wallet page.',
      );
      await page.screenshot({ path: shot(`economy-picker-${viewport.width}x${viewport.height}`) });

      await picker.locator('[data-gift=rose]').click();
      await picker.getByRole('button', { name: /^Send Rose/ }).click();
      await page.getByTestId('gift-sent').waitFor();
      expect(await page.getByTestId('gift-sent').innerText()).toBe('You sent Rose.');
      // The sender's own gift plays at once (its receipt), and the header follows the new balance.
      await page.getByTestId('gift-animation').filter({ hasText: '@bob' }).waitFor();
      await expect.poll(() => page.getByTestId('header-balance').innerText()).toContain('115');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await ctx.close();
    });
  }

  it('a send whose answer is lost is retried with the same clientGiftId; a refusal is a sentence', async () => {
    const ctx = await contextFor(BOB, LAPTOP);
    const page = await openWatch(ctx);
    await page.getByTestId('gift-toggle').click();
    const picker = page.getByTestId('gift-picker');
    await picker.locator('[data-gift=rose]').click();
    overrides = { Gift: () => 'network' };
    await picker.getByRole('button', { name: /^Send Rose/ }).click();
    const error = page.getByTestId('gift-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/never charged twice/);
    overrides = {};
    await error.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('gift-sent').waitFor();
    // Every attempt (Amplify's own retries of the lost request, then "Try again") carries one id.
    const gifts = () =>
      calls.filter((c) => c.op === 'Gift').map((c) => (c.variables['input'] as { clientGiftId: string }).clientGiftId);
    const ids = gifts();
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(1);
    // The next gift is a new one.
    await picker.getByRole('button', { name: /^Send Rose/ }).click();
    await expect.poll(() => gifts().length).toBe(ids.length + 1);
    expect(gifts().at(-1)).not.toBe(ids[0]);

    overrides = {
      Gift: () => ({
        data: null,
        errors: [{ message: 'This costs 5 coins and your wallet holds 0.', errorType: 'INSUFFICIENT_COINS' }],
      }),
    };
    await picker.getByRole('button', { name: /^Send Rose/ }).click();
    await expect.poll(() => error.innerText()).toMatch(/You do not have enough coins for that.*Nothing was charged/);
    expect(await error.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await ctx.close();
  });
});

describe('gifts every viewer sees', () => {
  it('lanes with the combo, the ticker one at a time, top gifters, a big gift in the middle; reduced motion stands still', async () => {
    const ctx = await contextFor(DINA, LAPTOP);
    const page = await openWatch(ctx);
    await expect.poll(() => f.rt.count('onGift'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('top-gifters').innerText()).toContain('@dina');
    for (const i of [1, 2, 3]) push(giftEvent(`c${i}`));
    push(giftEvent('c3'), true);
    const lane = page.getByTestId('gift-animation').filter({ hasText: '@carl' });
    await lane.waitFor();
    await expect.poll(() => lane.getByTestId('gift-combo').innerText()).toBe('×3');
    expect(await page.getByTestId('gift-animation').count()).toBe(1);
    push(
      giftEvent('t1', {
        kind: 'TIP',
        giftId: null,
        giftName: null,
        animation: null,
        coins: 50,
        message: 'great slabs',
        senderId: 'u-eve',
        senderHandle: 'eve',
      }),
    );
    // The ticker: the first rose now; the two that followed wait as one line, then the tip.
    const ticker = page.getByTestId('tip-ticker');
    await expect.poll(() => ticker.innerText()).toContain('@carl sent Rose');
    await expect.poll(() => ticker.innerText()).toContain('+2');
    push(
      giftEvent('big1', {
        giftId: 'castle',
        giftName: 'Castle',
        animation: 'castle',
        coins: 2000,
        big: true,
        senderId: 'u-fay',
        senderHandle: 'fay',
      }),
    );
    await page.getByTestId('gift-spotlight').waitFor();
    await expect
      .poll(() => page.getByTestId('top-gifters').locator('li').first().innerText(), { timeout: 5_000 })
      .toContain('@fay');
    expect(await page.getByTestId('top-gifters').innerText()).toContain('@eve');
    await page.screenshot({ path: shot('economy-gifts-1366x768') });
    await expect.poll(() => ticker.innerText(), { timeout: 12_000 }).toContain('@carl sent 2 × Rose');
    await expect.poll(() => ticker.innerText(), { timeout: 12_000 }).toContain('@eve tipped 50 coins: great slabs');
    const animation = () =>
      page.evaluate(
        () => getComputedStyle(document.querySelector('[data-testid=tip-ticker] .tick') as Element).animationName,
      );
    expect(await animation()).toMatch(/slide-left$/);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await animation()).toBe('none');
    await ctx.close();
  });

  it('phone: gifts in their own tab, the video and its overlay stay on screen', async () => {
    const ctx = await contextFor(BOB, PHONE, { mobile: true });
    const page = await openWatch(ctx);
    await page.getByRole('tab', { name: 'Gifts' }).click();
    await page.getByTestId('gift-picker').waitFor();
    await expect.poll(() => page.getByTestId('top-gifters').innerText()).toContain('@dina');
    await expect.poll(() => f.rt.count('onGift'), { timeout: 15_000 }).toBeGreaterThan(0);
    push(giftEvent('p1'));
    push(
      giftEvent('p2', {
        kind: 'TIP',
        giftId: null,
        giftName: null,
        coins: 25,
        message: 'hi',
        senderHandle: 'dina',
        senderId: 'u-dina',
      }),
    );
    await page.getByTestId('gift-animation').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: shot('economy-gifts-390x844') });
    await page.getByRole('tab', { name: 'Shop' }).click();
    expect(await page.locator('[data-product-id=p1]').isVisible()).toBe(true);
    await ctx.close();
  });
});

describe('wallet, studio earnings and admin', () => {
  for (const [name, viewport, mobile] of [
    ['laptop', LAPTOP, false],
    ['phone', PHONE, true],
  ] as const) {
    it(`${name}: the checkout return waits for the credit, then says "Coins added"`, async () => {
      let asks = 0;
      const purchase = (status: string) => ({
        sessionId: 'cs_test_1',
        packId: 'coins-550',
        coins: 550,
        amount: 499,
        currency: 'USD',
        status,
        createdAt: iso(-5_000),
      });
      overrides = {
        CoinPurchases: () => ({
          data: { myCoinPurchases: { items: [purchase(++asks < 3 ? 'OPEN' : 'PAID')], nextToken: null } },
        }),
      };
      const ctx = await contextFor(BOB, viewport, { mobile });
      const page = await ctx.newPage();
      await page.goto(`${f.origin}/wallet?checkout=cs_test_1`);
      await expect.poll(() => page.getByTestId('checkout-status').innerText()).toMatch(/Waiting for the payment/);
      await expect
        .poll(() => page.getByTestId('checkout-status').innerText(), { timeout: 10_000 })
        .toBe('✅ Coins added: 550 coins are in your wallet.');
      expect(await page.getByTestId('coin-pack').count()).toBe(2);
      await page.getByRole('tab', { name: 'Gifts and tips sent' }).click();
      expect(await page.getByTestId('sent-row').first().innerText()).toContain('Sent Rose to @alice');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: shot(`economy-wallet-${viewport.width}x${viewport.height}`), fullPage: true });
      await ctx.close();
    });

    it(`${name}: a checkout that expired unpaid says so, stops waiting, and is listed as expired`, async () => {
      const purchase = {
        sessionId: 'cs_test_2',
        packId: 'coins-100',
        coins: 100,
        amount: 99,
        currency: 'USD',
        status: 'EXPIRED',
        refundedAmount: 0,
        createdAt: iso(-5_000),
      };
      const page1 = { myCoinPurchases: { items: [purchase], nextToken: null } };
      overrides = {
        CoinPurchases: () => ({ data: page1 }),
        WalletPage: () => ({ data: { ...(economyAnswer('WalletPage', {}) as Record<string, unknown>), ...page1 } }),
      };
      const ctx = await contextFor(BOB, viewport, { mobile });
      const page = await ctx.newPage();
      await page.goto(`${f.origin}/wallet?checkout=cs_test_2`);
      await expect
        .poll(() => page.getByTestId('checkout-status').innerText(), { timeout: 10_000 })
        .toMatch(/^This checkout expired before it was paid: nothing was charged/);
      await expect.poll(() => page.getByTestId('purchase-row').first().innerText()).toContain('Expired: not charged');
      const asked = calls.filter((c) => c.op === 'CoinPurchases').length;
      await page.waitForTimeout(2_500);
      expect(calls.filter((c) => c.op === 'CoinPurchases')).toHaveLength(asked);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await ctx.close();
    });

    it(`${name}: a bank debit says "Payment processing" with no coins, then "Coins added" once the bank confirms`, async () => {
      let asks = 0;
      let confirmed = false;
      const purchase = () => ({
        sessionId: 'cs_test_bank',
        packId: 'coins-550',
        coins: 550,
        amount: 499,
        currency: 'USD',
        status: confirmed ? 'PAID' : 'PROCESSING',
        refundedAmount: 0,
        createdAt: iso(-5_000),
      });
      const page1 = () => ({ myCoinPurchases: { items: [purchase()], nextToken: null } });
      overrides = {
        CoinPurchases: () => {
          // The bank confirms after the page has asked a few times.
          if (++asks >= 3) confirmed = true;
          return { data: page1() };
        },
        WalletPage: () => ({
          data: {
            ...(economyAnswer('WalletPage', {}) as Record<string, unknown>),
            myWallet: { coins: confirmed ? 670 : 120, debt: 0 },
            ...page1(),
          },
        }),
      };
      const ctx = await contextFor(BOB, viewport, { mobile });
      const page = await ctx.newPage();
      await page.goto(`${f.origin}/wallet?checkout=cs_test_bank`);
      const status = page.getByTestId('checkout-status');
      await expect
        .poll(() => status.innerText(), { timeout: 10_000 })
        .toMatch(/^🏦\s*Payment processing — coins arrive when your bank confirms\. Your 550 coins are on their way/);
      // No coins yet: the balance is what it was, and the page says what is on the way.
      expect(await page.getByTestId('wallet-coins').innerText()).toContain('120');
      expect(await page.getByTestId('wallet-pending').innerText()).toBe(
        '550 coins on the way. Payment processing — coins arrive when your bank confirms.',
      );
      expect(await page.getByTestId('purchase-row').first().innerText()).toContain(
        'Payment processing — coins arrive when your bank confirms',
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({
        path: shot(`economy-wallet-processing-${viewport.width}x${viewport.height}`),
        fullPage: true,
      });

      await expect
        .poll(() => status.innerText(), { timeout: 20_000 })
        .toBe('✅ Coins added: 550 coins are in your wallet.');
      await expect.poll(() => page.getByTestId('wallet-coins').innerText()).toContain('670');
      expect(await page.getByTestId('wallet-pending').count()).toBe(0);
      await expect.poll(() => page.getByTestId('purchase-row').first().innerText()).toMatch(/Paid$/);
      // Settled: the page stops asking.
      const asked = calls.filter((c) => c.op === 'CoinPurchases').length;
      await page.waitForTimeout(3_500);
      expect(calls.filter((c) => c.op === 'CoinPurchases')).toHaveLength(asked);
      await ctx.close();
    });

    it(`${name}: Studio earnings say why a payout waits; the admin queue marks paid and rejects with a reason`, async () => {
      const ctx = await contextFor(ALICE, viewport, { mobile });
      const page = await ctx.newPage();
      await page.goto(`${f.origin}/studio/`);
      const panel = page.getByTestId('earnings');
      await panel.getByTestId('earnings-available').waitFor();
      expect(await panel.getByTestId('earnings-available').innerText()).toBe('$4.50');
      expect(await panel.getByTestId('tier').innerText()).toBe('Standard: you keep 50% of every gift and tip.');
      expect(await panel.getByRole('button', { name: 'Request payout' }).isDisabled()).toBe(true);
      expect(await panel.getByTestId('payout-reason').innerText()).toBe(
        'Payouts start at $10.00: you have $4.50 available.',
      );
      expect(await panel.innerText()).toContain('Rejected: Bank details missing');
      await expect.poll(() => panel.innerText()).toContain('Shooting star from @carl');
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: shot(`economy-studio-${viewport.width}x${viewport.height}`) });
      await ctx.close();

      const adminCtx = await contextFor(ALICE, viewport, { mobile, admin: true });
      const admin = await adminCtx.newPage();
      await admin.goto(`${f.origin}/admin/`);
      const row = admin.getByTestId('queue-row').filter({ hasText: '@alice' });
      await row.waitFor();
      expect(await row.innerText()).toContain('$28.04');
      await row.getByRole('button', { name: 'Reject…' }).click();
      await admin.getByRole('button', { name: 'Reject payout' }).click();
      expect(await admin.locator('#rej-err').innerText()).toMatch(/Say why/);
      await admin.fill('#rej-reason', 'Bank details missing');
      await admin.getByRole('button', { name: 'Reject payout' }).click();
      await row.waitFor({ state: 'detached' });
      const decision = calls.find((c) => c.op === 'DecidePayout');
      expect(decision?.variables).toEqual({ id: 'po9', decision: 'REJECTED', reason: 'Bank details missing' });
      expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await admin.screenshot({ path: shot(`economy-admin-${viewport.width}x${viewport.height}`) });
      await adminCtx.close();
    });
  }
});
