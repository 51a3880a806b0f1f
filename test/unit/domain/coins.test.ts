import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyClawback,
  applyCredit,
  awaitsCredit,
  closesAs,
  coinPacksSchema,
  coinsConfigSchema,
  coinsReversed,
  DEFAULT_COIN_PACKS,
  processingFrom,
  PURCHASE_STATUSES,
  purchaseStatus,
  reversedAmount,
  stripeSecretSchema,
} from '../../../lambdas/shared/domain/coins';
import { useSeededProperties } from '../../support/fast-check';

useSeededProperties();

const wallet = fc.record({ coins: fc.nat(1_000_000), debt: fc.nat(1_000_000) });

describe('coin packs config', () => {
  it("defaults to the shop's packs and no Stripe secret (purchases unavailable)", () => {
    expect(coinsConfigSchema.parse({})).toEqual({ packs: DEFAULT_COIN_PACKS });
  });

  it("refuses duplicate ids, fractional coins, prices under Stripe's 50-cent minimum and unknown currencies", () => {
    const pack = DEFAULT_COIN_PACKS[0];
    expect(coinPacksSchema.safeParse([pack, pack]).success).toBe(false);
    expect(coinPacksSchema.safeParse([{ ...pack, coins: 1.5 }]).success).toBe(false);
    expect(coinPacksSchema.safeParse([{ ...pack, amount: 49 }]).success).toBe(false);
    expect(coinPacksSchema.safeParse([{ ...pack, currency: 'XXX' }]).success).toBe(false);
    expect(coinsConfigSchema.safeParse({ stripeSecretName: 'has spaces' }).success).toBe(false);
  });

  it('accepts only a secret holding a Stripe secret key and a webhook endpoint secret', () => {
    expect(stripeSecretSchema.safeParse({ apiKey: 'sk_test_abc', webhookSecret: 'whsec_abc' }).success).toBe(true);
    expect(stripeSecretSchema.safeParse({ apiKey: 'pk_test_abc', webhookSecret: 'whsec_abc' }).success).toBe(false);
    expect(stripeSecretSchema.safeParse({ apiKey: 'sk_test_abc' }).success).toBe(false);
  });
});

describe('refunds and disputes in coins', () => {
  it('a full refund or dispute takes every coin; none takes none; a partial one rounds up', () => {
    expect(coinsReversed(100, 99, 99)).toBe(100);
    expect(coinsReversed(100, 99, 0)).toBe(0);
    expect(coinsReversed(100, 99, 50)).toBe(51);
    expect(coinsReversed(550, 499, 1)).toBe(2);
  });

  it('refund and dispute of one charge count once, capped at what it cost', () => {
    expect(reversedAmount(99, 99, 99)).toBe(99);
    expect(reversedAmount(99, 40, 99)).toBe(99);
    expect(reversedAmount(99, 40, 0)).toBe(40);
    expect(reversedAmount(99, 500, 0)).toBe(99);
    expect(purchaseStatus(99, 99)).toBe('REFUNDED');
    expect(purchaseStatus(99, 98)).toBe('PAID');
  });

  it('a checkout never credited awaits its credit (open, processing, or closed unpaid); a credited one never again', () => {
    expect((['OPEN', 'PROCESSING', 'EXPIRED', 'FAILED', 'PAID', 'REFUNDED'] as const).map(awaitsCredit)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('a bank debit waits for the bank only from OPEN; a failure closes OPEN or PROCESSING, an expiry only OPEN', () => {
    expect(Object.fromEntries(PURCHASE_STATUSES.map((s) => [s, processingFrom(s)]))).toEqual({
      OPEN: 'PROCESSING',
      PROCESSING: null,
      PAID: null,
      REFUNDED: null,
      EXPIRED: null,
      FAILED: null,
    });
    expect(PURCHASE_STATUSES.filter((s) => closesAs(s, 'FAILED'))).toEqual(['OPEN', 'PROCESSING']);
    expect(PURCHASE_STATUSES.filter((s) => closesAs(s, 'EXPIRED'))).toEqual(['OPEN']);
  });

  it('property: coins taken back grow with the money refunded, stay within the pack, and reach it exactly at a full refund', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 50, max: 99_999_999 }),
        fc.nat(),
        fc.nat(),
        (coins, total, a, b) => {
          const [lo, hi] = [a % (total + 1), b % (total + 1)].sort((x, y) => x - y) as [number, number];
          const low = coinsReversed(coins, total, lo);
          const high = coinsReversed(coins, total, hi);
          expect(Number.isSafeInteger(high)).toBe(true);
          expect(low).toBeLessThanOrEqual(high);
          expect(high).toBeLessThanOrEqual(coins);
          expect(coinsReversed(coins, total, total)).toBe(coins);
        },
      ),
    );
  });
});

describe('wallet arithmetic', () => {
  it('property: a credit settles debt first and a clawback never leaves a negative balance; coins - debt moves by exactly the amount', () => {
    fc.assert(
      fc.property(wallet, fc.nat(1_000_000), fc.nat(1_000_000), (w, credit, claw) => {
        const c = applyCredit(w, credit);
        expect(c.after.coins - c.after.debt).toBe(w.coins - w.debt + credit);
        expect(c.after.debt === 0 || c.after.coins === w.coins).toBe(true);
        expect(c.settled + c.added).toBe(credit);
        const k = applyClawback(c.after, claw);
        expect(k.after.coins).toBeGreaterThanOrEqual(0);
        expect(k.after.debt).toBeGreaterThanOrEqual(0);
        expect(k.after.coins - k.after.debt).toBe(c.after.coins - c.after.debt - claw);
        expect(k.owed === 0 || k.after.coins === 0).toBe(true);
      }),
    );
  });
});
