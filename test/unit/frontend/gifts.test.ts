import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  COMBO_WINDOW_MS,
  GIFT_SHOW_MS,
  comboLabel,
  createComboCounter,
  createGiftStage,
  type GiftShow,
} from '../../../frontend/src/features/gifts/combo';
import {
  addToTopGifters,
  animationClass,
  checkTip,
  createRetryIds,
  createSeen,
  economyErrorMessage,
  formatCoins,
  giftBlock,
  giftIcon,
  isFinalRefusal,
  mergeTickerGift,
  pickerMove,
  sendBlock,
  tickerText,
  type PickerContext,
} from '../../../frontend/src/features/gifts/gifts';
import { TICKER_ITEM_MS, createTicker, type TickerState } from '../../../frontend/src/features/gifts/ticker';
import { createLiveGifts } from '../../../frontend/src/features/gifts/live';
import { isAdmin } from '../../../frontend/src/features/auth/session';
import {
  CHECKOUT_SLOW_MS,
  checkoutPollDelay,
  checkoutSettled,
  checkoutView,
  ledgerLine,
  mergeLedger,
  normalizeHandle,
  payoutBlock,
  payoutStatusText,
  pendingCoins,
  PROCESSING_SENTENCE,
  purchaseStatusText,
  rejectReasonError,
  tierSentence,
  type CoinPurchase,
} from '../../../frontend/src/features/wallet/wallet';
import type { GiftEvent, LedgerEntry, TopGifter } from '../../../frontend/src/lib/types';

const gift = (id: string, o: Partial<GiftEvent> = {}): GiftEvent => ({
  id,
  channelId: 'u-ben',
  streamId: 'st-1',
  kind: 'GIFT',
  giftId: 'rose',
  giftName: 'Rose',
  animation: 'float',
  count: 1,
  coins: 1,
  message: null,
  senderId: 'u-amy',
  senderHandle: 'amy',
  sentAt: '2026-12-02T18:00:00Z',
  big: false,
  ...o,
});
const tip = (id: string, o: Partial<GiftEvent> = {}): GiftEvent =>
  gift(id, { kind: 'TIP', giftId: null, giftName: null, coins: 25, message: `tip ${id}`, ...o });

describe('tip ticker queue (features/gifts/ticker.ts)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows each entry for 8 s, one at a time, in arrival order', () => {
    const states: TickerState<GiftEvent>[] = [];
    const t = createTicker<GiftEvent>({ key: (e) => e.id, onChange: (s) => states.push(s) });
    t.push(tip('a'));
    t.push(tip('b'));
    expect(t.state()).toMatchObject({ current: { id: 'a' }, pending: 1 });
    vi.advanceTimersByTime(TICKER_ITEM_MS - 1);
    expect(t.state().current?.id).toBe('a');
    vi.advanceTimersByTime(1);
    expect(t.state()).toMatchObject({ current: { id: 'b' }, pending: 0 });
    vi.advanceTimersByTime(TICKER_ITEM_MS);
    expect(t.state().current).toBeNull();
    expect(TICKER_ITEM_MS).toBe(8_000);
  });

  it('a burst of 50 tips: every one shown, for 8 s each, never two at once, none dropped', () => {
    const shown: { id: string; from: number }[] = [];
    let last: string | null = null;
    const t = createTicker<GiftEvent>({
      key: (e) => e.id,
      onChange: (s) => {
        const id = s.current?.id ?? null;
        if (id !== last && id !== null) shown.push({ id, from: Date.now() });
        last = id;
      },
    });
    const start = Date.now();
    for (let i = 0; i < 50; i++) expect(t.push(tip(`t${i}`))).toBe(true);
    expect(t.state().pending).toBe(49);
    for (let i = 0; i < 50 * 8; i++) {
      vi.advanceTimersByTime(1000);
      // The one timer running is the one of the entry on screen.
      expect(vi.getTimerCount()).toBe(t.state().current ? 1 : 0);
    }
    expect(shown.map((s) => s.id)).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`));
    expect(shown.map((s) => s.from - start)).toEqual(Array.from({ length: 50 }, (_, i) => i * TICKER_ITEM_MS));
    expect(t.state()).toMatchObject({ current: null, pending: 0 });
  });

  it('an entry arriving while the ticker is idle shows at once; a redelivered one is ignored', () => {
    const t = createTicker<GiftEvent>({ key: (e) => e.id, onChange: () => {} });
    t.push(tip('a'));
    vi.advanceTimersByTime(20_000);
    expect(t.push(tip('a'))).toBe(false);
    expect(t.state().current).toBeNull();
    t.push(tip('b'));
    expect(t.state().current?.id).toBe('b');
  });

  it('folds a combo into the waiting entry, never into the one on screen', () => {
    const t = createTicker<GiftEvent>({ key: (e) => e.id, merge: mergeTickerGift, onChange: () => {} });
    t.push(gift('g1'));
    t.push(gift('g2'));
    t.push(gift('g3', { count: 2, coins: 2 }));
    t.push(tip('t1'));
    t.push(gift('g4'));
    expect(t.state()).toMatchObject({ current: { id: 'g1', count: 1 }, pending: 3 });
    vi.advanceTimersByTime(TICKER_ITEM_MS);
    expect(t.state().current).toMatchObject({ id: 'g3', count: 3, coins: 3 });
    expect(tickerText(t.state().current as GiftEvent)).toBe('@amy sent 3 × Rose');
  });

  it('stops after dispose', () => {
    const seen: (string | null)[] = [];
    const t = createTicker<GiftEvent>({ key: (e) => e.id, onChange: (s) => seen.push(s.current?.id ?? null) });
    t.push(tip('a'));
    t.push(tip('b'));
    t.dispose();
    vi.advanceTimersByTime(60_000);
    expect(seen).toEqual(['a', 'a']);
    expect(t.push(tip('c'))).toBe(false);
  });
});

describe('combo counter (features/gifts/combo.ts)', () => {
  it('same sender, same gift within 5 s counts up: ×3', () => {
    const c = createComboCounter();
    const r = { senderId: 'u-amy', giftId: 'rose', count: 1 };
    expect(c.hit(r, 0).total).toBe(1);
    expect(c.hit(r, 4_000).total).toBe(2);
    // The window restarts with every gift: 8 s after the first, 4 s after the second.
    expect(c.hit(r, 8_000).total).toBe(3);
    expect(comboLabel(3)).toBe('×3');
    expect(comboLabel(1)).toBe('');
  });

  it('another gift, another sender, or a pause longer than 5 s starts over; a send of 5 counts 5', () => {
    const c = createComboCounter();
    c.hit({ senderId: 'u-amy', giftId: 'rose', count: 1 }, 0);
    expect(c.hit({ senderId: 'u-amy', giftId: 'star', count: 1 }, 1_000).total).toBe(1);
    expect(c.hit({ senderId: 'u-bob', giftId: 'rose', count: 1 }, 1_000).total).toBe(1);
    expect(c.hit({ senderId: 'u-amy', giftId: 'rose', count: 5 }, 2_000).total).toBe(6);
    expect(c.hit({ senderId: 'u-amy', giftId: 'rose', count: 1 }, 2_000 + COMBO_WINDOW_MS + 1).total).toBe(1);
  });
});

describe('gift overlay lanes (features/gifts/combo.ts)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const stage = (lanes = 2) => {
    const view = { shows: [] as readonly GiftShow<GiftEvent>[], waiting: 0 };
    const s = createGiftStage<GiftEvent>({
      lanes,
      onChange: (shows, waiting) => Object.assign(view, { shows, waiting }),
    });
    return { s, view };
  };

  it('a combo raises the count in its lane and stays up 4 s after its latest gift', () => {
    const { s, view } = stage();
    s.push(gift('1'));
    vi.advanceTimersByTime(3_000);
    s.push(gift('2'));
    vi.advanceTimersByTime(3_000);
    s.push(gift('3'));
    expect(view.shows).toHaveLength(1);
    expect(view.shows[0]).toMatchObject({ total: 3, hits: 3, gift: { id: '3' } });
    vi.advanceTimersByTime(GIFT_SHOW_MS - 1);
    expect(view.shows).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(view.shows).toHaveLength(0);
  });

  it('full lanes: later gifts wait in order, combos still count while waiting, nothing dropped', () => {
    const { s, view } = stage(2);
    s.push(gift('1', { senderId: 'u-a' }));
    s.push(gift('2', { senderId: 'u-b' }));
    s.push(gift('3', { senderId: 'u-c' }));
    s.push(gift('4', { senderId: 'u-d' }));
    s.push(gift('5', { senderId: 'u-c' }));
    expect(view.shows.map((x) => x.gift.senderId)).toEqual(['u-a', 'u-b']);
    expect(view.waiting).toBe(2);
    vi.advanceTimersByTime(GIFT_SHOW_MS);
    expect(view.shows.map((x) => [x.gift.senderId, x.total])).toEqual([
      ['u-c', 2],
      ['u-d', 1],
    ]);
    vi.advanceTimersByTime(GIFT_SHOW_MS);
    expect(view.shows).toHaveLength(0);
    expect(view.waiting).toBe(0);
  });
});

describe('top gifters (features/gifts/gifts.ts)', () => {
  const top = (n: number): TopGifter[] =>
    Array.from({ length: n }, (_, i) => ({ userId: `u${i}`, handle: `h${i}`, coins: 100 - i }));

  it('adds to a known gifter and re-sorts, highest first', () => {
    const l = addToTopGifters(top(3), { senderId: 'u2', senderHandle: 'h2', coins: 50 });
    expect(l.map((g) => [g.userId, g.coins])).toEqual([
      ['u2', 148],
      ['u0', 100],
      ['u1', 99],
    ]);
  });

  it('a newcomer enters only above the tenth, and the list keeps ten', () => {
    expect(addToTopGifters(top(10), { senderId: 'x', senderHandle: 'x', coins: 5 }).map((g) => g.userId)).not.toContain(
      'x',
    );
    const l = addToTopGifters(top(10), { senderId: 'x', senderHandle: 'x', coins: 95 });
    expect(l).toHaveLength(10);
    expect(l.map((g) => g.userId).slice(5, 7)).toEqual(['u5', 'x']);
  });

  it('ties keep the earlier place', () => {
    const l = addToTopGifters([{ userId: 'a', handle: 'a', coins: 10 }], {
      senderId: 'b',
      senderHandle: 'b',
      coins: 10,
    });
    expect(l.map((g) => g.userId)).toEqual(['a', 'b']);
  });

  it('remembers handled ids, bounded', () => {
    const seen = createSeen(2);
    expect(seen('a')).toBe(false);
    expect(seen('a')).toBe(true);
    seen('b');
    seen('c');
    expect(seen('a')).toBe(false);
  });
});

describe('gift picker rules (features/gifts/gifts.ts)', () => {
  const ctx = (o: Partial<PickerContext> = {}): PickerContext => ({
    signedIn: true,
    live: true,
    own: false,
    wallet: { coins: 30, debt: 0 },
    ...o,
  });
  const rose = { name: 'Rose', coins: 10 };

  it('says why a gift cannot be sent, in a sentence', () => {
    expect(giftBlock(ctx(), rose)).toBeNull();
    expect(giftBlock(ctx(), rose, 3)).toBeNull();
    expect(giftBlock(ctx(), rose, 4)).toBe(
      '4 × Rose costs 40 coins; you have 30 coins. Buy coins on your wallet page.',
    );
    expect(giftBlock(ctx({ wallet: { coins: 1, debt: 0 } }), rose)).toBe(
      'Rose costs 10 coins; you have 1 coin. Buy coins on your wallet page.',
    );
    expect(giftBlock(ctx({ signedIn: false }), rose)).toMatch(/^Log in/);
    expect(giftBlock(ctx({ own: true }), rose)).toMatch(/own stream/);
    expect(giftBlock(ctx({ live: false }), rose)).toMatch(/while the stream is live/);
    expect(giftBlock(ctx({ wallet: null }), rose)).toMatch(/Loading/);
    expect(giftBlock(ctx({ wallet: { coins: 500, debt: 20 } }), rose)).toMatch(/owe 20 coins/);
    expect(sendBlock(ctx())).toBeNull();
  });

  it('checks a tip before sending it', () => {
    expect(checkTip('25', '  great show ', ctx())).toEqual({ coins: 25, message: 'great show' });
    expect(checkTip('1,000', '', ctx({ wallet: { coins: 1000, debt: 0 } }))).toEqual({ coins: 1000, message: '' });
    expect(checkTip('0', '', ctx())).toEqual({ error: 'Enter a whole number of coins, 1 or more.' });
    expect(checkTip('2.5', '', ctx())).toHaveProperty('error');
    expect(checkTip('31', '', ctx())).toEqual({
      error: 'You have 30 coins; tip that much or less, or buy coins on your wallet page.',
    });
    expect(checkTip('5', 'x'.repeat(141), ctx())).toEqual({
      error: 'Keep the message to 140 characters (it has 141).',
    });
  });

  it('moves through the grid with the arrow keys', () => {
    expect(pickerMove(0, 'ArrowRight', 6, 3)).toBe(1);
    expect(pickerMove(0, 'ArrowLeft', 6, 3)).toBe(5);
    expect(pickerMove(1, 'ArrowDown', 6, 3)).toBe(4);
    expect(pickerMove(4, 'ArrowDown', 6, 3)).toBe(4);
    expect(pickerMove(4, 'ArrowUp', 6, 3)).toBe(1);
    expect(pickerMove(3, 'End', 6, 3)).toBe(5);
    expect(pickerMove(3, 'Home', 6, 3)).toBe(0);
    expect(pickerMove(3, 'a', 6, 3)).toBeNull();
  });

  it('names gifts with a picture and a known animation', () => {
    expect(giftIcon({ id: 'rose', name: 'Rose' })).toBe('🌹');
    expect(giftIcon({ giftId: 'g-77', giftName: 'Golden crown' })).toBe('👑');
    expect(giftIcon({ id: 'x', name: 'Mystery' })).toBe('🎁');
    expect(giftIcon({ id: 'constructor', name: '' })).toBe('🎁');
    expect(animationClass('burst')).toBe('burst');
    expect(animationClass('unknown')).toBe('float');
    expect(animationClass('rocket')).toBe('rise');
    expect(animationClass('constructor')).toBe('float');
    expect(formatCoins(1250)).toBe('1,250 coins');
  });

  it('ticker lines for tips and gifts', () => {
    expect(tickerText(tip('a', { coins: 50, message: 'hi' }))).toBe('@amy tipped 50 coins: hi');
    expect(tickerText(gift('a'))).toBe('@amy sent Rose');
  });
});

describe('sending money safely (features/gifts/gifts.ts)', () => {
  it('a send whose outcome is unknown is retried with the same client id; every other send gets a new one', () => {
    let n = 0;
    const ids = createRetryIds(() => `id-${++n}`);
    const input = { channelId: 'u-ben', giftId: 'rose', count: 1 };
    const first = ids.begin(input);
    expect(ids.begin(input)).not.toBe(first);
    ids.unknown(input, first);
    expect(ids.begin({ ...input, count: 2 })).not.toBe(first);
    expect(ids.begin(input)).toBe(first);
    // Once that retry is answered, the next send is a new gift.
    expect(ids.begin(input)).not.toBe(first);
  });

  it('tells a final refusal from an unknown outcome', () => {
    expect(isFinalRefusal('INSUFFICIENT_COINS')).toBe(true);
    expect(isFinalRefusal('COINS_IN_DEBT')).toBe(true);
    expect(isFinalRefusal(undefined)).toBe(false);
    expect(isFinalRefusal('Lambda:ExecutionTimeout')).toBe(false);
  });

  it('answers errors with sentences', () => {
    expect(economyErrorMessage({ errorType: 'INSUFFICIENT_COINS', message: 'x' })).toMatch(
      /enough coins.*Nothing was charged/,
    );
    expect(economyErrorMessage({ errorType: 'COINS_IN_DEBT', message: 'x' })).toMatch(/owe coins/);
    expect(economyErrorMessage({ errorType: 'STREAM_NOT_LIVE', message: 'x' })).toMatch(/not live/);
    expect(economyErrorMessage({ errorType: 'VALIDATION', message: 'The message is too long.' })).toBe(
      'The message is too long.',
    );
    expect(economyErrorMessage({ message: 'Network error: check your connection' })).toMatch(/never charged twice/);
  });
});

describe('wallet, earnings and admin (features/wallet/wallet.ts)', () => {
  const purchase = (status: CoinPurchase['status']): CoinPurchase => ({
    sessionId: 'cs_1',
    packId: 'p100',
    coins: 100,
    amount: 99,
    currency: 'USD',
    status,
    createdAt: '2026-12-02T18:00:00Z',
  });

  it('the checkout return banner: waiting, then "Coins added" once credited, slow after 30 s', () => {
    expect(checkoutView(undefined, 0)).toEqual({ state: 'waiting' });
    expect(checkoutView(purchase('OPEN'), 5_000)).toEqual({ state: 'waiting' });
    expect(checkoutView(purchase('OPEN'), CHECKOUT_SLOW_MS)).toEqual({ state: 'slow' });
    expect(checkoutView(purchase('PAID'), 90_000)).toEqual({ state: 'added', coins: 100 });
    expect(checkoutView(purchase('REFUNDED'), 0)).toEqual({ state: 'refunded', coins: 100 });
    expect(purchaseStatusText({ status: 'PAID', refundedAmount: 0, currency: 'USD' })).toBe('Paid');
    expect(purchaseStatusText({ status: 'PAID', refundedAmount: 250, currency: 'USD' })).toBe('Paid, $2.50 refunded');
    expect(purchaseStatusText({ status: 'OPEN', currency: 'USD' })).toBe('Not paid');
    expect(checkoutPollDelay(0)).toBe(1_000);
    expect(checkoutPollDelay(60_000)).toBe(5_000);
    expect(checkoutPollDelay(600_000)).toBe(30_000);
  });

  it('a checkout that closed unpaid ends the wait with what happened: expired or failed, nothing charged', () => {
    expect(checkoutView(purchase('EXPIRED'), 0)).toEqual({ state: 'expired' });
    expect(checkoutView(purchase('FAILED'), 5_000)).toEqual({ state: 'failed' });
    expect(
      [checkoutView(purchase('OPEN'), 0), checkoutView(purchase('OPEN'), CHECKOUT_SLOW_MS)].map(checkoutSettled),
    ).toEqual([false, false]);
    expect(
      (['PAID', 'REFUNDED', 'EXPIRED', 'FAILED'] as const).map((s) => checkoutSettled(checkoutView(purchase(s), 0))),
    ).toEqual([true, true, true, true]);
    expect(purchaseStatusText({ status: 'EXPIRED', currency: 'USD' })).toBe('Expired: not charged');
    expect(purchaseStatusText({ status: 'FAILED', currency: 'USD' })).toBe('Payment failed: not charged');
  });

  it('a bank debit the bank has not confirmed: "Payment processing", no coins yet, never "late", asked about slowly until it settles', () => {
    const processing = checkoutView(purchase('PROCESSING'), CHECKOUT_SLOW_MS * 10);
    expect(processing).toEqual({ state: 'processing', coins: 100 });
    expect(checkoutSettled(processing)).toBe(false);
    expect(checkoutPollDelay(5_000, processing)).toBe(3_000);
    expect(checkoutPollDelay(120_000, processing)).toBe(30_000);
    expect(purchaseStatusText({ status: 'PROCESSING', currency: 'USD' })).toBe(
      'Payment processing — coins arrive when your bank confirms',
    );
    expect(PROCESSING_SENTENCE).toBe('Payment processing — coins arrive when your bank confirms');
    expect(pendingCoins([purchase('PROCESSING'), purchase('PAID'), { ...purchase('PROCESSING'), coins: 550 }])).toBe(
      650,
    );
    expect(pendingCoins([purchase('OPEN'), purchase('FAILED')])).toBe(0);
  });

  it('a payout needs the minimum available', () => {
    expect(payoutBlock({ availableAmount: 999, minimumPayoutAmount: 1000, currency: 'USD' })).toBe(
      'Payouts start at $10.00: you have $9.99 available.',
    );
    expect(payoutBlock({ availableAmount: 1000, minimumPayoutAmount: 1000, currency: 'USD' })).toBeNull();
    expect(tierSentence({ tier: 'PREMIUM', sharePercent: 90 })).toBe('Premium: you keep 90% of every gift and tip.');
  });

  it('admins come from the cognito:groups claim', () => {
    expect(isAdmin(['admins'])).toBe(true);
    expect(isAdmin('admins')).toBe(true);
    expect(isAdmin(['viewers'])).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });
});

describe('live gifts on the watch page (features/gifts/live.ts)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('each event once to the lanes (gifts), the ticker (gifts and tips) and the top gifters', () => {
    const seen = { shows: 0, ticker: [] as (string | null)[], top: [] as readonly TopGifter[] };
    const live = createLiveGifts({
      stage: (shows) => (seen.shows = shows.length),
      ticker: (s) => seen.ticker.push(s.current?.id ?? null),
      top: (l) => (seen.top = l),
    });
    live.setTop([{ userId: 'u-bob', handle: 'bob', coins: 10 }], 'st-1');
    expect(live.receive(gift('g1', { coins: 20 }))).toBe(true);
    expect(live.receive(gift('g1', { coins: 20 }))).toBe(false);
    live.receive(tip('t1', { senderId: 'u-bob', senderHandle: 'bob' }));
    expect(seen.shows).toBe(1);
    expect(seen.top.map((g) => [g.handle, g.coins])).toEqual([
      ['bob', 35],
      ['amy', 20],
    ]);
    vi.advanceTimersByTime(TICKER_ITEM_MS);
    expect(seen.ticker.filter((x, i, a) => x !== a[i - 1])).toEqual(['g1', 't1']);
    // A gift of a newer stream: the list starts over.
    live.receive(gift('g2', { streamId: 'st-2', coins: 5 }));
    expect(seen.top).toEqual([{ userId: 'u-amy', handle: 'amy', coins: 5 }]);
    live.dispose();
  });
});

describe('ledger, payouts and admin input (features/wallet/wallet.ts)', () => {
  const entry = (entryId: string, o: Partial<LedgerEntry> = {}): LedgerEntry => ({
    entryId,
    kind: 'GIFT_SENT',
    coins: -10,
    createdAt: '2026-12-02T18:00:00Z',
    ...o,
  });
  const catalog = [{ id: 'rose', name: 'Rose' }];

  it('says what each entry was, with signed coins and money', () => {
    expect(ledgerLine(entry('a', { giftId: 'rose', counterpartyHandle: 'ben' }), catalog)).toEqual({
      what: 'Sent Rose to @ben',
      coins: '−10',
      money: '',
    });
    expect(ledgerLine(entry('b', { kind: 'PURCHASE', coins: 550, amount: 499, currency: 'USD' }))).toEqual({
      what: 'Bought coins',
      coins: '+550',
      money: '$4.99',
    });
    expect(
      ledgerLine(
        entry('c', {
          kind: 'GIFT_RECEIVED',
          coins: 0,
          amount: 1000,
          currency: 'USD',
          giftId: 'castle',
          counterpartyHandle: 'amy',
        }),
      ),
    ).toEqual({ what: 'A gift from @amy', coins: '', money: '$10.00' });
    expect(ledgerLine(entry('d', { kind: 'TIP_SENT', counterpartyHandle: null })).what).toBe('Tipped a streamer');
    expect(ledgerLine(entry('e', { kind: 'PAYOUT_REJECTED', coins: 0 })).what).toBe(
      'Payout rejected: amount available again',
    );
    expect(
      ledgerLine(
        entry('f', { kind: 'BATTLE_BONUS', coins: 0, amount: 98, currency: 'USD', counterpartyHandle: 'bob' }),
      ),
    ).toEqual({ what: 'PK battle bonus: you beat @bob', coins: '', money: '$0.98' });
  });

  it('merges pages: each entry once, newest first', () => {
    const merged = mergeLedger(
      [entry('b', { createdAt: '2026-12-02T18:00:02Z' }), entry('a')],
      [entry('a'), entry('c', { createdAt: '2026-12-02T18:00:01Z' })],
    );
    expect(merged.map((e) => e.entryId)).toEqual(['b', 'c', 'a']);
  });

  it('payout status and reject reasons', () => {
    expect(payoutStatusText({ status: 'REJECTED', reason: 'Bank details missing' })).toBe(
      'Rejected: Bank details missing',
    );
    expect(payoutStatusText({ status: 'REQUESTED' })).toBe('Requested: waiting for an admin');
    expect(rejectReasonError('  ')).toMatch(/Say why/);
    expect(rejectReasonError('Bank details missing')).toBeNull();
    expect(rejectReasonError('x'.repeat(281))).toMatch(/280/);
    expect(normalizeHandle(' @Alice ')).toBe('alice');
  });
});
