/**
 * The economy's pure rules (lambdas/shared/domain/economy.ts): the split conserves every minor
 * unit (fast-check), pricing and refusals, the payout rule, shards, the leaderboard order, and the
 * settings' trip through AppSync environment variables and the stage config.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../../lib/config';
import {
  APPSYNC_ENV_VALUE_MAX,
  DEFAULT_ECONOMY_SETTINGS,
  DEFAULT_GIFT_CATALOG,
  MAX_SPLIT_VALUE,
  availableMinor,
  economyEnvironment,
  economyFromEnvironment,
  formatMinor,
  isAdmin,
  isRefusal,
  payoutRefusal,
  priceGift,
  priceTip,
  shardFromUuid,
  shardSuffix,
  sharePercentFor,
  spendRefusal,
  splitValue,
  topGifters,
  type Economy,
} from '../../../lambdas/shared/domain/economy';
import { useSeededProperties } from '../../support/fast-check';

useSeededProperties();
const economy: Economy = { ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG };

describe('splitValue', () => {
  it('broadcaster + platform = value exactly, for every value and percent, in whole minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_SPLIT_VALUE }), fc.integer({ min: 0, max: 100 }), (value, percent) => {
        const s = splitValue(value, percent);
        expect(s.broadcasterMinor + s.platformMinor).toBe(value);
        expect(Number.isSafeInteger(s.broadcasterMinor) && Number.isSafeInteger(s.platformMinor)).toBe(true);
        expect(s.broadcasterMinor).toBeGreaterThanOrEqual(0);
        expect(s.platformMinor).toBeGreaterThanOrEqual(0);
        // floor(value × percent / 100), computed in BigInt so no rounding can hide.
        expect(BigInt(s.broadcasterMinor)).toBe((BigInt(value) * BigInt(percent)) / 100n);
      }),
    );
  });

  it('gives standard broadcasters 50 % and premium 90 %, the platform the remainder', () => {
    expect(splitValue(100, sharePercentFor('STANDARD', economy))).toEqual({
      valueMinor: 100,
      broadcasterMinor: 50,
      platformMinor: 50,
    });
    expect(splitValue(100, sharePercentFor('PREMIUM', economy))).toEqual({
      valueMinor: 100,
      broadcasterMinor: 90,
      platformMinor: 10,
    });
    expect(splitValue(15, 50)).toEqual({ valueMinor: 15, broadcasterMinor: 7, platformMinor: 8 });
    expect(splitValue(1, 90)).toEqual({ valueMinor: 1, broadcasterMinor: 0, platformMinor: 1 });
    expect(sharePercentFor(undefined, economy)).toBe(50);
    expect(splitValue(MAX_SPLIT_VALUE, 99).broadcasterMinor + splitValue(MAX_SPLIT_VALUE, 99).platformMinor).toBe(
      MAX_SPLIT_VALUE,
    );
  });
});

describe('pricing and refusals', () => {
  it('prices gifts from the catalog and marks big ones', () => {
    expect(priceGift(economy, 'rose', 3)).toMatchObject({
      kind: 'GIFT',
      giftId: 'rose',
      giftName: 'Rose',
      coins: 15,
      count: 3,
      big: false,
    });
    expect(priceGift(economy, 'rocket', 1)).toMatchObject({ coins: 500, big: true });
    expect(priceGift(economy, 'unicorn', 1)).toMatchObject({ code: 'VALIDATION', field: 'giftId' });
    for (const count of [0, -1, 1.5, 100])
      expect(priceGift(economy, 'rose', count)).toMatchObject({ code: 'VALIDATION', field: 'count' });
  });

  it('prices tips with a trimmed message', () => {
    expect(priceTip(economy, 25, '  thanks  ')).toMatchObject({
      kind: 'TIP',
      coins: 25,
      message: 'thanks',
      giftId: null,
      big: false,
    });
    expect(priceTip(economy, 25, '   ')).toMatchObject({ message: null });
    expect(priceTip(economy, 0, null)).toMatchObject({ code: 'VALIDATION', field: 'coins' });
    expect(priceTip(economy, 100_001, null)).toMatchObject({ code: 'VALIDATION', field: 'coins' });
    expect(priceTip(economy, 5, 'x'.repeat(141))).toMatchObject({ code: 'VALIDATION', field: 'message' });
    expect(isRefusal(priceTip(economy, 5, null))).toBe(false);
  });

  it('a wallet pays when it holds the cost and owes nothing', () => {
    expect(spendRefusal({ coins: 10, debt: 0 }, 10)).toBeNull();
    expect(spendRefusal(null, 1)).toMatchObject({
      code: 'INSUFFICIENT_COINS',
      message: 'This costs 1 coins and your wallet holds 0.',
    });
    expect(spendRefusal({ coins: 500, debt: 3 }, 1)).toMatchObject({ code: 'COINS_IN_DEBT' });
  });

  it('payouts take the whole available balance, from the minimum up', () => {
    expect(availableMinor({ earnedMinor: 5000, reservedMinor: 1000, paidMinor: 2500 })).toBe(1500);
    expect(availableMinor({ earnedMinor: 10, reservedMinor: 20, paidMinor: 0 })).toBe(0);
    expect(payoutRefusal(999, 1000, 'USD')).toMatchObject({
      code: 'BELOW_MINIMUM_PAYOUT',
      message: 'Payouts start at $10.00; you have $9.99 available.',
    });
    expect(payoutRefusal(1000, 1000, 'USD')).toBeNull();
    expect(formatMinor(1205, 'EUR')).toBe('12.05 EUR');
  });
});

describe('shards, leaderboard, admins', () => {
  it('picks every shard from random uuids, and only shards that exist', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 64 }), (uuid, shards) => {
        const s = shardFromUuid(uuid, shards);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(shards);
      }),
    );
    const seen = new Set(Array.from({ length: 400 }, () => shardFromUuid(crypto.randomUUID(), 8)));
    expect(seen.size).toBe(8);
    expect(shardSuffix(3)).toBe('03');
    expect(shardSuffix(12)).toBe('12');
  });

  it('ranks the biggest gifters first, earlier arrival first on ties, ten at most', () => {
    const tallies = Array.from({ length: 14 }, (_, i) => ({
      userId: `u${i}`,
      handle: `h${i}`,
      coins: i % 5,
      reachedAt: `2026-01-01T00:00:${String(30 - i).padStart(2, '0')}Z`,
    }));
    const top = topGifters(tallies, 10);
    expect(top).toHaveLength(10);
    expect(top.map((t) => t.coins)).toEqual([4, 4, 3, 3, 3, 2, 2, 2, 1, 1]);
    expect(top.slice(0, 2).map((t) => t.userId)).toEqual(['u9', 'u4']);
  });

  it('knows admins by the admins group only', () => {
    expect(isAdmin(['admins'])).toBe(true);
    expect(isAdmin(['streamers', 'admins'])).toBe(true);
    expect(isAdmin(['Admins'])).toBe(false);
    expect(isAdmin(null)).toBe(false);
  });
});

describe('settings', () => {
  it("travel through AppSync environment variables unchanged and within AppSync's 512 characters", () => {
    const env = economyEnvironment(economy);
    for (const value of Object.values(env)) expect(value.length).toBeLessThanOrEqual(APPSYNC_ENV_VALUE_MAX);
    expect(economyFromEnvironment(env)).toEqual(economy);
    expect(economyFromEnvironment({})).toBeNull();
  });

  const stage = (economyConfig?: unknown) => (key: string) =>
    key === 'stage'
      ? 'dev'
      : key === 'stages'
        ? {
            dev: {
              prefix: 'lvs-dev',
              removalPolicy: 'destroy',
              allowTeardownOfRuntimeResources: true,
              recordings: { archiveAccessDays: 90, deepArchiveAccessDays: 180, expireUnsoldAfterDays: 365 },
              email: { sesIdentity: 'example.com', fromAddress: 'a@example.com' },
              ...(economyConfig === undefined ? {} : { economy: economyConfig }),
            },
          }
        : undefined;

  it('default to 50 % / 90 %, 1 cent a coin and a $10 minimum payout; a stage may change them', () => {
    const defaults = loadStageConfig(stage()).economy;
    expect(defaults).toMatchObject({
      currency: 'USD',
      coinValueMinor: 1,
      standardSharePercent: 50,
      premiumSharePercent: 90,
      minimumPayoutMinor: 1000,
    });
    expect(defaults.gifts.map((g) => g.id)).toEqual(DEFAULT_GIFT_CATALOG.map((g) => g.id));
    expect(loadStageConfig(stage({ premiumSharePercent: 80, shards: { platformRevenue: 32 } })).economy).toMatchObject({
      premiumSharePercent: 80,
      shards: { streamRevenue: 8, earnings: 8, platformRevenue: 32 },
    });
  });

  it('refuse a catalog AppSync could not carry, duplicate gift ids and out-of-range percents with one sentence', () => {
    const long = Array.from({ length: 24 }, (_, i) => ({
      id: `gift-number-${i}`,
      name: 'A rather long gift name xx',
      coins: 100_000,
      animation: 'fireworks-long-name',
    }));
    expect(() => loadStageConfig(stage({ gifts: long }))).toThrow(
      /economy\.gifts: the gift catalog must fit AppSync's 512-character/,
    );
    expect(() =>
      loadStageConfig(
        stage({
          gifts: [
            { id: 'a', name: 'A', coins: 1, animation: 'a' },
            { id: 'a', name: 'B', coins: 2, animation: 'b' },
          ],
        }),
      ),
    ).toThrow(/gift ids must be unique/);
    expect(() => loadStageConfig(stage({ standardSharePercent: 101 }))).toThrow(/economy\.standardSharePercent/);
  });
});
